import { z } from "zod";
import { notFound } from "@/server/core/errors/domain-error";
import { mulDivHalfUp } from "@/server/core/ledger/money";
import { postEntry } from "@/server/core/ledger/service";
import { platformFee } from "@/server/core/ledger/templates";
import { businessDate } from "@/server/core/calendar/rules";
import { daysBefore, monthRange } from "@/server/core/settlement/cycle";
import { withPlatformReadTx, withPlatformTx } from "@/server/db/platform";
import { authorizedTenantId, withTenantTx } from "@/server/db/tenant-tx";

// The platform operator's view (issue 8): per tenant, volume, refunds, the provider's margin, the
// platform fee and health, from aggregates only (the daily statistics, exception and webhook
// counts), never from scans of payments. The platform fee is a monthly invoice to the tenant —
// basis points of its successful volume net of refunds — posted in the tenant's own books as the
// ledger's platform-fee template; it never touches merchants' money.

export const ZPlatformFeeSet = z.object({
  tenantId: z.string().uuid(),
  bps: z.number().int().min(0, { message: "The fee cannot be negative" }).max(10_000, { message: "The fee is at most 10 000 bps (100%)" }),
  reason: z.string().trim().min(3, { message: "Say why the fee changes (at least 3 characters)" }).max(500),
});
export type TPlatformFeeSet = z.input<typeof ZPlatformFeeSet>;

const ZMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: "A month is YYYY-MM" });

/** Σ fee = round-half-up(bps × (volume − refunds) / 10 000), never negative. */
export function platformFeeFor(volumeMinor: bigint, refundMinor: bigint, bps: number): bigint {
  const base = volumeMinor - refundMinor;
  return base > 0n ? mulDivHalfUp(base, BigInt(bps), 10_000n) : 0n;
}

/**
 * The last `days` business dates of each tenant, counted in the tenant's own zone: its daily
 * statistics are dated there, so a UTC window would miss a Shanghai tenant's today from 16:00 UTC.
 */
export async function platformOverview(input: { days?: number } = {}, now = new Date()) {
  const days = Math.min(Math.max(input.days ?? 30, 1), 366);
  return withPlatformReadTx(async (tx) => {
    const tenants = await tx.tenant.findMany({ select: { id: true, slug: true, name: true, status: true, settlementMode: true, platformFeeBps: true, timeZone: true }, orderBy: { createdAt: "asc" } });
    const windows = tenants.map((t) => {
      const to = businessDate(now, t.timeZone);
      return { id: t.id, from: daysBefore(to, days - 1), to };
    });
    const stats = windows.length === 0 ? [] : await tx.$queryRaw<Array<{ tenant_id: string; count: bigint; successes: bigint; amount: bigint | null; refunds: bigint | null; margin: bigint | null }>>`
      SELECT s.tenant_id, sum(s.payment_count)::bigint AS count, sum(s.success_count)::bigint AS successes, sum(s.amount_minor)::bigint AS amount,
             sum(s.refund_minor)::bigint AS refunds, sum(s.margin_minor)::bigint AS margin
        FROM payment_daily_stat s
        JOIN unnest(${windows.map((w) => w.id)}::uuid[], ${windows.map((w) => w.from)}::date[], ${windows.map((w) => w.to)}::date[]) AS w(tenant_id, first_date, last_date)
          ON w.tenant_id = s.tenant_id AND s.business_date BETWEEN w.first_date AND w.last_date
       GROUP BY s.tenant_id`;
    const exceptions = await tx.exception.groupBy({ by: ["tenantId"], where: { status: { in: ["OPEN", "INVESTIGATING", "RESOLUTION_PROPOSED"] } }, _count: { _all: true } });
    const webhooks = await tx.webhookEvent.groupBy({ by: ["tenantId"], where: { status: "FAILED", createdAt: { gte: new Date(now.getTime() - 7 * 86_400_000) } }, _count: { _all: true } });
    const byTenant = new Map(stats.map((s) => [s.tenant_id, s]));
    const exc = new Map(exceptions.map((e) => [e.tenantId, e._count._all]));
    const wh = new Map(webhooks.map((w) => [w.tenantId, w._count._all]));
    const rows = tenants.map((t, i) => {
      const s = byTenant.get(t.id);
      const count = Number(s?.count ?? 0);
      const successes = Number(s?.successes ?? 0);
      const volume = BigInt(s?.amount ?? 0n);
      const refunds = BigInt(s?.refunds ?? 0n);
      return {
        ...t,
        from: windows[i]!.from,
        to: windows[i]!.to,
        count,
        successRate: count ? successes / count : null,
        volumeMinor: volume,
        refundMinor: refunds,
        marginMinor: BigInt(s?.margin ?? 0n),
        platformFeeMinor: platformFeeFor(volume, refunds, t.platformFeeBps),
        openExceptions: exc.get(t.id) ?? 0,
        failedWebhooks: wh.get(t.id) ?? 0,
      };
    });
    return { days, tenants: rows };
  });
}

