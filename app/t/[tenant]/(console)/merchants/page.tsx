import Link from "next/link";
import { MerchantsTable } from "@/components/merchants/merchants-table";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function MerchantsPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  const canCreate = can(me.role, "merchants.write");
  return (
    <div className="space-y-6">
      <PageHeader
        title={t("merchants.title")}
        description={t("merchants.description")}
        actions={
          canCreate ? (
            <Link href="/merchants/new" className={buttonClass("primary")}>
              {t("merchants.new")}
            </Link>
          ) : null
        }
      />
      <MerchantsTable canCreate={canCreate} />
    </div>
  );
}
