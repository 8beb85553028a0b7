import { PortalPayments } from "@/components/portal/portal-views";
import { requireMerchantUser } from "@/server/api/page-guards";

export default async function PortalPaymentsPage() {
  const me = await requireMerchantUser();
  return <PortalPayments isAdmin={me.role === "MERCHANT_ADMIN"} />;
}
