import { CodesView } from "@/components/devices/codes-view";
import { pagePermission } from "@/server/api/page-guards";
import { can } from "@/server/core/auth/roles";

export default async function DeviceCodesPage() {
  const { me } = await pagePermission("tenant.read");
  return <CodesView canManage={can(me.role, "devices.manage")} />;
}
