import { ConfigView } from "@/components/devices/config-view";
import { pagePermission } from "@/server/api/page-guards";
import { can } from "@/server/core/auth/roles";

export default async function DeviceConfigPage() {
  const { me } = await pagePermission("tenant.read");
  return <ConfigView canManage={can(me.role, "devices.manage")} canSettings={can(me.role, "settings.manage")} />;
}
