import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { UsersView } from "@/components/users/users-view";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function UsersPage() {
  const { me, allowed } = await pagePermission("users.manage");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  return (
    <div className="space-y-4">
      <PageHeader title={t("users.title")} description={t("users.description")} />
      <UsersView actorRole={me.role as "OWNER"} actorId={me.userId} />
    </div>
  );
}
