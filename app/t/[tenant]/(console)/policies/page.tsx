import { PoliciesView } from "@/components/settings/policies-view";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

// Every staff member may read the policies (finance needs the approval threshold); owners and
// admins change them (settings.manage), and the recent changes come from the audit log (audit.read).
export default async function PoliciesPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  return (
    <div className="space-y-6">
      <PageHeader title={t("policies.title")} description={t("policies.description")} />
      <PoliciesView canEdit={can(me.role, "settings.manage")} canSeeHistory={can(me.role, "audit.read")} />
    </div>
  );
}
