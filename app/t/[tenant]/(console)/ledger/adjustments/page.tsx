import { ProposalsTable } from "@/components/ledger/proposals-table";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function AdjustmentsPage() {
  const { me, allowed } = await pagePermission("ledger.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  return (
    <div className="space-y-4">
      <PageHeader title={t("ledger.proposalsTitle")} description={t("ledger.proposalsDescription")} />
      <ProposalsTable canPropose={can(me.role, "ledger.propose")} meId={me.userId} />
    </div>
  );
}
