import { recordAudit } from "@/server/core/audit/service";
import { businessDate } from "@/server/core/calendar/rules";
import { DomainError, badInput } from "@/server/core/errors/domain-error";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { trialBalance } from "./service";

// 日切: closing a business date. Once closed, no entry can carry that date (ledger_post_entry
// refuses it, and the close takes the date's lock exclusively so nothing slips in while it runs);
// corrections post in the open period with correctsDate naming it. Balances as of a closed date
// therefore never change.

export type CloseCheck = (tx: Tx, ctx: TenantContext, date: string) => Promise<string | null>;
const checks: CloseCheck[] = [];

/** Later modules add conditions (e.g. the day's reconciliation is approved). Returns a reason to refuse, or null. */
export function registerCloseCheck(check: CloseCheck): void {
  checks.push(check);
}

const toJson = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))) as Prisma.InputJsonValue;

export async function closeBusinessDay(tx: Tx, ctx: TenantContext, date: string, now = new Date()) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw badInput("BUSINESS_DATE_INVALID", "Use YYYY-MM-DD", "businessDate");
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { timeZone: true } });
  const today = businessDate(now, tenant?.timeZone ?? "Asia/Shanghai");
  if (date >= today) throw new DomainError("PRECONDITION", "DAY_NOT_OVER", `Business date ${date} is not over yet (today is ${today})`);
  // Exclusive against every posting of the tenant (they hold it shared) while the day closes.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${ctx.tenantId} || '|days', 0))`;
  const existing = await tx.businessDay.findUnique({ where: { tenantId_businessDate: { tenantId: ctx.tenantId, businessDate: new Date(`${date}T00:00:00Z`) } } });
  if (existing?.status === "CLOSED") throw new DomainError("PRECONDITION", "DAY_ALREADY_CLOSED", `Business date ${date} is already closed`);
  for (const check of checks) {
    const reason = await check(tx, ctx, date);
    if (reason) throw new DomainError("PRECONDITION", "DAY_NOT_READY", reason);
  }
  const tb = await trialBalance(tx, ctx, { asOf: date });
  const by = ctx.actor.kind === "USER" ? ctx.actor.email : ctx.actor.kind === "SYSTEM" ? `system:${ctx.actor.name}` : ctx.actor.email;
  const snapshot = toJson({ totals: tb.totals, accounts: tb.accounts.filter((a) => a.debitMinor !== 0n || a.creditMinor !== 0n) });
  const day = await tx.businessDay.upsert({
    where: { tenantId_businessDate: { tenantId: ctx.tenantId, businessDate: new Date(`${date}T00:00:00Z`) } },
    create: { tenantId: ctx.tenantId, businessDate: new Date(`${date}T00:00:00Z`), status: "CLOSED", closedAt: now, closedBy: by, trialBalance: snapshot },
    update: { status: "CLOSED", closedAt: now, closedBy: by, trialBalance: snapshot },
  });
  await recordAudit(tx, ctx, { action: "ledger.close_day", entityType: "business_day", entityId: date, after: { totals: tb.totals } });
  return { businessDate: date, status: day.status, closedAt: day.closedAt, closedBy: day.closedBy };
}

/** Each date in the range with its close status and how many entries it holds. */
export async function listBusinessDays(tx: Tx, ctx: TenantContext, from: string, to: string) {
  if (from > to) throw badInput("RANGE_INVALID", "from must not be after to", "from");
  const days = await tx.businessDay.findMany({
    where: { tenantId: ctx.tenantId, businessDate: { gte: new Date(`${from}T00:00:00Z`), lte: new Date(`${to}T00:00:00Z`) } },
    select: { businessDate: true, status: true, closedAt: true, closedBy: true },
  });
  const counts = await tx.journalEntry.groupBy({
    by: ["businessDate"],
    where: { tenantId: ctx.tenantId, businessDate: { gte: new Date(`${from}T00:00:00Z`), lte: new Date(`${to}T00:00:00Z`) } },
    _count: { _all: true },
  });
  const byDate = new Map(days.map((d) => [d.businessDate.toISOString().slice(0, 10), d]));
  const countBy = new Map(counts.map((c) => [c.businessDate.toISOString().slice(0, 10), c._count._all]));
  const out = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`) && out.length < 400; d = new Date(d.getTime() + 86_400_000)) {
    const key = d.toISOString().slice(0, 10);
    const day = byDate.get(key);
    out.push({ businessDate: key, status: day?.status ?? "OPEN", closedAt: day?.closedAt ?? null, closedBy: day?.closedBy ?? null, entries: countBy.get(key) ?? 0 });
  }
  return out.reverse();
}
