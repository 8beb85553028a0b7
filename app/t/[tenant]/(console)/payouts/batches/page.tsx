import { PageHeader } from "@/components/ui/page-header";
import { BatchesTable, GatherButton } from "@/components/wallets/batches-table";
import { DirectModeNotice } from "@/components/wallets/parts";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function BatchesPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  const overview = await (await serverApi()).wallets.overview();
  const custodial = overview.settlementMode === "CUSTODIAL";
  return (
    <div className="space-y-6">
      <PageHeader
        title={t("wallets.batchesTitle")}
        description={t("wallets.batchesDescription")}
        actions={custodial && can(me.role, "payouts.manage") ? <GatherButton initial={overview} /> : null}
      />
      {custodial ? <BatchesTable /> : <DirectModeNotice />}
    </div>
  );
}
