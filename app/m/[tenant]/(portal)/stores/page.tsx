import { PortalStores } from "@/components/merchants/portal-stores";
import { requireMerchantUser } from "@/server/api/page-guards";

export default async function PortalStoresPage() {
  await requireMerchantUser();
  return <PortalStores />;
}
