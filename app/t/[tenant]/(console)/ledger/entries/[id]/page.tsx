import { EntryView } from "@/components/ledger/entry-view";
import { Forbidden } from "@/components/shell/forbidden";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { loadOrNotFound, pagePermission } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function JournalEntryPage({ params }: { params: Promise<{ id: string }> }) {
  const { me, allowed } = await pagePermission("ledger.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  const { id } = await params;
  const entry = await loadOrNotFound((await serverApi()).ledger.getEntry({ id }));
  return <EntryView entry={entry} canPropose={can(me.role, "ledger.propose")} />;
}
