import { DomainError } from "@/server/core/errors/domain-error";
import { registerProposalKind } from "@/server/core/proposals/registry";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { adjustment, type DraftLine } from "./templates";
import { getEntry, postEntry, reverseEntry } from "./service";
import { ZAdjustmentPayload, ZReversalPayload } from "./schema";

// Manual adjustments and reversals never post directly: they are proposals a second person approves.

registerProposalKind("ledger.adjustment", {
  async validate(tx, ctx, payload) {
    const p = ZAdjustmentPayload.parse(payload);
    const ids = [...new Set(p.lines.map((l) => l.accountId))];
    const accounts = await tx.ledgerAccount.findMany({ where: { tenantId: ctx.tenantId, id: { in: ids } }, select: { id: true, book: true, currency: true } });
    if (accounts.length !== ids.length) throw new DomainError("NOT_FOUND", "ACCOUNT_NOT_FOUND", "An adjustment line names an account that does not exist");
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const sums = new Map<string, bigint>();
    let total = 0n;
    for (const l of p.lines) {
      if (l.debitMinor < 0n || l.creditMinor < 0n || (l.debitMinor === 0n) === (l.creditMinor === 0n)) {
        throw new DomainError("BAD_INPUT", "ADJUSTMENT_LINE_INVALID", "Each line has either a debit or a credit, positive", { field: "lines" });
      }
      const a = byId.get(l.accountId)!;
      const k = `${a.book} ${a.currency}`;
      sums.set(k, (sums.get(k) ?? 0n) + l.debitMinor - l.creditMinor);
      total += l.debitMinor;
    }
    for (const [k, v] of sums) if (v !== 0n) throw new DomainError("INVARIANT", "UNBALANCED", `The adjustment does not balance in ${k}: off by ${v} minor units`, { field: "lines" });
    return { amountMinor: total };
  },
  async execute(tx, ctx, payload, proposal) {
    const p = ZAdjustmentPayload.parse(payload);
    const accounts = await tx.ledgerAccount.findMany({ where: { tenantId: ctx.tenantId, id: { in: p.lines.map((l) => l.accountId) } }, select: { id: true, book: true, code: true } });
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const lines: DraftLine[] = p.lines.map((l) => {
      const a = byId.get(l.accountId);
      if (!a) throw new DomainError("NOT_FOUND", "ACCOUNT_NOT_FOUND", "An adjustment line names an account that does not exist");
      return { account: { book: a.book, code: a.code }, amountMinor: l.debitMinor - l.creditMinor };
    });
    return postEntry(tx, ctx, adjustment(lines), {
      businessDate: p.businessDate,
      ...(p.correctsDate ? { correctsDate: p.correctsDate } : {}),
      description: p.description,
      idempotencyKey: `proposal:${proposal.id}`,
      causeType: "proposal",
      causeId: proposal.id,
    });
  },
});

registerProposalKind("ledger.reversal", {
  async validate(tx, ctx, payload) {
    const p = ZReversalPayload.parse(payload);
    const e = await getEntry(tx, ctx, p.entryId);
    if (e.reversedByEntryId) throw new DomainError("PRECONDITION", "ENTRY_ALREADY_REVERSED", "This entry has already been reversed");
    if (e.phase !== "POSTED") throw new DomainError("PRECONDITION", "ENTRY_NOT_REVERSIBLE", "Pending entries are voided through their hold, not reversed");
    const total = e.postings.reduce((s, x) => s + (x.amountMinor > 0n ? x.amountMinor : 0n), 0n);
    return { amountMinor: total };
  },
  async execute(tx, ctx, payload, proposal) {
    const p = ZReversalPayload.parse(payload);
    // A reversal of an entry whose business date is closed is a correction of that date: it posts
    // in the open period and names the date it corrects (ARCHITECTURE §3), whoever proposed it and
    // however. Decided here, at approval, because the date may have closed since the proposal.
    const correctsDate = p.correctsDate ?? (await closedDateOf(tx, ctx, p.entryId));
    return reverseEntry(tx, ctx, p.entryId, {
      businessDate: p.businessDate,
      ...(correctsDate ? { correctsDate } : {}),
      description: p.description,
      idempotencyKey: `proposal:${proposal.id}`,
    });
  },
});

/** The entry's business date if that date is closed, else undefined. */
async function closedDateOf(tx: Tx, ctx: TenantContext, entryId: string): Promise<string | undefined> {
  const e = await tx.journalEntry.findFirst({ where: { tenantId: ctx.tenantId, id: entryId }, select: { businessDate: true } });
  if (!e) return undefined;
  const day = await tx.businessDay.findFirst({ where: { tenantId: ctx.tenantId, businessDate: e.businessDate, status: "CLOSED" }, select: { businessDate: true } });
  return day ? e.businessDate.toISOString().slice(0, 10) : undefined;
}

export const LEDGER_PROPOSAL_KINDS = ["ledger.adjustment", "ledger.reversal"] as const;
