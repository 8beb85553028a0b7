import { ExceptionsView } from "@/components/payments/exceptions-view";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function ExceptionsPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  return (
    <div className="space-y-6">
      <PageHeader title={t("payments.exceptionsTitle")} description={t("payments.exceptionsDescription")} />
      <ExceptionsView canResolve={can(me.role, "refunds.manage")} canPropose={can(me.role, "ledger.propose")} />
    </div>
  );
}
