import { z } from "zod";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { monthRange } from "./cycle";

// The provider's monthly income statement (issue 8): per channel account, product, merchant, store
// or device, what its payments brought — merchant fees, channel cost, the provider's margin (fee −
// cost, net of refunds' claw-backs) — from the daily statistics, plus the platform's fee invoiced
// for the month. Σ of any grouping is the month's total, whatever the grouping.

export const INCOME_DIMENSIONS = ["channel", "product", "merchant", "store", "device"] as const;
export const ZIncomeStatement = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: "A month is YYYY-MM" }),
  by: z.enum(INCOME_DIMENSIONS).default("merchant"),
});
export type TIncomeStatement = z.input<typeof ZIncomeStatement>;

const COLUMN = { channel: "channel_account_id", product: "product", merchant: "merchant_id", store: "store_id", device: "device_id" } as const;

export async function incomeStatement(tx: Tx, ctx: TenantContext, raw: TIncomeStatement) {
  const input = ZIncomeStatement.parse(raw);
  const { from, to } = monthRange(input.month);
  const rows = await tx.$queryRawUnsafe<Array<{ key: string; count: bigint; successes: bigint; amount: bigint | null; refunds: bigint | null; fee: bigint | null; cost: bigint | null; margin: bigint | null }>>(
    `SELECT ${COLUMN[input.by]}::text AS key, sum(payment_count)::bigint AS count, sum(success_count)::bigint AS successes,
            sum(amount_minor)::bigint AS amount, sum(refund_minor)::bigint AS refunds, sum(fee_minor)::bigint AS fee,
            sum(cost_minor)::bigint AS cost, sum(margin_minor)::bigint AS margin
       FROM payment_daily_stat WHERE tenant_id = $1::uuid AND business_date BETWEEN $2::date AND $3::date
      GROUP BY 1 ORDER BY margin DESC NULLS LAST, 1`,
    ctx.tenantId,
    from,
    to,
  );
  const keys = rows.map((r) => r.key).filter((k) => /^[0-9a-f-]{36}$/i.test(k));
  let names = new Map<string, string>();
  if (input.by === "channel") names = new Map((await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId, id: { in: keys } }, select: { id: true, name: true } })).map((a) => [a.id, a.name]));
  if (input.by === "merchant") names = new Map((await tx.merchant.findMany({ where: { tenantId: ctx.tenantId, id: { in: keys } }, select: { id: true, shortName: true } })).map((a) => [a.id, a.shortName]));
  if (input.by === "store") names = new Map((await tx.store.findMany({ where: { tenantId: ctx.tenantId, id: { in: keys } }, select: { id: true, name: true } })).map((a) => [a.id, a.name]));
  const lines = rows.map((r) => ({
    key: r.key,
    name: names.get(r.key) ?? (r.key === "" ? null : r.key),
    count: Number(r.count),
    successes: Number(r.successes),
    volumeMinor: BigInt(r.amount ?? 0n),
    refundMinor: BigInt(r.refunds ?? 0n),
    feeMinor: BigInt(r.fee ?? 0n),
    costMinor: BigInt(r.cost ?? 0n),
    marginMinor: BigInt(r.margin ?? 0n),
  }));
  const total = lines.reduce(
    (t, l) => ({ count: t.count + l.count, volumeMinor: t.volumeMinor + l.volumeMinor, refundMinor: t.refundMinor + l.refundMinor, feeMinor: t.feeMinor + l.feeMinor, costMinor: t.costMinor + l.costMinor, marginMinor: t.marginMinor + l.marginMinor }),
    { count: 0, volumeMinor: 0n, refundMinor: 0n, feeMinor: 0n, costMinor: 0n, marginMinor: 0n },
  );
  const platformFee = await tx.journalEntry.findFirst({
    where: { tenantId: ctx.tenantId, kind: "income.platform_fee", idempotencyKey: `platform-fee:${input.month}` },
    select: { id: true, postings: { where: { amountMinor: { gt: 0 } }, select: { amountMinor: true } } },
  });
  const platformFeeMinor = platformFee ? platformFee.postings.reduce((s, p) => s + p.amountMinor, 0n) : null;
  return { month: input.month, from, to, by: input.by, lines, total, platformFeeMinor, netIncomeMinor: total.marginMinor - (platformFeeMinor ?? 0n) };
}
