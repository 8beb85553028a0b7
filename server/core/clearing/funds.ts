import { randomUUID } from "node:crypto";
import { connectorFor } from "@/server/channels/registry";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { addNaturalDays, previousWorkingDay } from "@/server/core/calendar/rules";

const daysBefore = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
import { loadCalendarOverrides } from "@/server/core/calendar/service";
import { lockAhead, postEntry } from "@/server/core/ledger/service";
import { accounts, bankCreditNetSettlement } from "@/server/core/ledger/templates";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { raiseBankDifference } from "./bank-differences";
import type { ReconSummary } from "./reconcile";
import { PAYMENT_FORMATS } from "./parsers/types";

// Funds reconciliation (issue 6, the second stage; ARCHITECTURE.md §5): the bank's credits (a
// SWYCRD01 credit file imported for a channel account: the credits of that channel's net
// settlement to our bank account) against what the channel should have paid for a settlement date.
//
// Expected net settlement for settlement date S = Σ over the channel's current payment bills of
// every bill date D that settles on S: settleable amounts of payments − refunds (signed on the
// bill; a refund still PROCESSING is not settled) − the channel's fees where it deducts them at
// source, by the channel account's settlement cycle: T+1 (the default) on the tenant's business
// calendar — the bill dates settling on S are [previous working day before S, S − 1] (Friday,
// Saturday and Sunday all settle on Monday) — or D+1 natural days (S − 1 only).
//
// The credits of one value date are summed and matched against that date's expected amount. The
// match is the only posting that moves money into the 备付金 bank account: the ledger's
// `bankCreditNetSettlement` for the expected net (Dr bank / Cr clearing, keyed `funds:<item>`),
// and a difference as its own 长款/短款 entry against the bank (keyed `recon:<item>`, recorded on its
// exception RECON_FUNDS_AMOUNT, or RECON_FUNDS_MISSING when nothing arrived for the statement
// date), so the queue's release and write-off reverse exactly the difference and Σ open items =
// suspense balance holds as for transaction differences. Together the two are the template's
// single entry with the difference in suspense. A settlement date whose
// bills are not all imported yet waits (PENDING) and is evaluated again when the file is run
// again (the fetch job does after each bill). DIRECT tenants hold no bank or clearing account:
// their differences are exceptions without postings (the memo book's settlement to merchants is
// confirmed per merchant by the settlement module).

const iso = (d: Date) => d.toISOString().slice(0, 10);
const dbDate = (s: string) => new Date(`${s}T00:00:00Z`);

/** The bill dates that settle on `settlementDate`: at D+1 the day before; at T+1 working days every day since the previous working day. */
export async function billDatesSettlingOn(tx: Tx, ctx: TenantContext, settlementDate: string, cycle: "T1" | "D1" = "T1"): Promise<string[]> {
  if (cycle === "D1") return [daysBefore(settlementDate, 1)];
  const overrides = await loadCalendarOverrides(tx, ctx, daysBefore(settlementDate, 40), addNaturalDays(settlementDate, 1));
  const first = previousWorkingDay(settlementDate, overrides);
  const dates: string[] = [];
  for (let d = first; d < settlementDate; d = addNaturalDays(d, 1)) dates.push(d);
  return dates;
}

export interface ExpectedSettlement {
  readonly settlementDate: string;
  readonly billDates: readonly string[];
  /** Bill dates with trades of ours but no current bill yet: the expectation is not known. */
  readonly missingBills: readonly string[];
  readonly expectedMinor: bigint;
}

