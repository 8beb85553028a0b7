import type { TenantContext } from "@/server/db/tenant-tx";
import { withTenantTx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { createRefund } from "./refunds";
import { createPayment, type PaymentView } from "./service";

// A few real payments for the demo, through whatever routing picks today (the simulators when
// they run, else the sandbox): payment codes, with one declined by the payer's bank.
const CODES = [
  { product: "WECHAT_CODE", authCode: "134567890123456789" },
  { product: "ALIPAY_CODE", authCode: "284567890123456789" },
] as const;

export async function seedDemoPayments(ctx: TenantContext, count = 8): Promise<number> {
  const merchants = await withTenantTx(ctx.tenantId, (tx) =>
    tx.merchant.findMany({ where: { tenantId: ctx.tenantId, status: "ACTIVE" }, orderBy: { createdAt: "asc" }, select: { id: true, stores: { select: { id: true }, take: 1 } } }),
  );
  let made = 0;
  const paid: PaymentView[] = [];
  for (let i = 0; i < count && merchants.length > 0; i++) {
    const m = merchants[i % merchants.length]!;
    const code = CODES[i % CODES.length]!;
    // Amounts ending in 01 fen are declined by the sandbox; the simulators decline on "sim:decline".
    const declined = i === count - 1;
    try {
      const p = await createPayment(ctx, {
        merchantId: m.id,
        merchantOrderNo: `DEMO-${Date.now().toString(36).toUpperCase()}-${i}`,
        amountMinor: declined ? 10_801n : BigInt(1200 + i * 1375),
        product: code.product,
        elements: { authCode: code.authCode },
        ...(m.stores[0] ? { storeId: m.stores[0].id } : {}),
        subject: declined ? "Demo order sim:decline" : "Demo order",
      });
      made += 1;
      if (p.status === "SUCCEEDED") paid.push(p);
    } catch (error) {
      logger.warn({ tenantId: ctx.tenantId, err: (error as Error).message }, "demo payment not made");
    }
  }
  // Refunds to look at: a partial one and a full one (the last refund returns the rest of the fee).
  for (const [i, p] of paid.slice(0, 2).entries()) {
    try {
      await createRefund(ctx, { paymentId: p.id, merchantRefundNo: `DEMO-RF-${p.merchantOrderNo}`, amountMinor: i === 0 ? p.amountMinor / 2n : p.amountMinor, reason: i === 0 ? "One item returned" : "Order cancelled", origin: "CONSOLE" });
    } catch (error) {
      logger.warn({ tenantId: ctx.tenantId, err: (error as Error).message }, "demo refund not made");
    }
  }
  return made;
}
