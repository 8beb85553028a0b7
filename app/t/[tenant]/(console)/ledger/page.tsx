import { ChartOfAccounts } from "@/components/ledger/chart-of-accounts";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function LedgerPage() {
  const { me, allowed } = await pagePermission("ledger.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  return (
    <div className="space-y-6">
      <PageHeader title={t("ledger.accountsTitle")} description={t("ledger.accountsDescription")} />
      <ChartOfAccounts />
    </div>
  );
}