/** What the channel should credit for `settlementDate`, from its own current bills. */
export async function expectedNetSettlement(tx: Tx, ctx: TenantContext, channelAccountId: string, settlementDate: string): Promise<ExpectedSettlement> {
  const account = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: channelAccountId }, select: { channelType: true, settlementCycle: true } });
  if (!account) throw notFound("Channel account");
  const atSource = connectorFor(account.channelType).attributes.feeCollection === "AT_SOURCE";
  const billDates = await billDatesSettlingOn(tx, ctx, settlementDate, account.settlementCycle === "D1" ? "D1" : "T1");
  const missingBills: string[] = [];
  let expectedMinor = 0n;
  for (const d of billDates) {
    const files = await tx.statementFile.findMany({ where: { tenantId: ctx.tenantId, channelAccountId, billDate: dbDate(d), status: "IMPORTED", format: { in: [...PAYMENT_FORMATS] } }, select: { id: true, billType: true } });
    if (files.length === 0) {
      const trades = await tx.payment.count({ where: { tenantId: ctx.tenantId, channelAccountId, businessDate: dbDate(d), status: "SUCCEEDED" } });
      if (trades > 0) missingBills.push(d);
      continue;
    }
    // An ALL bill lists everything; SUCCESS and REFUND bills are halves of it.
    const all = files.filter((f) => f.billType === "ALL");
    const ids = (all.length > 0 ? all : files).map((f) => f.id);
    const [sum] = await tx.$queryRaw<Array<{ settleable: bigint | null; fee: bigint | null }>>`
      SELECT sum(settleable_minor)::bigint AS settleable, sum(fee_minor)::bigint AS fee
        FROM statement_line
       WHERE tenant_id = ${ctx.tenantId}::uuid AND file_id = ANY(${ids}::uuid[])
         AND (kind = 'PAYMENT' OR (kind = 'REFUND' AND channel_status <> 'PROCESSING'))`;
    expectedMinor += (sum?.settleable ?? 0n) - (atSource ? (sum?.fee ?? 0n) : 0n);
  }
  return { settlementDate, billDates, missingBills, expectedMinor };
}

export interface FundsSummary extends ReconSummary {
  readonly settlements: ReadonlyArray<{ settlementDate: string; expectedMinor: bigint | null; creditedMinor: bigint; outcome: string }>;
}

async function summary(tx: Tx, ctx: TenantContext, fileId: string): Promise<FundsSummary> {
  const items = await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, fileId }, select: { itemKey: true, outcome: true, diffType: true, ourMinor: true, theirMinor: true } });
  const byOutcome: Record<string, number> = {};
  const differences: Record<string, number> = {};
  const settlements: Array<{ settlementDate: string; expectedMinor: bigint | null; creditedMinor: bigint; outcome: string }> = [];
  for (const i of items) {
    if (i.itemKey.startsWith("settlement:")) {
      settlements.push({ settlementDate: i.itemKey.slice("settlement:".length), expectedMinor: i.ourMinor, creditedMinor: i.theirMinor ?? 0n, outcome: i.outcome });
      continue;
    }
    byOutcome[i.outcome] = (byOutcome[i.outcome] ?? 0) + 1;
  }
  for (const i of items) if (i.itemKey.startsWith("settlement:") && i.outcome === "DIFFERENCE" && i.diffType) differences[i.diffType] = (differences[i.diffType] ?? 0) + 1;
  settlements.sort((a, b) => a.settlementDate.localeCompare(b.settlementDate));
  return { fileId, reconciled: items.length > 0, byOutcome, differences, settlements };
}

/**
 * Reconciles one IMPORTED bank credit file (one transaction). The first run writes an outcome for
 * every credit line and every settlement date; a later run re-evaluates only the dates that were
 * waiting for a bill, and otherwise changes nothing.
 */
