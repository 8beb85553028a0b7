import { z } from "zod";
import { queueStats } from "@/server/core/clearing/exceptions";
import { daysBefore } from "@/server/core/settlement/cycle";
import { todayIn } from "@/server/core/wallets/mode";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

// The tenant's business dashboard (issue 8). Everything about payments comes from the daily
// statistics table (payment_daily_stat, kept by server/core/devices/stats.ts), never from scans of
// payments, so the page costs the same at a million payments as at ten: a handful of aggregate
// queries over (tenant, business date) ranges of that table, devices' last-seen times, the
// exception queue's figures and recent webhook failures.

export const ZBusinessDashboard = z.object({ days: z.union([z.literal(7), z.literal(30), z.literal(90)]).default(30) }).default({ days: 30 });
export type TBusinessDashboard = z.input<typeof ZBusinessDashboard>;

interface Row {
  key: string;
  label: string | null;
  count: number;
  successes: number;
  amount: bigint;
  margin: bigint;
}

const n = (v: unknown) => Number(v ?? 0);
const big = (v: unknown) => BigInt((v as bigint | number | string | null) ?? 0);

export async function businessDashboard(tx: Tx, ctx: TenantContext, raw: TBusinessDashboard = {}, now = new Date()) {
  const { days } = ZBusinessDashboard.parse(raw);
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { timeZone: true, settlementMode: true } });
  const today = todayIn(tenant?.timeZone ?? "Asia/Shanghai", now);
  const from = daysBefore(today, days - 1);
  const t = ctx.tenantId;

  const trend = await tx.$queryRaw<Array<{ d: Date; count: bigint; successes: bigint; amount: bigint | null; margin: bigint | null; refunds: bigint | null; fee: bigint | null }>>`
    SELECT business_date AS d, sum(payment_count)::bigint AS count, sum(success_count)::bigint AS successes, sum(amount_minor)::bigint AS amount,
           sum(margin_minor)::bigint AS margin, sum(refund_minor)::bigint AS refunds, sum(fee_minor)::bigint AS fee
      FROM payment_daily_stat WHERE tenant_id = ${t}::uuid AND business_date BETWEEN ${from}::date AND ${today}::date
     GROUP BY business_date ORDER BY business_date`;
  const byDate = new Map(trend.map((r) => [r.d.toISOString().slice(0, 10), r]));
  const series = [];
  for (let i = days - 1; i >= 0; i--) {
    const d = daysBefore(today, i);
    const r = byDate.get(d);
    const count = n(r?.count);
    const successes = n(r?.successes);
    series.push({ date: d, count, successes, successRate: count ? successes / count : null, amountMinor: big(r?.amount), marginMinor: big(r?.margin), refundMinor: big(r?.refunds), feeMinor: big(r?.fee) });
  }

  const group = async (column: "channel_account_id" | "product" | "store_id" | "merchant_id", limit: number): Promise<Row[]> => {
    const rows = await tx.$queryRawUnsafe<Array<{ key: string; count: bigint; successes: bigint; amount: bigint | null; margin: bigint | null }>>(
      `SELECT ${column}::text AS key, sum(payment_count)::bigint AS count, sum(success_count)::bigint AS successes, sum(amount_minor)::bigint AS amount, sum(margin_minor)::bigint AS margin
         FROM payment_daily_stat WHERE tenant_id = $1::uuid AND business_date BETWEEN $2::date AND $3::date
        GROUP BY 1 ORDER BY amount DESC NULLS LAST, 1 LIMIT ${limit}`,
      t,
      from,
      today,
    );
    return rows.map((r) => ({ key: r.key, label: null, count: n(r.count), successes: n(r.successes), amount: big(r.amount), margin: big(r.margin) }));
  };
  const channels = await group("channel_account_id", 20);
  const products = await group("product", 20);
  const stores = await group("store_id", 10);
  const merchants = await group("merchant_id", 10);

  const uuids = (rows: Row[]) => rows.map((r) => r.key).filter((k) => /^[0-9a-f-]{36}$/i.test(k));
  const accountNames = new Map((await tx.channelAccount.findMany({ where: { tenantId: t, id: { in: uuids(channels) } }, select: { id: true, name: true } })).map((a) => [a.id, a.name]));
  const storeNames = new Map((await tx.store.findMany({ where: { tenantId: t, id: { in: uuids(stores) } }, select: { id: true, name: true } })).map((s) => [s.id, s.name]));
  const merchantNames = new Map((await tx.merchant.findMany({ where: { tenantId: t, id: { in: uuids(merchants) } }, select: { id: true, shortName: true } })).map((m) => [m.id, m.shortName]));
  const named = (rows: Row[], names: Map<string, string> | null) => rows.map((r) => ({ ...r, label: names ? (names.get(r.key) ?? null) : r.key }));

  const settings = await tx.deviceFleetSettings.findUnique({ where: { tenantId: t }, select: { offlineAfterSeconds: true } });
  const onlineSince = new Date(now.getTime() - (settings?.offlineAfterSeconds ?? 300) * 1000);
  const devicesActive = await tx.device.count({ where: { tenantId: t, status: "ACTIVE" } });
  const devicesOnline = await tx.device.count({ where: { tenantId: t, status: "ACTIVE", lastSeenAt: { gte: onlineSince } } });

  const queue = await queueStats(tx, ctx, { days: 30 }, now);
  const webhooksFailed = await tx.webhookEvent.count({ where: { tenantId: t, status: "FAILED", createdAt: { gte: new Date(now.getTime() - 7 * 86_400_000) } } });
  const webhooksRetrying = await tx.webhookEvent.count({ where: { tenantId: t, status: "PENDING", attempts: { gt: 0 } } });

  const todayRow = series[series.length - 1]!;
  const yesterdayRow = series[series.length - 2] ?? null;
  return {
    today,
    days,
    settlementMode: tenant?.settlementMode ?? "DIRECT",
    kpis: { today: todayRow, yesterday: yesterdayRow },
    trend: series,
    byChannel: named(channels, accountNames),
    byProduct: named(products, null),
    byStore: named(stores, storeNames),
    topMerchants: named(merchants, merchantNames),
    devices: { active: devicesActive, online: devicesOnline },
    suspense: queue,
    webhooks: { failedLast7Days: webhooksFailed, retrying: webhooksRetrying },
  };
}
