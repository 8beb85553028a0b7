import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { AccountView } from "@/components/ledger/account-view";
import { Forbidden } from "@/components/shell/forbidden";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function LedgerAccountPage({ params }: { params: Promise<{ id: string }> }) {
  const { me, allowed } = await pagePermission("ledger.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  const { id } = await params;
  // Another tenant's account is NOT_FOUND, exactly like a missing one; a malformed id is too.
  const account = await (await serverApi()).ledger.getAccount({ id }).catch((e: unknown) => {
    if (e instanceof TRPCError && (e.code === "NOT_FOUND" || e.code === "BAD_REQUEST")) return null;
    throw e;
  });
  if (!account) notFound();
  return <AccountView initial={account} />;
}
