import { SettlementsView } from "@/components/settlement/settlements-view";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function SettlementsPage() {
  const me = await requireConsoleUser();
  const { t, timeZone } = await pageContext();
  const overview = await (await serverApi()).wallets.overview();
  const mode = overview.settlementMode;
  const today = new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
  return (
    <div className="space-y-6">
      <PageHeader title={t("settlement.title")} description={mode === "CUSTODIAL" ? t("settlement.descriptionCustodial") : t("settlement.descriptionDirect")} />
      <SettlementsView mode={mode} today={today} canRun={can(me.role, "settlement.run")} canEditPolicy={can(me.role, "settlement.settings")} />
    </div>
  );
}
