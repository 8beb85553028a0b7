import { recordAudit } from "@/server/core/audit/service";
import { notFound } from "@/server/core/errors/domain-error";
import type { ChannelHealthState } from "@/server/db/generated/prisma/enums";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { ZChannelHealthSet } from "./schema";

// Channel health: calls counted per account and minute; an account whose error rate over its
// window reaches the threshold with at least the minimum sample is paused automatically. After the
// cool-down it is half-open: routing lets one probe through; a success resumes it, a failure
// pauses it again. A person can pause (no probe, no automatic resume) or resume. Every change is an
// event and an audit record.

export interface CallOutcome {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly at?: Date;
}

export interface HealthRow {
  healthState: ChannelHealthState;
  healthChangedAt: Date;
  healthManual: boolean;
  autoPause: boolean;
  healthWindowSeconds: number;
  healthMinSample: number;
  healthErrorRatePpm: number;
  healthCooldownSeconds: number;
}

/** The state routing should use now: an automatic pause past its cool-down is half-open. */
export function effectiveHealth(row: Pick<HealthRow, "healthState" | "healthChangedAt" | "healthManual" | "healthCooldownSeconds">, now: Date): ChannelHealthState {
  if (row.healthState === "PAUSED" && !row.healthManual && now.getTime() - row.healthChangedAt.getTime() >= row.healthCooldownSeconds * 1000) return "HALF_OPEN";
  return row.healthState;
}

async function windowTotals(tx: Tx, ctx: TenantContext, accountId: string, seconds: number, now: Date) {
  const since = new Date(Math.floor((now.getTime() - seconds * 1000) / 60_000) * 60_000);
  const agg = await tx.channelCallStat.aggregate({
    where: { tenantId: ctx.tenantId, channelAccountId: accountId, minute: { gte: since } },
    _sum: { calls: true, failures: true, latencySumMs: true },
    _max: { latencyMaxMs: true },
  });
  const calls = agg._sum.calls ?? 0;
  const failures = agg._sum.failures ?? 0;
  return {
    calls,
    failures,
    successRate: calls === 0 ? null : (calls - failures) / calls,
    avgLatencyMs: calls === 0 ? null : Number(agg._sum.latencySumMs ?? 0n) / calls,
    maxLatencyMs: agg._max.latencyMaxMs ?? null,
  };
}

async function transition(tx: Tx, ctx: TenantContext, accountId: string, from: ChannelHealthState, to: ChannelHealthState, reason: string, metrics: object, manual: boolean) {
  const now = new Date();
  await tx.channelAccount.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: accountId } },
    data: { healthState: to, healthChangedAt: now, healthReason: reason, healthManual: manual && to === "PAUSED" },
  });
  await tx.channelHealthEvent.create({
    data: {
      tenantId: ctx.tenantId,
      channelAccountId: accountId,
      fromState: from,
      toState: to,
      reason,
      metrics,
      automatic: !manual,
      actorId: ctx.actor.kind === "USER" ? ctx.actor.userId : null,
      createdAt: now,
    },
  });
  await recordAudit(tx, ctx, {
    action: to === "PAUSED" ? "channel_account.pause" : "channel_account.resume",
    entityType: "channel_account",
    entityId: accountId,
    before: { healthState: from },
    after: { healthState: to, reason, automatic: !manual, metrics },
  });
}

/** Counts one channel call and applies the pause / probe rules. Returns the state after it. */
export async function recordChannelCall(tx: Tx, ctx: TenantContext, accountId: string, outcome: CallOutcome): Promise<ChannelHealthState> {
  const at = outcome.at ?? new Date();
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  const latency = Math.max(0, Math.round(outcome.latencyMs));
  const failed = outcome.ok ? 0 : 1;
  // The count and the account's health settings in one statement (every payment makes this call).
  const [row] = await tx.$queryRaw<HealthRow[]>`
    WITH counted AS (
      INSERT INTO channel_call_stat (tenant_id, channel_account_id, minute, calls, failures, latency_sum_ms, latency_max_ms)
      VALUES (${ctx.tenantId}::uuid, ${accountId}::uuid, ${minute}::timestamptz, 1, ${failed}::int, ${latency}::int8, ${latency}::int)
      ON CONFLICT (tenant_id, channel_account_id, minute) DO UPDATE
        SET calls = channel_call_stat.calls + 1, failures = channel_call_stat.failures + ${failed}::int,
            latency_sum_ms = channel_call_stat.latency_sum_ms + ${latency}::int8,
            latency_max_ms = GREATEST(channel_call_stat.latency_max_ms, ${latency}::int)
    )
    SELECT health_state::text AS "healthState", health_changed_at AS "healthChangedAt", health_manual AS "healthManual", auto_pause AS "autoPause",
           health_window_seconds AS "healthWindowSeconds", health_min_sample AS "healthMinSample", health_error_rate_ppm AS "healthErrorRatePpm",
           health_cooldown_seconds AS "healthCooldownSeconds"
      FROM channel_account WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${accountId}::uuid`;
  if (!row) throw notFound("Channel account");
  const state = effectiveHealth(row, at);
  if (state === "HALF_OPEN") {
    // The probe decides.
    if (outcome.ok) {
      await transition(tx, ctx, accountId, row.healthState, "HEALTHY", "probe succeeded", { latencyMs: latency }, false);
      return "HEALTHY";
    }
    await transition(tx, ctx, accountId, row.healthState, "PAUSED", "probe failed", { latencyMs: latency }, false);
    return "PAUSED";
  }
  if (state === "HEALTHY" && row.autoPause && !outcome.ok) {
    const totals = await windowTotals(tx, ctx, accountId, row.healthWindowSeconds, at);
    const ratePpm = totals.calls === 0 ? 0 : Math.floor((totals.failures * 1_000_000) / totals.calls);
    if (totals.calls >= row.healthMinSample && ratePpm >= row.healthErrorRatePpm) {
      await transition(
        tx,
        ctx,
        accountId,
        "HEALTHY",
        "PAUSED",
        `error rate ${(ratePpm / 10_000).toFixed(1)}% over ${totals.calls} calls in ${row.healthWindowSeconds}s`,
        { calls: totals.calls, failures: totals.failures, errorRatePpm: ratePpm, windowSeconds: row.healthWindowSeconds },
        false,
      );
      return "PAUSED";
    }
  }
  return state;
}

