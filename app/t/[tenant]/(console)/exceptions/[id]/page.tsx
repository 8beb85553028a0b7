import { notFound } from "next/navigation";
import { ExceptionItem } from "@/components/clearing/exception-item";
import { can } from "@/server/core/auth/roles";
import { loadOrNotFound, requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

// One exception: both sides' records, its suspense line, history, comments and the resolutions.
export default async function ExceptionPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireConsoleUser();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  // Another tenant's exception is NOT_FOUND, exactly like a missing one.
  const initial = await loadOrNotFound((await serverApi()).exceptionQueue.get({ id }));
  return <ExceptionItem initial={initial} canWork={can(me.role, "recon.import")} canPropose={can(me.role, "ledger.propose")} canResolveNote={can(me.role, "refunds.manage")} />;
}
