import { PageHeader } from "@/components/ui/page-header";
import { DirectModeNotice } from "@/components/wallets/parts";
import { WalletsTable } from "@/components/wallets/wallets-table";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function WalletsPage() {
  await requireConsoleUser();
  const { t } = await pageContext();
  const overview = await (await serverApi()).wallets.overview();
  return (
    <div className="space-y-6">
      <PageHeader title={t("wallets.walletsTitle")} description={t("wallets.walletsDescription")} />
      {overview.settlementMode === "CUSTODIAL" ? <WalletsTable /> : <DirectModeNotice />}
    </div>
  );
}