/** A person pauses or resumes an account. */
export async function setChannelHealth(tx: Tx, ctx: TenantContext, raw: { id: string; state: "HEALTHY" | "PAUSED"; reason: string }) {
  const input = ZChannelHealthSet.parse(raw);
  const row = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: input.id }, select: { healthState: true, healthManual: true } });
  if (!row) throw notFound("Channel account");
  // A person's pause also takes over an automatic one (no probe, no automatic resume).
  const already = input.state === "PAUSED" ? row.healthState === "PAUSED" && row.healthManual : row.healthState === "HEALTHY";
  if (!already) await transition(tx, ctx, input.id, row.healthState, input.state, input.reason, {}, true);
  return { id: input.id, healthState: input.state };
}

/** Success rate and latency over recent windows, the per-minute series of the last hour and the latest events. */
export async function channelHealthReport(tx: Tx, ctx: TenantContext, accountId: string, now = new Date()) {
  const row = await tx.channelAccount.findFirst({
    where: { tenantId: ctx.tenantId, id: accountId },
    select: { healthState: true, healthChangedAt: true, healthManual: true, healthCooldownSeconds: true, healthReason: true },
  });
  if (!row) throw notFound("Channel account");
  // One connection per transaction: queries run one after another, never in parallel.
  const m5 = await windowTotals(tx, ctx, accountId, 300, now);
  const h1 = await windowTotals(tx, ctx, accountId, 3600, now);
  const d1 = await windowTotals(tx, ctx, accountId, 86_400, now);
  const series = await tx.channelCallStat.findMany({
    where: { tenantId: ctx.tenantId, channelAccountId: accountId, minute: { gte: new Date(now.getTime() - 3600_000) } },
    orderBy: { minute: "asc" },
    select: { minute: true, calls: true, failures: true, latencySumMs: true, latencyMaxMs: true },
  });
  const events = await tx.channelHealthEvent.findMany({
    where: { tenantId: ctx.tenantId, channelAccountId: accountId },
    orderBy: { createdAt: "desc" },
    take: 20,
    select: { id: true, fromState: true, toState: true, reason: true, metrics: true, automatic: true, actorId: true, createdAt: true },
  });
  return {
    state: effectiveHealth(row, now),
    storedState: row.healthState,
    changedAt: row.healthChangedAt,
    reason: row.healthReason,
    manual: row.healthManual,
    windows: { m5, h1, d1 },
    series: series.map((s) => ({ minute: s.minute, calls: s.calls, failures: s.failures, avgLatencyMs: s.calls ? Number(s.latencySumMs) / s.calls : 0, maxLatencyMs: s.latencyMaxMs })),
    events,
  };
}

/** The 1-hour window for every account at once (for the channel list and routing's success-rate strategy). */
export async function recentStats(tx: Tx, ctx: TenantContext, seconds = 3600, now = new Date()) {
  const since = new Date(now.getTime() - seconds * 1000);
  // Raw: routing reads this for every payment.
  const rows = await tx.$queryRaw<Array<{ channelAccountId: string; calls: bigint; failures: bigint; latencySumMs: bigint }>>`
    SELECT channel_account_id AS "channelAccountId", sum(calls)::int8 AS calls, sum(failures)::int8 AS failures, sum(latency_sum_ms)::int8 AS "latencySumMs"
      FROM channel_call_stat WHERE tenant_id = ${ctx.tenantId}::uuid AND minute >= ${since}::timestamptz
     GROUP BY channel_account_id`;
  return new Map(
    rows.map((r) => {
      const calls = Number(r.calls);
      const failures = Number(r.failures);
      return [r.channelAccountId, { calls, failures, successRate: calls ? (calls - failures) / calls : null, avgLatencyMs: calls ? Number(r.latencySumMs) / calls : null }];
    }),
  );
}
