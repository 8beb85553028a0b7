import { DevicesList } from "@/components/devices/devices-list";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";
import { can } from "@/server/core/auth/roles";

export default async function DevicesPage() {
  const { me } = await pagePermission("tenant.read");
  const { t } = await pageContext();
  return (
    <div className="space-y-6">
      <PageHeader title={t("devices.title")} description={t("devices.description")} />
      <DevicesList canManage={can(me.role, "devices.manage")} />
    </div>
  );
}
