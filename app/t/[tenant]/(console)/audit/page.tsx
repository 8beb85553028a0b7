import { AuditTable } from "@/components/audit/audit-table";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function AuditPage() {
  const { me, allowed } = await pagePermission("audit.read");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  return (
    <div className="space-y-6">
      <PageHeader title={t("audit.title")} description={t("audit.description")} />
      <AuditTable />
    </div>
  );
}
