import { RoutingView } from "@/components/routing/routing-view";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

// Every console role may read the routing configuration and its decisions; changing the rules is
// routing.manage (the server checks it again on every mutation).
export default async function RoutingPage() {
  const { me, allowed } = await pagePermission("tenant.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  return (
    <div className="space-y-6">
      <PageHeader title={t("routing.title")} description={t("routing.description")} />
      <RoutingView canManage={can(me.role, "routing.manage")} canSeeUsers={can(me.role, "users.manage")} />
    </div>
  );
}
