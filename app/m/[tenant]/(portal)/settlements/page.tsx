import { PortalBalances, PortalSettlements } from "@/components/portal/portal-views";
import { StatementDownload } from "@/components/settlement/merchant-settlement";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { requireMerchantUser } from "@/server/api/page-guards";

export default async function PortalSettlementsPage() {
  await requireMerchantUser();
  const { t, timeZone } = await pageContext();
  const today = new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
  return (
    <div className="space-y-6">
      <PageHeader title={t("settlement.portalSettlementsTitle")} />
      <PortalBalances />
      <StatementDownload today={today} />
      <PortalSettlements />
    </div>
  );
}
