import { notFound } from "next/navigation";
import { PageHeader } from "@/components/ui/page-header";
import { DirectModeNotice } from "@/components/wallets/parts";
import { WalletView } from "@/components/wallets/wallet-view";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { loadOrNotFound, requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function WalletPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const api = await serverApi();
  if ((await api.wallets.overview()).settlementMode !== "CUSTODIAL") {
    return (
      <div className="space-y-6">
        <PageHeader title={t("wallets.walletsTitle")} />
        <DirectModeNotice />
      </div>
    );
  }
  // Another tenant's wallet is NOT_FOUND, exactly like a missing one.
  const wallet = await loadOrNotFound(api.wallets.get({ id }));
  return <WalletView initial={wallet} canReadLedger={can(me.role, "ledger.read")} />;
}
