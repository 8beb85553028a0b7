import { PortalApiKeys, PortalWebhook } from "@/components/portal/portal-views";
import { requireMerchantUser } from "@/server/api/page-guards";

export default async function PortalDevelopersPage() {
  const me = await requireMerchantUser();
  const isAdmin = me.role === "MERCHANT_ADMIN";
  return (
    <div className="space-y-6">
      <PortalApiKeys isAdmin={isAdmin} />
      <PortalWebhook isAdmin={isAdmin} />
    </div>
  );
}
