import { notFound } from "next/navigation";
import { IncomeView } from "@/components/settlement/income-view";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function IncomePage() {
  const me = await requireConsoleUser();
  if (!can(me.role, "ledger.read")) notFound();
  const { t, timeZone } = await pageContext();
  const thisMonth = new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date()).slice(0, 7);
  return (
    <div className="space-y-6">
      <PageHeader title={t("settlement.incomeTitle")} description={t("settlement.incomeHelp")} />
      <IncomeView thisMonth={thisMonth} />
    </div>
  );
}
