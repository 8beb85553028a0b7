import { notFound } from "next/navigation";
import { LoginCard } from "@/components/auth/login-card";
import { LoginForm } from "@/components/auth/login-form";
import { LanguageSwitcher } from "@/components/shell/language-switcher";
import { pageContext } from "@/server/api/page-context";

export default async function TenantLoginPage() {
  const { tenant, locale, branding, t } = await pageContext();
  if (!tenant) notFound();
  return (
    <LoginCard title={branding.loginTitle[locale] || tenant.name} subtitle={branding.loginSubtitle[locale]} logo={tenant.hasLogo} footer={<LanguageSwitcher />}>
      {tenant.status === "ACTIVE" ? <LoginForm /> : <p role="alert" className="text-sm text-danger">{t("auth.suspended")}</p>}
    </LoginCard>
  );
}
