import { LoginCard } from "@/components/auth/login-card";
import { LoginForm } from "@/components/auth/login-form";
import { LanguageSwitcher } from "@/components/shell/language-switcher";
import { pageContext } from "@/server/api/page-context";

export default async function PlatformLoginPage() {
  const { t } = await pageContext();
  return (
    <LoginCard title={t("auth.platformTitle")} subtitle={t("auth.platformSubtitle")} logo={false} footer={<LanguageSwitcher />}>
      <LoginForm />
    </LoginCard>
  );
}
