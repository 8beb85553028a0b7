import { StoresTable } from "@/components/merchants/stores-table";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function StoresPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  return (
    <div className="space-y-6">
      <PageHeader title={t("nav.stores")} />
      <StoresTable canEdit={can(me.role, "merchants.write")} />
    </div>
  );
}
