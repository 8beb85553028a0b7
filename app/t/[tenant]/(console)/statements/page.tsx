import { notFound } from "next/navigation";
import { StatementsView } from "@/components/clearing/statements-view";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function StatementsPage() {
  const me = await requireConsoleUser();
  if (!can(me.role, "recon.import")) notFound();
  const { t } = await pageContext();
  return (
    <div className="space-y-6">
      <PageHeader title={t("clearing.title")} description={t("clearing.description")} />
      <StatementsView />
    </div>
  );
}
