import { notFound } from "next/navigation";
import { PageHeader } from "@/components/ui/page-header";
import { DirectModeNotice } from "@/components/wallets/parts";
import { PayoutView } from "@/components/wallets/payout-view";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { loadOrNotFound, requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function PayoutPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const api = await serverApi();
  if ((await api.wallets.overview()).settlementMode !== "CUSTODIAL") {
    return (
      <div className="space-y-6">
        <PageHeader title={t("wallets.payoutsTitle")} />
        <DirectModeNotice />
      </div>
    );
  }
  const payout = await loadOrNotFound(api.wallets.payouts.get({ id }));
  return <PayoutView initial={payout} canManage={can(me.role, "payouts.manage")} canReturn={can(me.role, "payouts.return")} />;
}
