import { notFound } from "next/navigation";
import { DeviceView } from "@/components/devices/device-view";
import { pagePermission } from "@/server/api/page-guards";
import { can } from "@/server/core/auth/roles";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function DevicePage({ params }: { params: Promise<{ id: string }> }) {
  const { me } = await pagePermission("tenant.read");
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  return <DeviceView id={id} canManage={can(me.role, "devices.manage")} />;
}
