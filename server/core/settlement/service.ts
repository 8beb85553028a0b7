import { recordAudit } from "@/server/core/audit/service";
import { loadCalendarOverrides } from "@/server/core/calendar/service";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { mulDivHalfUp } from "@/server/core/ledger/money";
import { balanceAsOf, getBalanceByRef, lockAhead, postEntries, postEntry, resolveAccounts, type PostOptions } from "@/server/core/ledger/service";
import {
  accounts,
  directMemoSettled,
  merchantDebtRecovery,
  merchantReserveHold,
  merchantReserveRelease,
  merchantSettle,
  type EntryDraft,
} from "@/server/core/ledger/templates";
import { openException } from "@/server/core/payments/exceptions";
import { requestMerchantPayout } from "@/server/core/payouts/service";
import { open } from "@/server/core/secrets/envelope";
import { todayIn } from "@/server/core/wallets/mode";
import { authorizedTenantId, actorName, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { clampLimit, keysetBy, toPage } from "@/server/db/keyset";
import { daysBefore, dueDate, settlementCutoff, type SettlementCycle } from "./cycle";
import { ZDirectConfirm, ZSettlementFind, ZSettlementPolicy, ZSettlementRun, ZSettlementSettings, type TDirectConfirm, type TSettlementFind, type TSettlementPolicy, type TSettlementRun, type TSettlementSettings } from "./schema";

// The settlement run (issue 8; ARCHITECTURE.md §3, §5). For a settlement date D, each merchant
// whose cycle makes money due on D (cycle.ts) is settled from the ledger alone:
//
// CUSTODIAL — what the merchant's pending payable holds as of the cutoff (captured payments −
// refunds − merchant fees, all already netted there by the payment and refund templates), less
// what refunds still hold on it, is split into the risk reserve (held for N days on its own
// account) and the part made available; reserves due by D are released; a debt from earlier
// refunds (ALLOW_DEBT) is recovered from what this settlement brings; the rest becomes a merchant
// payout (the payout lifecycle: hold → batch → maker-checker release → bank). All of one
// merchant's entries are posted in one batch in one transaction with its settlement row, under
// an advisory lock, with idempotency keys per merchant and date: re-running a date changes nothing.
//
// DIRECT — the money is at the channel: the run records what the channel owes each merchant for
// the period (memo book: payments − refunds net of fees since the previous settlement's cutoff),
// never a payout; what the channel actually paid is confirmed — from the channels' settlement
// statements (MERCHANT_SETTLEMENT files, confirmFromStatements) or typed in by finance — which
// posts the memo settlement and raises a SETTLEMENT_DIFFERENCE exception when the amounts differ.

export const SETTLEMENT_DIFFERENCE = "SETTLEMENT_DIFFERENCE";
const OPEN_EXCEPTION_STATUSES = ["OPEN", "INVESTIGATING", "RESOLUTION_PROPOSED"] as const;

const dbDate = (d: string) => new Date(`${d}T00:00:00Z`);
const isoDate = (d: Date) => d.toISOString().slice(0, 10);

export const settlementSelect = {
  id: true,
  merchantId: true,
  settlementDate: true,
  cutoffDate: true,
  mode: true,
  status: true,
  grossMinor: true,
  reserveMinor: true,
  reserveReleasedMinor: true,
  debtRecoveredMinor: true,
  netMinor: true,
  channelSettledMinor: true,
  payoutId: true,
  heldReason: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
} as const;

export interface MerchantOutcome {
  merchantId: string;
  merchantName: string;
  status: string;
  settlementId: string | null;
  netMinor: bigint;
  replayed: boolean;
  reason?: string;
}

export interface RunResult {
  date: string;
  mode: "DIRECT" | "CUSTODIAL";
  merchants: number;
  counts: Record<string, number>;
  totalNetMinor: bigint;
  outcomes: MerchantOutcome[];
}

interface MerchantRow {
  id: string;
  shortName: string;
  legalName: string;
  status: string;
  settlementCycle: SettlementCycle;
  settlementWeekday: number;
  reserveRatePpm: number;
  reserveDays: number;
  settlementAccountName: string | null;
  settlementAccountNumber: string | null;
  settlementBankCode: string | null;
}
const merchantSelect = {
  id: true,
  shortName: true,
  legalName: true,
  status: true,
  settlementCycle: true,
  settlementWeekday: true,
  reserveRatePpm: true,
  reserveDays: true,
  settlementAccountName: true,
  settlementAccountNumber: true,
  settlementBankCode: true,
} as const;

async function tenantOf(tx: Tx, ctx: TenantContext) {
  const t = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { settlementMode: true, timeZone: true, settlementHoldOnExceptions: true } });
  if (!t) throw notFound("Service provider");
  return t;
}

