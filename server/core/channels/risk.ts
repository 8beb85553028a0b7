import { Prisma } from "@/server/db/generated/prisma/client";
import { localMinuteOfDay } from "@/server/core/routing/time-window";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

// Basic risk rules, per merchant (merchant_limit): velocity per device and per payer (payments
// asked for within the last minute) refuse the payment; a large amount at night (00:00–06:00 in the
// tenant's time zone) lets it through with an alert. Counts come from the stored routing decisions,
// which every payment makes before it reaches a channel.

export const NIGHT_START_MINUTE = 0;
export const NIGHT_END_MINUTE = 6 * 60;

export interface RiskInput {
  readonly merchantId: string;
  readonly deviceId?: string;
  readonly payerId?: string;
  readonly amountMinor: bigint;
  readonly at: Date;
  readonly timeZone: string;
}

export interface RiskRefusal {
  readonly code: "RISK_DEVICE_VELOCITY" | "RISK_PAYER_VELOCITY";
  readonly message: string;
  readonly params: Record<string, string | number>;
}

export interface RiskVerdict {
  readonly refusal?: RiskRefusal;
  /** Every rule that fired: refusals and alerts. */
  readonly flags: readonly string[];
}

/** A merchant's risk limits (its merchant_limit row; null when it has none). */
export interface MerchantRiskLimits {
  readonly devicePerMinuteMax: number | null;
  readonly payerPerMinuteMax: number | null;
  readonly nightLargeAmountMinor: bigint | null;
}

/** MerchantRiskLimits' columns of `merchant_limit l`, for statements that read them beside something else. */
export const RISK_LIMIT_COLUMNS = Prisma.raw(
  `l.device_per_minute_max AS "devicePerMinuteMax", l.payer_per_minute_max AS "payerPerMinuteMax", l.night_large_amount_minor AS "nightLargeAmountMinor"`,
);

/** `limits`: the merchant's limits where the caller has read them already (null: it has none); else they are read here. */
export async function assessRisk(tx: Tx, ctx: TenantContext, input: RiskInput, limits?: MerchantRiskLimits | null): Promise<RiskVerdict> {
  // Raw SQL: every payment asks, in a raw-only transaction (withTenantTx rawOnly).
  const limit =
    limits !== undefined
      ? limits
      : ((await tx.$queryRaw<MerchantRiskLimits[]>`SELECT ${RISK_LIMIT_COLUMNS} FROM merchant_limit l WHERE l.tenant_id = ${ctx.tenantId}::uuid AND l.merchant_id = ${input.merchantId}::uuid`)[0] ?? null);
  if (!limit) return { flags: [] };
  const flags: string[] = [];
  let refusal: RiskRefusal | undefined;
  const since = new Date(input.at.getTime() - 60_000);
  if (input.deviceId && limit.devicePerMinuteMax !== null) {
    const [{ n: recent }] = (await tx.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM routing_decision
       WHERE tenant_id = ${ctx.tenantId}::uuid AND device_id = ${input.deviceId} AND created_at > ${since}::timestamptz AND created_at <= ${input.at}::timestamptz`) as [{ n: number }];
    if (recent >= limit.devicePerMinuteMax) {
      flags.push("RISK_DEVICE_VELOCITY");
      refusal = { code: "RISK_DEVICE_VELOCITY", message: `This device asked for ${recent} payments in the last minute (limit ${limit.devicePerMinuteMax})`, params: { count: recent, limit: limit.devicePerMinuteMax } };
    }
  }
  if (!refusal && input.payerId && limit.payerPerMinuteMax !== null) {
    const [{ n: recent }] = (await tx.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM routing_decision
       WHERE tenant_id = ${ctx.tenantId}::uuid AND payer_id = ${input.payerId} AND created_at > ${since}::timestamptz AND created_at <= ${input.at}::timestamptz`) as [{ n: number }];
    if (recent >= limit.payerPerMinuteMax) {
      flags.push("RISK_PAYER_VELOCITY");
      refusal = { code: "RISK_PAYER_VELOCITY", message: `This payer asked for ${recent} payments in the last minute (limit ${limit.payerPerMinuteMax})`, params: { count: recent, limit: limit.payerPerMinuteMax } };
    }
  }
  if (limit.nightLargeAmountMinor !== null && input.amountMinor >= limit.nightLargeAmountMinor) {
    const minute = localMinuteOfDay(input.at, input.timeZone);
    if (minute >= NIGHT_START_MINUTE && minute < NIGHT_END_MINUTE) flags.push("RISK_NIGHT_LARGE_AMOUNT");
  }
  return { ...(refusal ? { refusal } : {}), flags };
}
