import { AccountView } from "@/components/ledger/account-view";
import { isIsoDate } from "@/components/ledger/dates";
import { Forbidden } from "@/components/shell/forbidden";
import { pageContext } from "@/server/api/page-context";
import { loadOrNotFound, pagePermission } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function LedgerAccountPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ asOf?: string | string[] }> }) {
  const { me, allowed } = await pagePermission("ledger.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  const { id } = await params;
  // ?asOf=YYYY-MM-DD (the trial balance's drill-down): anything else is ignored, like a missing one.
  const { asOf } = await searchParams;
  const date = typeof asOf === "string" && isIsoDate(asOf) ? asOf : null;
  const api = await serverApi();
  // Another tenant's account is NOT_FOUND, exactly like a missing one; a malformed id is too.
  const account = await loadOrNotFound(api.ledger.getAccount({ id }));
  const balanceAsOf = date ? await api.ledger.balanceAsOf({ accountId: account.id, businessDate: date }) : undefined;
  return <AccountView initial={account} asOf={date} {...(balanceAsOf ? { initialAsOf: balanceAsOf } : {})} />;
}
