import { ChannelAccountForm } from "@/components/channels/channel-account-form";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/ui/page-header";
import { pageContext } from "@/server/api/page-context";
import { pagePermission } from "@/server/api/page-guards";

export default async function NewChannelAccountPage() {
  const { me, allowed } = await pagePermission("channels.manage");
  const { t } = await pageContext();
  if (!allowed) return <Forbidden role={t(`roles.${me.role}`)} />;
  return (
    <div className="max-w-5xl space-y-6">
      <PageHeader title={t("channels.createTitle")} description={t("channels.createDescription")} />
      <ChannelAccountForm />
    </div>
  );
}
