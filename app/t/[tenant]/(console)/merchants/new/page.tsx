import { MerchantForm } from "@/components/merchants/merchant-form";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function NewMerchantPage() {
  const { me, allowed } = await pagePermission("merchants.write");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  return (
    <div className="max-w-4xl space-y-6">
      <PageHeader title={t("merchants.createTitle")} />
      <MerchantForm canEdit />
    </div>
  );
}
