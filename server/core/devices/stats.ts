import { businessDate } from "@/server/core/calendar/rules";
import { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { lockIncentiveThreshold } from "./incentive";
import { deviceNotFound, getFleetSettings } from "./service";
import { ZDeviceDaily, ZFleetRanking, ZIdle } from "./schema";

// The daily statistics table (payment_daily_stat). Triggers on payment and refund (migration
// 20261128600000_devices) publish a 'stats.recompute' outbox event naming the (business date,
// merchant, store, device, channel account, product) group(s) a change touches, in the changing
// transaction. The outbox's batch handler recomputes each group once per batch, from payments and
// refunds, with one INSERT … SELECT … ON CONFLICT DO UPDATE: the row is a pure function of what is
// committed, so a redelivered or reordered event changes nothing.

export const STATS_TOPIC = "stats.recompute";

/** [businessDate, merchantId, storeId|'', deviceId|'', channelAccountId, product] */
export type StatGroup = readonly [string, string, string, string, string, string];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The groups named by an event's payload (anything malformed is dropped: it cannot name a real group). */
export function groupsOf(payload: unknown): StatGroup[] {
  const groups = (payload as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups)) return [];
  const out: StatGroup[] = [];
  for (const g of groups) {
    if (!Array.isArray(g) || g.length !== 6 || !g.every((x) => typeof x === "string")) continue;
    const [d, m, s, dv, a, p] = g as string[];
    if (!DATE.test(d!) || !UUID.test(m!) || !UUID.test(a!) || (s !== "" && !UUID.test(s!))) continue;
    out.push([d!, m!, s!, dv!, a!, p!]);
  }
  return out;
}

/**
 * Recomputes the groups' rows. The tenant's incentive threshold is read under its shared lock
 * (incentive.ts), so a threshold change either waits for this transaction or is seen by it. Each
 * group is locked (transaction advisory lock, in sorted order so two drainers never deadlock)
 * before its statement runs, and READ COMMITTED gives that statement a snapshot taken after the
 * lock: a recompute never overwrites a newer one with older data.
 */
