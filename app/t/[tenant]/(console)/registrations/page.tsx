import { RegistrationsTable } from "@/components/channels/registrations-table";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function RegistrationsPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  return (
    <div className="space-y-6">
      <PageHeader title={t("registrations.title")} description={t("registrations.description")} />
      <RegistrationsTable canManage={can(me.role, "registrations.manage")} urlStateKey="reg" />
    </div>
  );
}
