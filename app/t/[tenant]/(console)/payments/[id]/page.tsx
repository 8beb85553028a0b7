import { notFound } from "next/navigation";
import { PaymentView } from "@/components/payments/payment-view";
import { can } from "@/server/core/auth/roles";
import { loadOrNotFound, requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function PaymentPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireConsoleUser();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  // Another tenant's payment is NOT_FOUND, exactly like a missing one.
  const payment = await loadOrNotFound((await serverApi()).payments.get({ id }));
  return (
    <PaymentView
      initial={payment}
      canQuery={can(me.role, "merchants.write")}
      canReadLedger={can(me.role, "ledger.read")}
      canRefund={can(me.role, "refunds.create")}
      canManageRefunds={can(me.role, "refunds.manage")}
      canResendWebhooks={can(me.role, "webhooks.manage")}
    />
  );
}
