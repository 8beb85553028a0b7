import { notFound } from "next/navigation";
import { ChannelAccountView } from "@/components/channels/channel-account-view";
import { can } from "@/server/core/auth/roles";
import { loadOrNotFound, requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function ChannelAccountPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireConsoleUser();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  // Another tenant's account is NOT_FOUND, exactly like a missing one.
  const account = await loadOrNotFound((await serverApi()).channels.get({ id }));
  return (
    <ChannelAccountView
      initial={account}
      permissions={{
        canManage: can(me.role, "channels.manage"),
        canManageRegistrations: can(me.role, "registrations.manage"),
        canSeeUsers: can(me.role, "users.manage"),
      }}
    />
  );
}