export async function reconcileFundsFile(ctx: TenantContext, fileId: string): Promise<FundsSummary> {
  return withTenantTx(ctx.tenantId, async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM statement_file WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${fileId}::uuid FOR UPDATE`;
    const file = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: fileId } });
    if (!file) throw notFound("Statement file");
    if (file.format !== "BANK_CREDIT") throw new DomainError("PRECONDITION", "STATEMENT_NOT_CREDIT_FILE", "Funds reconciliation takes a bank credit file");
    if (file.status !== "IMPORTED") throw new DomainError("PRECONDITION", "STATEMENT_NOT_CURRENT", `Only the current credit file of a day is reconciled; this one is ${file.status.toLowerCase()}`);
    const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
    const existing = await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, fileId }, select: { id: true, itemKey: true, outcome: true } });

    const lines = await tx.statementLine.findMany({ where: { tenantId: ctx.tenantId, fileId, kind: "CREDIT" }, orderBy: { lineNo: "asc" }, select: { id: true, occurredAt: true, amountMinor: true, raw: true } });
    // Credits by value date (the settlement date); the statement's own date is expected to carry a credit even if none came.
    const byDate = new Map<string, { creditedMinor: bigint; lineIds: string[] }>();
    byDate.set(iso(file.billDate), { creditedMinor: 0n, lineIds: [] });
    for (const l of lines) {
      const valueDate = (l.raw as { valueDate?: string } | null)?.valueDate;
      const date = valueDate && /^\d{8}$/.test(valueDate) ? `${valueDate.slice(0, 4)}-${valueDate.slice(4, 6)}-${valueDate.slice(6, 8)}` : iso(file.billDate);
      const g = byDate.get(date) ?? { creditedMinor: 0n, lineIds: [] };
      g.creditedMinor += l.amountMinor;
      g.lineIds.push(l.id);
      byDate.set(date, g);
    }
    const done = new Map(existing.map((i) => [i.itemKey, i]));
    if (existing.length > 0 && !existing.some((i) => i.outcome === "PENDING")) return summary(tx, ctx, fileId);

    // Every date's bank credit and difference in one transaction: their accounts are locked first.
    if (tenant.settlementMode === "CUSTODIAL") {
      await lockAhead(tx, ctx, { refs: [accounts.clearing(file.channelAccountId), accounts.customerFundsBank, accounts.overageSuspense, accounts.shortageSuspense] });
    }
    for (const [settlementDate, g] of [...byDate.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const key = `settlement:${settlementDate}`;
      const before = done.get(key);
      if (before && before.outcome !== "PENDING") continue;
      const exp = await expectedNetSettlement(tx, ctx, file.channelAccountId, settlementDate);
      const pending = exp.missingBills.length > 0;
      const diff = g.creditedMinor - exp.expectedMinor;
      const outcome = pending ? "PENDING" : diff === 0n ? "MATCHED" : "DIFFERENCE";
      const diffType = outcome !== "DIFFERENCE" ? null : g.creditedMinor === 0n ? "FUNDS_MISSING" : "FUNDS_AMOUNT";
      const direction = outcome !== "DIFFERENCE" ? null : diff > 0n ? "OVERAGE" : "SHORTAGE";
      const note = pending
        ? `waiting for the bill of ${exp.missingBills.join(", ")}`
        : `bills of ${exp.billDates.join(", ") || "none"}: expected ${exp.expectedMinor}, credited ${g.creditedMinor}`;
      if (g.creditedMinor === 0n && exp.expectedMinor === 0n && !before) continue;
      const id = before?.id ?? randomUUID();
      const row = { outcome, diffType, direction, ourMinor: pending ? null : exp.expectedMinor, theirMinor: g.creditedMinor, diffMinor: pending ? 0n : diff, note: note.slice(0, 500) };
      if (before) await tx.reconItem.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: row });
      else await tx.reconItem.create({ data: { tenantId: ctx.tenantId, id, fileId, itemKey: key, lineId: g.lineIds[0] ?? null, channelAccountId: file.channelAccountId, billDate: dbDate(settlementDate), ...row } });
      // Each credit line is accounted for by its date's item (a difference is the date's, not a line's).
      for (const lineId of g.lineIds) {
        const lineRow = { outcome: pending ? "PENDING" : "MATCHED", note: `part of the settlement of ${settlementDate}` };
        const prior = done.get(lineId);
        if (prior) await tx.reconItem.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: prior.id } }, data: lineRow });
        else await tx.reconItem.create({ data: { tenantId: ctx.tenantId, fileId, itemKey: lineId, lineId, channelAccountId: file.channelAccountId, billDate: dbDate(settlementDate), ...lineRow } });
      }
      if (pending) continue;
      if (tenant.settlementMode === "CUSTODIAL") {
        if (exp.expectedMinor < 0n) throw new DomainError("INVARIANT", "FUNDS_NEGATIVE_SETTLEMENT", `The bills settling on ${settlementDate} net to ${exp.expectedMinor} fen: a channel debiting us is not reconciled automatically`);
        // The expected net moves from clearing into the bank; the difference is the exception's own entry (below),
        // so releasing or writing it off reverses exactly that part.
        await postEntry(tx, ctx, bankCreditNetSettlement(file.channelAccountId, accounts.customerFundsBank, exp.expectedMinor, exp.expectedMinor), {
          businessDate: settlementDate,
          idempotencyKey: `funds:${id}`,
          causeType: "recon_item",
          causeId: id,
          description: `Net settlement of ${settlementDate} credited by the bank (bills of ${exp.billDates.join(", ")})`,
        });
      }
      if (direction && diffType) {
        await raiseBankDifference(tx, ctx, tenant.settlementMode, {
          itemId: id,
          diffType,
          direction,
          amountMinor: diff < 0n ? -diff : diff,
          businessDate: settlementDate,
          description: `settlement of ${settlementDate}: expected ${exp.expectedMinor}, credited ${g.creditedMinor}`,
          details: { fileId, channelAccountId: file.channelAccountId, settlementDate, billDates: exp.billDates, expectedMinor: exp.expectedMinor.toString(), creditedMinor: g.creditedMinor.toString(), note },
        });
      }
    }
    return summary(tx, ctx, fileId);
  });
}
