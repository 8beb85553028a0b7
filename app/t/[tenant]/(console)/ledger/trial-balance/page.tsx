import { TrialBalanceView } from "@/components/ledger/trial-balance-view";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function TrialBalancePage({ searchParams }: { searchParams: Promise<{ asOf?: string | string[] }> }) {
  const { me, allowed } = await pagePermission("ledger.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  const { asOf } = await searchParams;
  const initialAsOf = typeof asOf === "string" && /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? asOf : null;
  return (
    <div className="space-y-6">
      <PageHeader title={t("ledger.trialBalance")} description={t("ledger.trialBalanceDescription")} />
      <TrialBalanceView initialAsOf={initialAsOf} />
    </div>
  );
}
