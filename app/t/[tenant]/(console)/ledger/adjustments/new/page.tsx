import { AdjustmentForm } from "@/components/ledger/adjustment-form";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function NewAdjustmentPage() {
  const { me, allowed } = await pagePermission("ledger.propose");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  return (
    <div className="max-w-5xl space-y-6">
      <PageHeader title={t("ledger.newAdjustment")} description={t("ledger.newAdjustmentDescription")} />
      <AdjustmentForm />
    </div>
  );
}