export async function recomputeGroups(tx: Tx, ctx: TenantContext, groups: readonly StatGroup[]): Promise<number> {
  const unique = [...new Map(groups.map((g) => [g.join("|"), g])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  if (unique.length === 0) return 0;
  await lockIncentiveThreshold(tx, ctx, "shared");
  const { incentiveMinAmountMinor } = await getFleetSettings(tx, ctx);
  for (const [d, m, s, dv, a, p] of unique) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`stats|${ctx.tenantId}|${d}|${m}|${s}|${dv}|${a}|${p}`}, 0))`;
    await tx.$executeRaw`
      INSERT INTO payment_daily_stat AS t (tenant_id, business_date, merchant_id, store_id, device_id, channel_account_id, product,
             payment_count, success_count, amount_minor, valid_count, payer_count, refund_count, refund_minor, fee_minor, cost_minor, margin_minor, updated_at)
      SELECT ${ctx.tenantId}::uuid, ${d}::date, ${m}::uuid, ${s}, ${dv}, ${a}::uuid, ${p}::"ProductCode",
             pay.n, pay.ok, pay.amount, pay.valid, pay.payers, ref.n, ref.amount, pay.fee - ref.fee, pay.cost - ref.cost, pay.margin - ref.margin, now()
        FROM (SELECT count(*)::int AS n,
                     (count(*) FILTER (WHERE status = 'SUCCEEDED'))::int AS ok,
                     COALESCE(sum(amount_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::bigint AS amount,
                     (count(*) FILTER (WHERE status = 'SUCCEEDED' AND amount_minor >= ${incentiveMinAmountMinor}))::int AS valid,
                     (count(DISTINCT payer_id) FILTER (WHERE status = 'SUCCEEDED' AND amount_minor >= ${incentiveMinAmountMinor}))::int AS payers,
                     COALESCE(sum(fee_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::bigint AS fee,
                     COALESCE(sum(cost_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::bigint AS cost,
                     COALESCE(sum(margin_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::bigint AS margin
                FROM payment
               WHERE tenant_id = ${ctx.tenantId}::uuid AND business_date = ${d}::date AND merchant_id = ${m}::uuid
                 AND COALESCE(store_id::text, '') = ${s} AND COALESCE(device_id, '') = ${dv}
                 AND channel_account_id = ${a}::uuid AND product = ${p}::"ProductCode") pay,
             (SELECT count(*)::int AS n,
                     COALESCE(sum(r.amount_minor), 0)::bigint AS amount,
                     COALESCE(sum(r.fee_returned_minor), 0)::bigint AS fee,
                     COALESCE(sum(r.cost_returned_minor), 0)::bigint AS cost,
                     COALESCE(sum(r.margin_clawback_minor), 0)::bigint AS margin
                FROM refund r JOIN payment p ON p.tenant_id = r.tenant_id AND p.id = r.payment_id
               WHERE r.tenant_id = ${ctx.tenantId}::uuid AND r.business_date = ${d}::date AND r.status = 'SUCCEEDED'
                 AND p.merchant_id = ${m}::uuid AND COALESCE(p.store_id::text, '') = ${s} AND COALESCE(p.device_id, '') = ${dv}
                 AND p.channel_account_id = ${a}::uuid AND p.product = ${p}::"ProductCode") ref
      ON CONFLICT (tenant_id, business_date, merchant_id, store_id, device_id, channel_account_id, product) DO UPDATE SET
             payment_count = EXCLUDED.payment_count, success_count = EXCLUDED.success_count, amount_minor = EXCLUDED.amount_minor,
             valid_count = EXCLUDED.valid_count, payer_count = EXCLUDED.payer_count, refund_count = EXCLUDED.refund_count, refund_minor = EXCLUDED.refund_minor,
             fee_minor = EXCLUDED.fee_minor, cost_minor = EXCLUDED.cost_minor, margin_minor = EXCLUDED.margin_minor, updated_at = now()`;
  }
  return unique.length;
}

// ---------------------------------------------------------------------------------------------
// Reading (the device page, fleet ranking, idle devices)

/** [from, to] as given, else the last `days` business days up to today in the tenant's time zone. */
async function period(tx: Tx, ctx: TenantContext, input: { from?: string | undefined; to?: string | undefined; days: number }): Promise<{ from: string; to: string }> {
  if (input.from && input.to) return { from: input.from, to: input.to };
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { timeZone: true } });
  const to = input.to ?? businessDate(new Date(), tenant?.timeZone ?? "Asia/Shanghai");
  const from = input.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (input.days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

export interface DailyPoint {
  date: string;
  paymentCount: number;
  successCount: number;
  amountMinor: bigint;
  validCount: number;
  /** Distinct payers among the valid payments. */
  payerCount: number;
  refundCount: number;
  refundMinor: bigint;
  marginMinor: bigint;
}

/**
 * A device's days in [from, to], every day present (zeros where nothing happened). A day's
 * figures sum the device's groups of that day; a device normally has one group a day (one
 * merchant, store, bound account and face product), so payerCount, a distinct count per group, is
 * the day's distinct payers — only a day with a rebinding or a second product can count a payer
 * seen in both groups twice.
 */
export async function deviceDaily(tx: Tx, ctx: TenantContext, raw: { id: string; from?: string; to?: string; days?: number }): Promise<{ deviceId: string; days: DailyPoint[]; incentiveMinAmountMinor: bigint }> {
  const parsed = ZDeviceDaily.parse(raw);
  const input = { ...parsed, ...(await period(tx, ctx, parsed)) };
  const device = await tx.device.findFirst({ where: { tenantId: ctx.tenantId, id: input.id }, select: { deviceId: true } });
  if (!device) throw deviceNotFound();
  const rows = await tx.$queryRaw<{ date: string; payment_count: number; success_count: number; amount_minor: bigint; valid_count: number; payer_count: number; refund_count: number; refund_minor: bigint; margin_minor: bigint }[]>`
    SELECT d::date::text AS date,
           COALESCE(sum(s.payment_count), 0)::int AS payment_count, COALESCE(sum(s.success_count), 0)::int AS success_count,
           COALESCE(sum(s.amount_minor), 0)::bigint AS amount_minor, COALESCE(sum(s.valid_count), 0)::int AS valid_count,
           COALESCE(sum(s.payer_count), 0)::int AS payer_count, -- per group distinct: see the doc comment
           COALESCE(sum(s.refund_count), 0)::int AS refund_count, COALESCE(sum(s.refund_minor), 0)::bigint AS refund_minor,
           COALESCE(sum(s.margin_minor), 0)::bigint AS margin_minor
      FROM generate_series(${input.from}::date, LEAST(${input.to}::date, ${input.from}::date + 366), interval '1 day') d
      LEFT JOIN payment_daily_stat s ON s.tenant_id = ${ctx.tenantId}::uuid AND s.device_id = ${device.deviceId} AND s.business_date = d::date
     GROUP BY d ORDER BY d`;
  const { incentiveMinAmountMinor } = await getFleetSettings(tx, ctx);
  return {
    deviceId: device.deviceId,
    incentiveMinAmountMinor,
    days: rows.map((r) => ({ date: r.date, paymentCount: r.payment_count, successCount: r.success_count, amountMinor: r.amount_minor, validCount: r.valid_count, payerCount: r.payer_count, refundCount: r.refund_count, refundMinor: r.refund_minor, marginMinor: r.margin_minor })),
  };
}

/** Devices (or stores) ranked by volume in [from, to], with success rate and health. */
export async function fleetRanking(tx: Tx, ctx: TenantContext, raw: { from?: string; to?: string; days?: number; by?: "device" | "store"; limit?: number }) {
  const parsed = ZFleetRanking.parse(raw);
  const input = { ...parsed, ...(await period(tx, ctx, parsed)) };
  const key = input.by === "store" ? Prisma.sql`s.store_id` : Prisma.sql`s.device_id`;
  const rows = await tx.$queryRaw<{ key: string; payment_count: number; success_count: number; amount_minor: bigint; margin_minor: bigint; refund_minor: bigint }[]>`
    SELECT ${key} AS key, sum(s.payment_count)::int AS payment_count, sum(s.success_count)::int AS success_count,
           sum(s.amount_minor)::bigint AS amount_minor, sum(s.margin_minor)::bigint AS margin_minor, sum(s.refund_minor)::bigint AS refund_minor
      FROM payment_daily_stat s
     WHERE s.tenant_id = ${ctx.tenantId}::uuid AND s.business_date BETWEEN ${input.from}::date AND ${input.to}::date AND ${key} <> ''
     GROUP BY ${key} ORDER BY amount_minor DESC, key LIMIT ${input.limit}`;
  const settings = await getFleetSettings(tx, ctx);
  const cutoff = new Date(Date.now() - settings.offlineAfterSeconds * 1000);
  if (input.by === "store") {
    const stores = await tx.store.findMany({ where: { tenantId: ctx.tenantId, id: { in: rows.map((r) => r.key) } }, select: { id: true, name: true } });
    const names = new Map(stores.map((s) => [s.id, s.name]));
    const devices = await tx.device.findMany({ where: { tenantId: ctx.tenantId, storeId: { in: rows.map((r) => r.key) }, status: "ACTIVE" }, select: { storeId: true, lastSeenAt: true } });
    return rows.map((r) => {
      const mine = devices.filter((d) => d.storeId === r.key);
      return { key: r.key, label: names.get(r.key) ?? r.key, paymentCount: r.payment_count, successCount: r.success_count, amountMinor: r.amount_minor, marginMinor: r.margin_minor, refundMinor: r.refund_minor, devices: mine.length, online: mine.filter((d) => d.lastSeenAt && d.lastSeenAt >= cutoff).length, id: r.key };
    });
  }
  const devices = await tx.device.findMany({ where: { tenantId: ctx.tenantId, deviceId: { in: rows.map((r) => r.key) } }, select: { id: true, deviceId: true, serialNumber: true, lastSeenAt: true, isRelocated: true } });
  const byKey = new Map(devices.map((d) => [d.deviceId, d]));
  return rows.map((r) => {
    const d = byKey.get(r.key);
    return { key: r.key, id: d?.id ?? null, label: d?.serialNumber ?? r.key, paymentCount: r.payment_count, successCount: r.success_count, amountMinor: r.amount_minor, marginMinor: r.margin_minor, refundMinor: r.refund_minor, devices: 1, online: d?.lastSeenAt && d.lastSeenAt >= cutoff ? 1 : 0, isRelocated: d?.isRelocated ?? false };
  });
}

/**
 * Active devices without a successful payment for `days` days, longest idle first. Days are
 * business dates in the tenant's time zone: today is `now`'s date there, and a device that never
 * succeeded counts from its activation's date there. `now` is for tests; the router leaves it.
 */
export async function idleDevices(tx: Tx, ctx: TenantContext, raw: { days?: number; limit?: number }, now = new Date()) {
  const input = ZIdle.parse(raw);
  const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { timeZone: true } });
  const today = businessDate(now, tenant.timeZone);
  const rows = await tx.$queryRaw<{ id: string; device_id: string; serial_number: string; store_id: string | null; last_success: string | null; activated_at: Date | null; last_seen_at: Date | null }[]>`
    SELECT d.id, d.device_id, d.serial_number, d.store_id::text, last.date AS last_success, d.activated_at, d.last_seen_at
      FROM device d
      LEFT JOIN LATERAL (SELECT max(s.business_date)::text AS date FROM payment_daily_stat s
                          WHERE s.tenant_id = d.tenant_id AND s.device_id = d.device_id AND s.success_count > 0) last ON true
     WHERE d.tenant_id = ${ctx.tenantId}::uuid AND d.status = 'ACTIVE'
       AND COALESCE(last.date::date, (d.activated_at AT TIME ZONE ${tenant.timeZone})::date) <= ${today}::date - ${input.days}::int
     ORDER BY COALESCE(last.date::date, (d.activated_at AT TIME ZONE ${tenant.timeZone})::date) NULLS FIRST, d.serial_number
     LIMIT ${input.limit}`;
  const stores = await tx.store.findMany({ where: { tenantId: ctx.tenantId, id: { in: rows.flatMap((r) => (r.store_id ? [r.store_id] : [])) } }, select: { id: true, name: true } });
  const names = new Map(stores.map((s) => [s.id, s.name]));
  return rows.map((r) => ({ id: r.id, deviceId: r.device_id, serialNumber: r.serial_number, storeName: r.store_id ? (names.get(r.store_id) ?? null) : null, lastSuccessDate: r.last_success, activatedAt: r.activated_at, lastSeenAt: r.last_seen_at }));
}