/**
 * Runs settlement for a date (default: today in the tenant's time zone), for every merchant or one.
 * Each merchant settles in its own transaction, so one merchant's problem (say, a bank account
 * missing) never stops the others; the outcome says what happened to each.
 */
export async function runSettlement(ctx: TenantContext, raw: TSettlementRun): Promise<RunResult> {
  const input = ZSettlementRun.parse(raw);
  const tenantId = authorizedTenantId(ctx.tenantId);
  const { tenant, date, merchants, overrides } = await withTenantTx(tenantId, async (tx) => {
    const tenant = await tenantOf(tx, ctx);
    const date = input.date ?? todayIn(tenant.timeZone);
    const merchants: MerchantRow[] = await tx.merchant.findMany({
      where: { tenantId: ctx.tenantId, status: { not: "ARCHIVED" }, ...(input.merchantId ? { id: input.merchantId } : {}) },
      select: merchantSelect,
      orderBy: { id: "asc" },
    });
    if (input.merchantId && !merchants.length) throw notFound("Merchant");
    // Wide enough for a Golden Week on either side of the date.
    const overrides = await loadCalendarOverrides(tx, ctx, daysBefore(date, 40), daysBefore(date, -40));
    return { tenant, date, merchants, overrides };
  });
  const outcomes: MerchantOutcome[] = [];
  for (const m of merchants) {
    const cutoff = settlementCutoff(m, date, overrides);
    if (cutoff === null) {
      outcomes.push({ merchantId: m.id, merchantName: m.shortName, status: "NOT_DUE", settlementId: null, netMinor: 0n, replayed: false });
      continue;
    }
    try {
      const outcome = await withTenantTx(tenantId, (tx) =>
        tenant.settlementMode === "CUSTODIAL"
          ? settleCustodial(tx, ctx, m, date, cutoff, tenant.settlementHoldOnExceptions)
          : settleDirect(tx, ctx, m, date, cutoff),
      );
      outcomes.push(outcome);
    } catch (e) {
      outcomes.push({ merchantId: m.id, merchantName: m.shortName, status: "ERROR", settlementId: null, netMinor: 0n, replayed: false, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  if (outcomes.some((o) => o.status !== "NOT_DUE")) {
    await withTenantTx(tenantId, (tx) => recordAudit(tx, ctx, { action: "settlement.run", entityType: "settlement", entityId: date, after: { date, counts } }));
  }
  return { date, mode: tenant.settlementMode, merchants: merchants.length, counts, totalNetMinor: outcomes.reduce((s, o) => s + o.netMinor, 0n), outcomes };
}

/** One merchant at a time per tenant, whoever runs it (the job, the CLI, a person). */
async function lockMerchantSettlement(tx: Tx, ctx: TenantContext, merchantId: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`settlement:${ctx.tenantId}:${merchantId}`}, 0))`;
}

function outcomeOf(m: MerchantRow, row: { id: string; status: string; netMinor: bigint; heldReason: string | null }, replayed: boolean): MerchantOutcome {
  return { merchantId: m.id, merchantName: m.shortName, status: row.status, settlementId: row.id, netMinor: row.netMinor, replayed, ...(row.heldReason ? { reason: row.heldReason } : {}) };
}

async function settleCustodial(tx: Tx, ctx: TenantContext, m: MerchantRow, date: string, cutoff: string, holdOnExceptions: boolean): Promise<MerchantOutcome> {
  await lockMerchantSettlement(tx, ctx, m.id);
  const existing = await tx.settlement.findFirst({ where: { tenantId: ctx.tenantId, merchantId: m.id, settlementDate: dbDate(date) }, select: settlementSelect });
  if (existing && existing.status !== "HELD") return outcomeOf(m, existing, true);

  const hold = async (reason: string) => {
    const row = existing
      ? await tx.settlement.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: existing.id } }, data: { heldReason: reason }, select: settlementSelect })
      : await tx.settlement.create({
          data: { tenantId: ctx.tenantId, merchantId: m.id, settlementDate: dbDate(date), cutoffDate: dbDate(cutoff), mode: "CUSTODIAL", status: "HELD", heldReason: reason, createdBy: actorName(ctx) },
          select: settlementSelect,
        });
    return outcomeOf(m, row, false);
  };
  if (m.status === "SUSPENDED") return hold("The merchant is suspended");
  if (holdOnExceptions) {
    const open = await tx.exception.count({
      where: { tenantId: ctx.tenantId, merchantId: m.id, status: { in: [...OPEN_EXCEPTION_STATUSES] }, businessDate: { lte: dbDate(cutoff) } },
    });
    if (open) return hold(`${open} reconciliation exception${open === 1 ? "" : "s"} for business dates up to ${cutoff} still open`);
  }

  const pendingRef = accounts.merchantPending(m.id);
  // The balances read below and every account the settlement and its payout post to are locked
  // first, in the ledger's one order: nothing moves them between the read and the postings.
  await lockAhead(tx, ctx, { refs: [pendingRef, accounts.merchantAvailable(m.id), accounts.merchantReserve(m.id), accounts.merchantReceivable(m.id), accounts.withdrawalsInTransit] });
  const ids = await resolveAccounts(tx, ctx, [pendingRef]);
  const asOf = await balanceAsOf(tx, ctx, ids.get(`OWN|${pendingRef.code}`)!, { businessDate: cutoff });
  // What refunds still hold on the pending payable stays there until they finish.
  const pendingNow = await getBalanceByRef(tx, ctx, pendingRef);
  const gross = asOf < pendingNow.availableMinor ? asOf : pendingNow.availableMinor;
  const settleable = gross > 0n ? gross : 0n;
  const reserve = m.reserveRatePpm > 0 && m.reserveDays > 0 ? mulDivHalfUp(settleable, BigInt(m.reserveRatePpm), 1_000_000n) : 0n;
  const toAvailable = settleable - reserve;

  const dueReserves = await tx.settlementReserve.findMany({
    where: { tenantId: ctx.tenantId, merchantId: m.id, releaseOn: { lte: dbDate(date) }, releasedBySettlementId: null },
    select: { id: true, amountMinor: true },
  });
  const released = dueReserves.reduce((s, r) => s + r.amountMinor, 0n);

  const receivable = (await getBalanceByRef(tx, ctx, accounts.merchantReceivable(m.id))).postedMinor;
  const brought = toAvailable + released;
  const recovered = receivable > 0n ? (receivable < brought ? receivable : brought) : 0n;
  const net = brought - recovered;

  const settlementId = existing?.id ?? crypto.randomUUID();
  const opts = (part: string): PostOptions => ({
    businessDate: date,
    idempotencyKey: `settlement:${m.id}:${date}:${part}`,
    causeType: "settlement",
    causeId: settlementId,
    description: `Settlement ${date} (${m.shortName})`,
  });
  const items: Array<{ draft: EntryDraft; opts: PostOptions }> = [];
  if (toAvailable > 0n) items.push({ draft: merchantSettle(m.id, toAvailable), opts: opts("settle") });
  if (reserve > 0n) items.push({ draft: merchantReserveHold(m.id, reserve), opts: opts("reserve") });
  if (released > 0n) items.push({ draft: merchantReserveRelease(m.id, released), opts: opts("release") });
  if (recovered > 0n) items.push({ draft: merchantDebtRecovery(m.id, recovered), opts: opts("debt") });
  if (!items.length && !existing) {
    // Nothing moved: no row, so quiet merchants do not fill the table with empty days.
    return { merchantId: m.id, merchantName: m.shortName, status: "NOTHING_DUE", settlementId: null, netMinor: 0n, replayed: false };
  }
  await postEntries(tx, ctx, items);

  const status = items.length ? "SETTLED" : "NOTHING_DUE";
  const data = {
    cutoffDate: dbDate(cutoff),
    status,
    grossMinor: gross,
    reserveMinor: reserve,
    reserveReleasedMinor: released,
    debtRecoveredMinor: recovered,
    netMinor: net,
    heldReason: null,
  };
  const row = existing
    ? await tx.settlement.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: existing.id } }, data, select: settlementSelect })
    : await tx.settlement.create({ data: { tenantId: ctx.tenantId, id: settlementId, merchantId: m.id, settlementDate: dbDate(date), mode: "CUSTODIAL", createdBy: actorName(ctx), ...data }, select: settlementSelect });
  if (reserve > 0n) {
    await tx.settlementReserve.create({
      data: { tenantId: ctx.tenantId, settlementId: row.id, merchantId: m.id, amountMinor: reserve, releaseOn: dbDate(daysBefore(date, -m.reserveDays)) },
    });
  }
  if (dueReserves.length) {
    await tx.settlementReserve.updateMany({
      where: { tenantId: ctx.tenantId, id: { in: dueReserves.map((r) => r.id) } },
      data: { releasedBySettlementId: row.id, releasedAt: new Date() },
    });
  }

  // The payout: only with a bank account on file; otherwise the money waits, available, and the row says why.
  let payoutId: string | null = null;
  let reason: string | null = null;
  if (net > 0n) {
    if (m.settlementAccountNumber && m.settlementAccountName && m.settlementBankCode) {
      const number = open({ tenantId: ctx.tenantId, table: "merchant", rowId: m.id, field: "settlementAccountNumber" }, m.settlementAccountNumber);
      const payout = await requestMerchantPayout(tx, ctx, {
        merchantId: m.id,
        requestNo: `S${date.replaceAll("-", "")}`,
        amountMinor: net,
        bankAccount: { name: m.settlementAccountName, number, bankCode: m.settlementBankCode },
      });
      payoutId = payout.id;
    } else {
      reason = "No settlement bank account (name, number and bank code) on file: the amount stays available to the merchant";
    }
  }
  const final = payoutId || reason ? await tx.settlement.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: row.id } }, data: { payoutId, heldReason: reason }, select: settlementSelect }) : row;
  return outcomeOf(m, final, false);
}

/** DIRECT: the memo book's net for the merchant since the previous settlement's cutoff. */
async function settleDirect(tx: Tx, ctx: TenantContext, m: MerchantRow, date: string, cutoff: string): Promise<MerchantOutcome> {
  await lockMerchantSettlement(tx, ctx, m.id);
  const existing = await tx.settlement.findFirst({ where: { tenantId: ctx.tenantId, merchantId: m.id, settlementDate: dbDate(date) }, select: settlementSelect });
  if (existing) return outcomeOf(m, existing, true);
  const previous = await tx.settlement.findFirst({
    where: { tenantId: ctx.tenantId, merchantId: m.id, settlementDate: { lt: dbDate(date) } },
    orderBy: { settlementDate: "desc" },
    select: { cutoffDate: true },
  });
  const dueRef = accounts.memoDue(m.id);
  const ids = await resolveAccounts(tx, ctx, [dueRef]);
  const from = previous ? isoDate(previous.cutoffDate) : null;
  const rows = await tx.$queryRaw<Array<{ owed: bigint | null }>>`
    SELECT -sum(p.amount_minor)::bigint AS owed
      FROM ledger_posting p JOIN journal_entry e ON e.tenant_id = p.tenant_id AND e.id = p.entry_id
     WHERE p.tenant_id = ${ctx.tenantId}::uuid AND p.account_id = ${ids.get(`MEMO|${dueRef.code}`)!}::uuid AND p.phase = 'POSTED'
       AND p.business_date <= ${cutoff}::date AND (${from}::date IS NULL OR p.business_date > ${from}::date)
       AND e.kind <> 'memo.settled'`;
  const owed = BigInt(rows[0]?.owed ?? 0n);
  // Nothing owed: no row, as for custodial merchants, so quiet merchants do not fill the list with
  // settlements that wait for a channel payment that will never come. The next period starts at
  // the last row's cutoff, so it still covers these days (whose postings net to zero).
  if (owed === 0n) return { merchantId: m.id, merchantName: m.shortName, status: "NOTHING_DUE", settlementId: null, netMinor: 0n, replayed: false };
  const row = await tx.settlement.create({
    data: { tenantId: ctx.tenantId, merchantId: m.id, settlementDate: dbDate(date), cutoffDate: dbDate(cutoff), mode: "DIRECT", status: "EXPECTED", grossMinor: owed, netMinor: owed, createdBy: actorName(ctx) },
    select: settlementSelect,
  });
  // The channels' statements for the date may already be in (they usually arrive before the run).
  const confirmed = await confirmFromStatements(tx, ctx, m.id, date);
  const after = confirmed.outcome === "CONFIRMED" || confirmed.outcome === "DIFFERENCE" ? await tx.settlement.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: row.id }, select: settlementSelect }) : row;
  return outcomeOf(m, after, false);
}

/**
 * DIRECT: finance records what the channel actually paid the merchant for a settlement. The memo
 * settlement is posted for the amount paid; a difference from what was owed raises an exception.
 */
export async function confirmDirectSettlement(tx: Tx, ctx: TenantContext, raw: TDirectConfirm, via?: { statementFileIds: string[] }) {
  const input = ZDirectConfirm.parse(raw);
  const tenant = await tenantOf(tx, ctx);
  if (tenant.settlementMode !== "DIRECT") {
    throw new DomainError("PRECONDITION", "NOT_AVAILABLE_IN_CUSTODIAL_MODE", "Only direct-mode settlements are confirmed against the channel: custodial settlements are paid out by us");
  }
  const s = await tx.settlement.findFirst({ where: { tenantId: ctx.tenantId, id: input.id }, select: settlementSelect });
  if (!s) throw notFound("Settlement");
  await lockMerchantSettlement(tx, ctx, s.merchantId);
  const fresh = await tx.settlement.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: input.id }, select: settlementSelect });
  if (fresh.status !== "EXPECTED") {
    throw new DomainError("CONFLICT", "SETTLEMENT_ALREADY_CONFIRMED", `This settlement was already confirmed (${fresh.status.toLowerCase()}); a correction is a ledger adjustment`);
  }
  const today = todayIn(tenant.timeZone);
  if (input.channelSettledMinor > 0n) {
    await postEntry(tx, ctx, directMemoSettled(s.merchantId, input.channelSettledMinor), {
      businessDate: today,
      idempotencyKey: `settlement:${s.id}:confirm`,
      causeType: "settlement",
      causeId: s.id,
      description: `Channel settlement ${isoDate(s.settlementDate)}`,
    });
  }
  const diff = input.channelSettledMinor - s.grossMinor;
  const status = diff === 0n ? "CONFIRMED" : "DIFFERENCE";
  if (diff !== 0n) {
    await openException(tx, ctx, {
      kind: SETTLEMENT_DIFFERENCE,
      causeType: "settlement",
      causeId: s.id,
      merchantId: s.merchantId,
      amountMinor: diff < 0n ? -diff : diff,
      businessDate: isoDate(s.cutoffDate),
      details: { owedMinor: s.grossMinor.toString(), paidMinor: input.channelSettledMinor.toString(), direction: diff > 0n ? "OVERAGE" : "SHORTAGE" },
    });
  }
  const row = await tx.settlement.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: s.id } }, data: { status, channelSettledMinor: input.channelSettledMinor }, select: settlementSelect });
  await recordAudit(tx, ctx, { action: "settlement.confirm", entityType: "settlement", entityId: s.id, after: { paidMinor: input.channelSettledMinor.toString(), status, ...(via ? { statementFileIds: via.statementFileIds } : {}) } });
  return row;
}

export type StatementConfirmation =
  | { outcome: "NO_SETTLEMENT" }
  | { outcome: "NO_STATEMENTS" | "WAITING"; settlementId: string; missingChannelAccountIds: string[] }
  | { outcome: "CONFIRMED" | "DIFFERENCE" | "ALREADY_CONFIRMED"; settlementId: string; paidMinor: bigint; owedMinor: bigint };

/**
 * DIRECT: confirms a merchant's EXPECTED settlement of `date` from the channels' settlement
 * statements (imported MERCHANT_SETTLEMENT files of that date). Each channel account that carried
 * the merchant's payments or refunds in the settlement's period pays the merchant separately, and
 * the memo book owes it their sum: the settlement is confirmed with Σ of the merchant's lines (its
 * registration's sub-merchant id at each account) once every one of those accounts' statements is
 * in — a statement that does not list the merchant says that channel paid it nothing. Until then
 * WAITING (or NO_STATEMENTS); a settlement already confirmed is left alone (a correction is a
 * ledger adjustment).
 */
export async function confirmFromStatements(tx: Tx, ctx: TenantContext, merchantId: string, date: string): Promise<StatementConfirmation> {
  const s = await tx.settlement.findFirst({ where: { tenantId: ctx.tenantId, merchantId, settlementDate: dbDate(date), mode: "DIRECT" }, select: settlementSelect });
  if (!s) return { outcome: "NO_SETTLEMENT" };
  const previous = await tx.settlement.findFirst({ where: { tenantId: ctx.tenantId, merchantId, settlementDate: { lt: dbDate(date) } }, orderBy: { settlementDate: "desc" }, select: { cutoffDate: true } });
  const from = previous ? isoDate(previous.cutoffDate) : null;
  const cutoff = isoDate(s.cutoffDate);
  const carried = await tx.$queryRaw<Array<{ channel_account_id: string }>>`
    SELECT DISTINCT p.channel_account_id::text FROM payment p
     WHERE p.tenant_id = ${ctx.tenantId}::uuid AND p.merchant_id = ${merchantId}::uuid AND p.status = 'SUCCEEDED'
       AND p.business_date <= ${cutoff}::date AND (${from}::date IS NULL OR p.business_date > ${from}::date)
    UNION
    SELECT DISTINCT p.channel_account_id::text FROM refund r JOIN payment p ON p.tenant_id = r.tenant_id AND p.id = r.payment_id
     WHERE r.tenant_id = ${ctx.tenantId}::uuid AND r.merchant_id = ${merchantId}::uuid AND r.status = 'SUCCEEDED'
       AND r.business_date <= ${cutoff}::date AND (${from}::date IS NULL OR r.business_date > ${from}::date)`;
  const accountIds = carried.map((c) => c.channel_account_id);
  const files = accountIds.length
    ? await tx.statementFile.findMany({ where: { tenantId: ctx.tenantId, format: "MERCHANT_SETTLEMENT", status: "IMPORTED", billDate: dbDate(date), channelAccountId: { in: accountIds } }, select: { id: true, channelAccountId: true } })
    : [];
  const delivered = new Set(files.map((f) => f.channelAccountId));
  const missing = accountIds.filter((a) => !delivered.has(a));
  if (files.length === 0) return { outcome: "NO_STATEMENTS", settlementId: s.id, missingChannelAccountIds: missing };
  if (missing.length > 0) return { outcome: "WAITING", settlementId: s.id, missingChannelAccountIds: missing };
  const registrations = await tx.merchantChannelRegistration.findMany({ where: { tenantId: ctx.tenantId, merchantId, channelAccountId: { in: accountIds }, subMchId: { not: null } }, select: { channelAccountId: true, subMchId: true } });
  const lines = await tx.statementLine.findMany({
    where: { tenantId: ctx.tenantId, kind: "SETTLEMENT", OR: files.flatMap((f) => registrations.filter((r) => r.channelAccountId === f.channelAccountId).map((r) => ({ fileId: f.id, subMerchant: r.subMchId! }))) },
    select: { amountMinor: true },
  });
  const paidMinor = lines.reduce((sum, l) => sum + l.amountMinor, 0n);
  if (s.status !== "EXPECTED") return { outcome: "ALREADY_CONFIRMED", settlementId: s.id, paidMinor, owedMinor: s.grossMinor };
  const row = await confirmDirectSettlement(tx, ctx, { id: s.id, channelSettledMinor: paidMinor }, { statementFileIds: files.map((f) => f.id) });
  return { outcome: row.status === "CONFIRMED" ? "CONFIRMED" : "DIFFERENCE", settlementId: s.id, paidMinor, owedMinor: s.grossMinor };
}

export async function findSettlements(tx: Tx, ctx: TenantContext, raw: TSettlementFind, scope: { merchantId?: string } = {}) {
  const input = ZSettlementFind.parse(raw);
  const limit = clampLimit(input.limit);
  const page = keysetBy("settlementDate", "date", true, input.cursor);
  const merchantId = scope.merchantId ?? input.merchantId;
  const rows = await tx.settlement.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(merchantId ? { merchantId } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...(input.date ? { settlementDate: dbDate(input.date) } : {}),
      ...page.where,
    },
    orderBy: page.orderBy,
    take: limit + 1,
    select: { ...settlementSelect, merchant: { select: { shortName: true } } },
  });
  return toPage(rows, limit, page.cursorOf);
}

/** Settlement totals per date (newest first) for the chart on the settlements page. */
export async function settlementTotals(tx: Tx, ctx: TenantContext, input: { to?: string | undefined; days?: number | undefined } = {}) {
  const to = input.to ?? todayIn((await tenantOf(tx, ctx)).timeZone);
  const from = daysBefore(to, (input.days ?? 30) - 1);
  const rows = await tx.settlement.groupBy({
    by: ["settlementDate"],
    where: { tenantId: ctx.tenantId, settlementDate: { gte: dbDate(from), lte: dbDate(to) } },
    _sum: { netMinor: true, reserveMinor: true, grossMinor: true },
    _count: { _all: true },
    orderBy: { settlementDate: "asc" },
  });
  return rows.map((r) => ({ date: isoDate(r.settlementDate), count: r._count._all, netMinor: r._sum.netMinor ?? 0n, reserveMinor: r._sum.reserveMinor ?? 0n, grossMinor: r._sum.grossMinor ?? 0n }));
}

export async function getSettlement(tx: Tx, ctx: TenantContext, id: string, scope: { merchantId?: string } = {}) {
  const s = await tx.settlement.findFirst({
    where: { tenantId: ctx.tenantId, id, ...(scope.merchantId ? { merchantId: scope.merchantId } : {}) },
    select: { ...settlementSelect, merchant: { select: { shortName: true, legalName: true } }, reserves: { select: { id: true, amountMinor: true, releaseOn: true, releasedAt: true } } },
  });
  if (!s) throw notFound("Settlement");
  return s;
}

/** A merchant's settlement settings, with the due date of today's business for the page to show. */
export async function getSettlementSettings(tx: Tx, ctx: TenantContext, merchantId: string) {
  const m = await tx.merchant.findFirst({
    where: { tenantId: ctx.tenantId, id: merchantId },
    select: { settlementCycle: true, settlementWeekday: true, reserveRatePpm: true, reserveDays: true, settlementBankCode: true, settlementAccountName: true, settlementBankName: true, settlementAccountLast4: true },
  });
  if (!m) throw notFound("Merchant");
  const tenant = await tenantOf(tx, ctx);
  const today = todayIn(tenant.timeZone);
  const overrides = await loadCalendarOverrides(tx, ctx, today, daysBefore(today, -60));
  return { ...m, mode: tenant.settlementMode, today, todayDue: dueDate(m, today, overrides) };
}

export async function updateSettlementSettings(tx: Tx, ctx: TenantContext, raw: TSettlementSettings) {
  const input = ZSettlementSettings.parse(raw);
  const m = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: input.merchantId }, select: { id: true } });
  if (!m) throw notFound("Merchant");
  const { merchantId, ...data } = input;
  await tx.merchant.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: merchantId } }, data });
  await recordAudit(tx, ctx, { action: "merchant.settlement_settings", entityType: "merchant", entityId: merchantId, after: { ...data } });
  return getSettlementSettings(tx, ctx, merchantId);
}

/** The tenant's settlement policy: whether open reconciliation exceptions hold a merchant's settlement. */
export async function getSettlementPolicy(tx: Tx, ctx: TenantContext) {
  const t = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true, settlementHoldOnExceptions: true } });
  const open = await tx.exception.count({ where: { tenantId: ctx.tenantId, status: { in: [...OPEN_EXCEPTION_STATUSES] }, merchantId: { not: null } } });
  return { mode: t.settlementMode, holdOnExceptions: t.settlementHoldOnExceptions, openExceptions: open };
}

export async function updateSettlementPolicy(tx: Tx, ctx: TenantContext, raw: TSettlementPolicy) {
  const input = ZSettlementPolicy.parse(raw);
  const before = await getSettlementPolicy(tx, ctx);
  if (before.holdOnExceptions !== input.holdOnExceptions) {
    await tx.tenant.update({ where: { id: ctx.tenantId }, data: { settlementHoldOnExceptions: input.holdOnExceptions } });
    await recordAudit(tx, ctx, { action: "tenant.settlement_policy", entityType: "tenant", entityId: ctx.tenantId, before: { holdOnExceptions: before.holdOnExceptions }, after: { holdOnExceptions: input.holdOnExceptions } });
  }
  return getSettlementPolicy(tx, ctx);
}

/**
 * What the merchant has with us, from the ledger: CUSTODIAL, pending (not yet settled), available
 * (settled, not paid out; what payouts in progress hold is shown apart), risk reserve and the debt
 * from refunds; DIRECT, what the channel still owes it (memo book).
 */
export async function merchantBalances(tx: Tx, ctx: TenantContext, merchantId: string) {
  const tenant = await tenantOf(tx, ctx);
  if (tenant.settlementMode === "DIRECT") {
    const due = await getBalanceByRef(tx, ctx, accounts.memoDue(merchantId));
    return { mode: "DIRECT" as const, owedByChannelMinor: due.postedMinor };
  }
  // One connection: one query after another.
  const pending = await getBalanceByRef(tx, ctx, accounts.merchantPending(merchantId));
  const available = await getBalanceByRef(tx, ctx, accounts.merchantAvailable(merchantId));
  const reserve = await getBalanceByRef(tx, ctx, accounts.merchantReserve(merchantId));
  const receivable = await getBalanceByRef(tx, ctx, accounts.merchantReceivable(merchantId));
  const releases = await tx.settlementReserve.findMany({
    where: { tenantId: ctx.tenantId, merchantId, releasedBySettlementId: null },
    orderBy: { releaseOn: "asc" },
    select: { amountMinor: true, releaseOn: true },
    take: 50,
  });
  return {
    mode: "CUSTODIAL" as const,
    pendingMinor: pending.postedMinor,
    availableMinor: available.availableMinor,
    payoutsInProgressMinor: available.postedMinor - available.availableMinor,
    reserveMinor: reserve.postedMinor,
    debtMinor: receivable.postedMinor,
    reserveReleases: releases.map((r) => ({ amountMinor: r.amountMinor, releaseOn: isoDate(r.releaseOn) })),
  };
}
