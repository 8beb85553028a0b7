import { notFound } from "next/navigation";
import { PageHeader } from "@/components/ui/page-header";
import { BatchResults } from "@/components/clearing/batch-results";
import { BatchView } from "@/components/wallets/batch-view";
import { DirectModeNotice } from "@/components/wallets/parts";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { loadOrNotFound, requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function BatchPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const api = await serverApi();
  if ((await api.wallets.overview()).settlementMode !== "CUSTODIAL") {
    return (
      <div className="space-y-6">
        <PageHeader title={t("wallets.batchesTitle")} />
        <DirectModeNotice />
      </div>
    );
  }
  const batch = await loadOrNotFound(api.wallets.batches.get({ id }));
  return (
    <div className="space-y-6">
      <BatchView initial={batch} canManage={can(me.role, "payouts.manage")} />
      <BatchResults batchId={batch.id} canImport={can(me.role, "recon.import")} />
    </div>
  );
}
