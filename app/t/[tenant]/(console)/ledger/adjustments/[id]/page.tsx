import { ProposalDetail } from "@/components/ledger/proposal-detail";
import { Forbidden } from "@/components/shell/forbidden";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { loadOrNotFound, pagePermission } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function ProposalPage({ params }: { params: Promise<{ id: string }> }) {
  const { me, allowed } = await pagePermission("ledger.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  const { id } = await params;
  const proposal = await loadOrNotFound((await serverApi()).proposals.get({ id }));
  return <ProposalDetail initial={proposal} meId={me.userId} canDecide={can(me.role, "proposals.decide")} canPropose={can(me.role, "ledger.propose")} />;
}
