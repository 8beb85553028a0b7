import { DomainError } from "@/server/core/errors/domain-error";
import { Prisma } from "@/server/db/generated/prisma/client";
import type { LimitScope } from "@/server/db/generated/prisma/enums";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

// Daily limits per channel account and per merchant. Today's totals count PROCESSING and
// SUCCEEDED payments: a payment reserves its share in the same UPDATE that checks the cap (the
// row lock serialises concurrent payments, and PostgreSQL re-checks the condition against the
// latest row, so N parallel payments admit exactly what fits); a failed or closed payment releases
// it. The day is the business date. Scopes are always taken in one order (channel account, then
// merchant) so two payments never wait on each other crosswise.

export interface LimitReservation {
  readonly businessDate: string; // YYYY-MM-DD
  readonly channelAccountId: string;
  readonly merchantId: string;
  readonly amountMinor: bigint;
}

async function give(tx: Tx, ctx: TenantContext, scope: LimitScope, scopeId: string, date: string, amount: bigint): Promise<void> {
  await tx.$executeRaw`
    UPDATE limit_usage SET amount_minor = GREATEST(amount_minor - ${amount}, 0), count = GREATEST(count - 1, 0)
     WHERE tenant_id = ${ctx.tenantId}::uuid AND scope = ${scope}::"LimitScope" AND scope_id = ${scopeId}::uuid AND business_date = ${date}::date`;
}

/**
 * Reserves the payment's share of both daily caps, or refuses naming the cap; nothing is kept on
 * refusal. One statement: the account's caps and the merchant's limits, then the account's day and
 * after it (only if that was taken) the merchant's — each added unless that would pass a cap,
 * whether the day's row exists yet or not (the row is locked either way).
 */
export async function reserveLimits(tx: Tx, ctx: TenantContext, r: LimitReservation): Promise<void> {
  if (r.amountMinor <= 0n) throw new DomainError("BAD_INPUT", "AMOUNT_INVALID", "The amount must be positive");
  const amount = Prisma.sql`${r.amountMinor}::int8`;
  // One scope's day, added unless a cap of `caps` (its columns `capAmount`, `capCount`) would be passed, and only where `first` holds.
  const day = (scope: LimitScope, scopeId: string, capAmount: string, capCount: string, first: Prisma.Sql) => {
    const [capA, capN] = [Prisma.raw(`(SELECT ${capAmount} FROM caps)`), Prisma.raw(`(SELECT ${capCount} FROM caps)`)];
    return Prisma.sql`
    INSERT INTO limit_usage AS u (tenant_id, scope, scope_id, business_date, amount_minor, count)
    SELECT ${ctx.tenantId}::uuid, ${scope}::"LimitScope", ${scopeId}::uuid, ${r.businessDate}::date, ${amount}, 1 FROM caps
     WHERE ${first} AND (${capA} IS NULL OR ${amount} <= ${capA}) AND (${capN} IS NULL OR 1 <= ${capN})
    ON CONFLICT (tenant_id, scope, scope_id, business_date) DO UPDATE
      SET amount_minor = u.amount_minor + EXCLUDED.amount_minor, count = u.count + 1
      WHERE (${capA} IS NULL OR u.amount_minor + EXCLUDED.amount_minor <= ${capA}) AND (${capN} IS NULL OR u.count + 1 <= ${capN})
    RETURNING 1`;
  };
  const [got] = await tx.$queryRaw<Array<{ accountFound: boolean; perTxnMaxMinor: bigint | null; accountTaken: boolean; merchantTaken: boolean }>>`
    WITH caps AS (
      SELECT a.daily_amount_cap AS account_amount, a.daily_count_cap AS account_count, l.daily_amount_cap AS merchant_amount, l.daily_count_cap AS merchant_count,
             l.per_txn_max_minor AS per_txn_max
        FROM channel_account a LEFT JOIN merchant_limit l ON l.tenant_id = a.tenant_id AND l.merchant_id = ${r.merchantId}::uuid
       WHERE a.tenant_id = ${ctx.tenantId}::uuid AND a.id = ${r.channelAccountId}::uuid
    ), account AS (${day("CHANNEL_ACCOUNT", r.channelAccountId, "account_amount", "account_count", Prisma.sql`(caps.per_txn_max IS NULL OR ${amount} <= caps.per_txn_max)`)}
    ), merchant AS (${day("MERCHANT", r.merchantId, "merchant_amount", "merchant_count", Prisma.sql`EXISTS (SELECT 1 FROM account)`)})
    SELECT EXISTS (SELECT 1 FROM caps) AS "accountFound", (SELECT per_txn_max FROM caps) AS "perTxnMaxMinor",
           EXISTS (SELECT 1 FROM account) AS "accountTaken", EXISTS (SELECT 1 FROM merchant) AS "merchantTaken"`;
  if (!got?.accountFound) throw new DomainError("NOT_FOUND", "NOT_FOUND", "Channel account not found");
  if (got.perTxnMaxMinor !== null && r.amountMinor > got.perTxnMaxMinor) {
    throw new DomainError("PRECONDITION", "MERCHANT_LIMIT_EXCEEDED", "The amount is above the merchant's per-payment limit", { params: { limit: got.perTxnMaxMinor.toString() } });
  }
  if (!got.accountTaken) throw new DomainError("PRECONDITION", "DAILY_LIMIT_EXCEEDED", "The channel account's daily limit would be exceeded", { params: { scope: "CHANNEL_ACCOUNT" } });
  if (!got.merchantTaken) {
    await give(tx, ctx, "CHANNEL_ACCOUNT", r.channelAccountId, r.businessDate, r.amountMinor);
    throw new DomainError("PRECONDITION", "MERCHANT_LIMIT_EXCEEDED", "The merchant's daily limit would be exceeded", { params: { scope: "MERCHANT" } });
  }
}

/** Gives back a failed or closed payment's share. */
export async function releaseLimits(tx: Tx, ctx: TenantContext, r: LimitReservation): Promise<void> {
  await give(tx, ctx, "CHANNEL_ACCOUNT", r.channelAccountId, r.businessDate, r.amountMinor);
  await give(tx, ctx, "MERCHANT", r.merchantId, r.businessDate, r.amountMinor);
}

/** Today's totals for every scope, for routing eligibility and the console. */
export async function usageOn(tx: Tx, ctx: TenantContext, businessDate: string) {
  // Raw: routing reads this for every payment.
  const rows = await tx.$queryRaw<Array<{ scope: LimitScope; scopeId: string; amountMinor: bigint; count: number }>>`
    SELECT scope::text, scope_id AS "scopeId", amount_minor AS "amountMinor", count
      FROM limit_usage WHERE tenant_id = ${ctx.tenantId}::uuid AND business_date = ${businessDate}::date`;
  const byScope = (scope: LimitScope) => new Map(rows.filter((r) => r.scope === scope).map((r) => [r.scopeId, { amountMinor: r.amountMinor, count: r.count }]));
  return { channelAccounts: byScope("CHANNEL_ACCOUNT"), merchants: byScope("MERCHANT") };
}
