import { PricingView } from "@/components/channels/pricing-view";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function PricingPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  return (
    <div className="space-y-6">
      <PageHeader title={t("pricing.title")} description={t("pricing.description")} />
      <PricingView canManage={can(me.role, "pricing.manage")} />
    </div>
  );
}
