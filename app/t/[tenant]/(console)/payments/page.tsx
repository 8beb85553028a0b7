import { PaymentsTable } from "@/components/payments/payments-table";
import { NewTestPaymentButton } from "@/components/payments/test-payment-dialog";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function PaymentsPage() {
  const me = await requireConsoleUser();
  const { t } = await pageContext();
  // Test payments are real payments in a merchant's name: the same permission as editing merchants.
  const canCreateTest = can(me.role, "merchants.write");
  return (
    <div className="space-y-6">
      <PageHeader title={t("payments.title")} description={t("payments.description")} actions={canCreateTest ? <NewTestPaymentButton /> : null} />
      <PaymentsTable canCreateTest={canCreateTest} />
    </div>
  );
}
