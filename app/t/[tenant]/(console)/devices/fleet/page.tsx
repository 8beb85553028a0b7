import { FleetView } from "@/components/devices/fleet-view";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function DeviceFleetPage() {
  await pagePermission("tenant.read");
  const { t } = await pageContext();
  return (
    <div className="space-y-6">
      <PageHeader title={t("devices.fleetTitle")} />
      <FleetView />
    </div>
  );
}
