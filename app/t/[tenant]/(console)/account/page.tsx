import { AccountView } from "@/components/account/account-view";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function AccountPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  return <AccountView name={me.name} email={me.email} roleLabel={t(`roles.${me.role}`)} />;
}
