import { DomainError } from "@/server/core/errors/domain-error";
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

interface Caps {
  amount: bigint | null;
  count: number | null;
}

/**
 * Adds one payment of `amount` to the scope's day, unless that would pass a cap: one statement,
 * whether the day's row exists yet or not (the row is locked either way). False when refused.
 */
async function take(tx: Tx, ctx: TenantContext, scope: LimitScope, scopeId: string, date: string, amount: bigint, caps: Caps): Promise<boolean> {
  const rows = await tx.$queryRaw<Array<{ ok: number }>>`
    INSERT INTO limit_usage AS u (tenant_id, scope, scope_id, business_date, amount_minor, count)
    SELECT ${ctx.tenantId}::uuid, ${scope}::"LimitScope", ${scopeId}::uuid, ${date}::date, ${amount}::int8, 1
     WHERE (${caps.amount}::bigint IS NULL OR ${amount}::int8 <= ${caps.amount}::bigint) AND (${caps.count}::int IS NULL OR 1 <= ${caps.count}::int)
    ON CONFLICT (tenant_id, scope, scope_id, business_date) DO UPDATE
      SET amount_minor = u.amount_minor + EXCLUDED.amount_minor, count = u.count + 1
      WHERE (${caps.amount}::bigint IS NULL OR u.amount_minor + EXCLUDED.amount_minor <= ${caps.amount}::bigint)
        AND (${caps.count}::int IS NULL OR u.count + 1 <= ${caps.count}::int)
    RETURNING 1 AS ok`;
  return rows.length === 1;
}

async function give(tx: Tx, ctx: TenantContext, scope: LimitScope, scopeId: string, date: string, amount: bigint): Promise<void> {
  await tx.$executeRaw`
    UPDATE limit_usage SET amount_minor = GREATEST(amount_minor - ${amount}, 0), count = GREATEST(count - 1, 0)
     WHERE tenant_id = ${ctx.tenantId}::uuid AND scope = ${scope}::"LimitScope" AND scope_id = ${scopeId}::uuid AND business_date = ${date}::date`;
}

/** Reserves the payment's share of both daily caps, or refuses naming the cap; nothing is kept on refusal. */
export async function reserveLimits(tx: Tx, ctx: TenantContext, r: LimitReservation): Promise<void> {
  if (r.amountMinor <= 0n) throw new DomainError("BAD_INPUT", "AMOUNT_INVALID", "The amount must be positive");
  // The account's caps and the merchant's limits (if it has any) in one statement.
  const [caps] = await tx.$queryRaw<Array<{ accountAmount: bigint | null; accountCount: number | null; hasLimit: boolean; dailyAmountCap: bigint | null; dailyCountCap: number | null; perTxnMaxMinor: bigint | null }>>`
    SELECT a.daily_amount_cap AS "accountAmount", a.daily_count_cap AS "accountCount", l.merchant_id IS NOT NULL AS "hasLimit",
           l.daily_amount_cap AS "dailyAmountCap", l.daily_count_cap AS "dailyCountCap", l.per_txn_max_minor AS "perTxnMaxMinor"
      FROM channel_account a LEFT JOIN merchant_limit l ON l.tenant_id = a.tenant_id AND l.merchant_id = ${r.merchantId}::uuid
     WHERE a.tenant_id = ${ctx.tenantId}::uuid AND a.id = ${r.channelAccountId}::uuid`;
  if (!caps) throw new DomainError("NOT_FOUND", "NOT_FOUND", "Channel account not found");
  const account = { dailyAmountCap: caps.accountAmount, dailyCountCap: caps.accountCount };
  const merchant = caps.hasLimit ? caps : null;
  if (merchant?.perTxnMaxMinor != null && r.amountMinor > merchant.perTxnMaxMinor) {
    throw new DomainError("PRECONDITION", "MERCHANT_LIMIT_EXCEEDED", "The amount is above the merchant's per-payment limit", {
      params: { limit: merchant.perTxnMaxMinor.toString() },
    });
  }
  if (!(await take(tx, ctx, "CHANNEL_ACCOUNT", r.channelAccountId, r.businessDate, r.amountMinor, { amount: account.dailyAmountCap, count: account.dailyCountCap }))) {
    throw new DomainError("PRECONDITION", "DAILY_LIMIT_EXCEEDED", "The channel account's daily limit would be exceeded", { params: { scope: "CHANNEL_ACCOUNT" } });
  }
  const merchantCaps = { amount: merchant?.dailyAmountCap ?? null, count: merchant?.dailyCountCap ?? null };
  if (!(await take(tx, ctx, "MERCHANT", r.merchantId, r.businessDate, r.amountMinor, merchantCaps))) {
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
