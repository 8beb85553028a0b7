import { BrandingEditor } from "@/components/branding/branding-editor";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function BrandingPage() {
  const { me, allowed } = await pagePermission("branding.manage");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  const settings = await (await serverApi()).settings.get();
  return (
    <div className="space-y-6">
      <PageHeader title={t("branding.title")} description={t("branding.description")} />
      <BrandingEditor initial={{ ...settings.branding, defaultLocale: settings.defaultLocale as "zh-CN" | "en" }} hasLogo={settings.hasLogo} tenantName={settings.name} />
    </div>
  );
}
