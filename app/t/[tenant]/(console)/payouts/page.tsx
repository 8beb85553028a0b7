import { PageHeader } from "@/components/ui/page-header";
import { DirectModeNotice } from "@/components/wallets/parts";
import { PayoutsTable } from "@/components/wallets/payouts-table";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function PayoutsPage() {
  await requireConsoleUser();
  const { t } = await pageContext();
  const overview = await (await serverApi()).wallets.overview();
  return (
    <div className="space-y-6">
      <PageHeader title={t("wallets.payoutsTitle")} description={t("wallets.payoutsDescription")} />
      {overview.settlementMode === "CUSTODIAL" ? <PayoutsTable /> : <DirectModeNotice />}
    </div>
  );
}