export async function setPlatformFee(actor: { adminId: string; requestId?: string }, raw: TPlatformFeeSet) {
  const input = ZPlatformFeeSet.parse(raw);
  return withPlatformTx(
    { actorId: actor.adminId, action: "tenant.platform_fee", targetTenantId: input.tenantId, reason: input.reason, requestId: actor.requestId ?? null },
    async (tx) => {
      const before = await tx.tenant.findUnique({ where: { id: input.tenantId }, select: { platformFeeBps: true } });
      if (!before) throw notFound("Service provider");
      const after = await tx.tenant.update({ where: { id: input.tenantId }, data: { platformFeeBps: input.bps }, select: { id: true, platformFeeBps: true } });
      return { before: before.platformFeeBps, after };
    },
    (r) => ({ before: { platformFeeBps: r.before }, after: { platformFeeBps: r.after.platformFeeBps } }),
  ).then((r) => r.after);
}

/**
 * The platform fee invoices of a month (YYYY-MM), one per tenant with a fee: posted in each
 * tenant's own books on the first day of the next month. Idempotent per tenant and month.
 */
export async function invoicePlatformFees(month: string) {
  ZMonth.parse(month);
  const { from, to, next } = monthRange(month);
  const rows = await withPlatformReadTx((tx) =>
    tx.$queryRaw<Array<{ id: string; bps: number; amount: bigint | null; refunds: bigint | null }>>`
      SELECT t.id, t.platform_fee_bps AS bps, sum(s.amount_minor)::bigint AS amount, sum(s.refund_minor)::bigint AS refunds
        FROM tenant t LEFT JOIN payment_daily_stat s ON s.tenant_id = t.id AND s.business_date BETWEEN ${from}::date AND ${to}::date
       WHERE t.platform_fee_bps > 0 GROUP BY t.id, t.platform_fee_bps`,
  );
  const invoices: Array<{ tenantId: string; feeMinor: bigint; entryId: string | null; replayed: boolean }> = [];
  for (const r of rows) {
    const fee = platformFeeFor(BigInt(r.amount ?? 0n), BigInt(r.refunds ?? 0n), r.bps);
    if (fee === 0n) {
      invoices.push({ tenantId: r.id, feeMinor: 0n, entryId: null, replayed: false });
      continue;
    }
    const tenantId = authorizedTenantId(r.id);
    const posted = await withTenantTx(tenantId, (tx) =>
      postEntry(tx, { tenantId, actor: { kind: "SYSTEM", name: "platform-fee" } }, platformFee(fee), {
        businessDate: next,
        idempotencyKey: `platform-fee:${month}`,
        causeType: "platform_fee",
        description: `Platform fee ${month}: ${r.bps} bps of net volume`,
      }),
    );
    invoices.push({ tenantId: r.id, feeMinor: fee, entryId: posted.entryId, replayed: posted.replayed });
  }
  return { month, invoices };
}
