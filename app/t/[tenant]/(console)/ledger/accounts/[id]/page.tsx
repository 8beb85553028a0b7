import { AccountView } from "@/components/ledger/account-view";
import { Forbidden } from "@/components/shell/forbidden";
import { pageContext } from "@/server/api/page-context";
import { loadOrNotFound, pagePermission } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function LedgerAccountPage({ params }: { params: Promise<{ id: string }> }) {
  const { me, allowed } = await pagePermission("ledger.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  const { id } = await params;
  // Another tenant's account is NOT_FOUND, exactly like a missing one; a malformed id is too.
  const account = await loadOrNotFound((await serverApi()).ledger.getAccount({ id }));
  return <AccountView initial={account} />;
}
