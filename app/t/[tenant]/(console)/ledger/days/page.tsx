import { BusinessDaysView } from "@/components/ledger/business-days-view";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function BusinessDaysPage() {
  const { me, allowed } = await pagePermission("ledger.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  return (
    <div className="space-y-4">
      <PageHeader title={t("ledger.daysTitle")} description={t("ledger.daysDescription")} />
      <BusinessDaysView canClose={can(me.role, "ledger.close")} />
    </div>
  );
}
