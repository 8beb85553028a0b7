import { PortalPayments } from "@/components/portal/portal-views";
import { requireMerchantUser } from "@/server/api/page-guards";

export default async function PortalPaymentsPage() {
  await requireMerchantUser();
  return <PortalPayments />;
}
