import { PortalDevices } from "@/components/portal/portal-views";
import { requireMerchantUser } from "@/server/api/page-guards";

export default async function PortalDevicesPage() {
  await requireMerchantUser();
  return <PortalDevices />;
}
