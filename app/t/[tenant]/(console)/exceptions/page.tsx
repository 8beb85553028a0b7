import { ExceptionQueue } from "@/components/clearing/exception-queue";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

// The exception queue (差错处理): reconciliation differences and payment exceptions, with the
// suspense charts and finance's day-end close.
export default async function ExceptionsPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  return (
    <div className="space-y-6">
      <PageHeader title={t("exceptionQueue.title")} description={t("exceptionQueue.description")} />
      <ExceptionQueue canWork={can(me.role, "recon.import")} canClose={can(me.role, "ledger.close")} />
    </div>
  );
}
