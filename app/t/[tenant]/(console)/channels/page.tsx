import Link from "next/link";
import { ChannelsTable } from "@/components/channels/channels-table";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function ChannelsPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  const canManage = can(me.role, "channels.manage");
  return (
    <div className="space-y-6">
      <PageHeader
        title={t("channels.title")}
        description={t("channels.description")}
        actions={
          canManage ? (
            <Link href="/channels/new" className={buttonClass("primary")}>
              {t("channels.new")}
            </Link>
          ) : null
        }
      />
      <ChannelsTable canManage={canManage} />
    </div>
  );
}
