import { randomUUID } from "node:crypto";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { lockAhead } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { applyPayoutResult, payoutResultAccounts, payoutSelect } from "@/server/core/payouts/apply";
import { canMovePayout } from "@/server/core/payouts/state";
import type { PayoutStatus } from "@/server/db/generated/prisma/enums";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { raiseBankDifference } from "./bank-differences";
import type { ReconSummary } from "./reconcile";

// A bank's payout result file (SWYRES01, parsers/bank-files.ts) applied to our payouts (issue 6,
// CUSTODIAL). Each line is matched by our payout no. and its verdict applied through the same
// path as the bank connector's answers (payouts/apply.ts): SUCCEEDED posts in transit → bank,
// FAILED returns the money to its source (wallet or merchant payable) with the merchant's webhook,
// RETURNED (退汇) re-credits the source. A failure is never an exception. A payout the file leaves
// out is still processing and stays IN_TRANSIT for a later file.
//
// What the file says that our books cannot take is an exception (kind RECON_<type>):
//   PAYOUT_UNKNOWN  a payout no. we never issued
//   PAYOUT_AMOUNT   the bank's amount differs from ours (the verdict is still applied: the bank
//                   did act on it; the difference of money is the exception's)
//   PAYOUT_STATUS   a verdict that contradicts a final state of ours (failed at the bank, paid here;
//                   paid at the bank, failed or never released here)
// The money of a difference is compared as "money out of the bank": the bank's (SUCCEEDED: its
// amount; FAILED, RETURNED: nothing) against ours after applying (SUCCEEDED: our amount; else
// nothing). More left the bank than we booked → 短款 (Dr shortage suspense / Cr bank); less → 长款
// (Dr bank / Cr overage suspense), each its own entry keyed `recon:<item>` like the transaction
// reconciliation's, so Σ open items per direction stays the suspense balance and the write-off
// proposal works unchanged. A difference that moves no money (an amount differing on a failure,
// a return of a payout we never knew) is an exception without a direction or posting.
//
// Outcomes are recon_item rows written once per file, so applying the file again answers them.

type Verdict = "SUCCEEDED" | "FAILED" | "RETURNED";
const VERDICTS: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED", "RETURNED"]);

/** Money out of the bank by a payout in this state, for the comparison above. */
const outOfBank = (status: PayoutStatus | Verdict | null, amountMinor: bigint): bigint => (status === "SUCCEEDED" ? amountMinor : 0n);

/** Whether the bank's verdict agrees with our state after applying it (a stale SUCCEEDED after our RETURNED is agreement). */
const agrees = (verdict: Verdict, ours: PayoutStatus) => verdict === ours || (verdict === "SUCCEEDED" && ours === "RETURNED");

function reasonOf(raw: unknown): string {
  if (!raw || typeof raw !== "object") return "";
  const r = raw as Record<string, unknown>;
  return [r.reasonCode, r.reason].filter((x): x is string => typeof x === "string" && x !== "").join(" ");
}

interface Item {
  id: string;
  itemKey: string;
  lineId: string;
  outcome: "MATCHED" | "DIFFERENCE";
  diffType?: "PAYOUT_UNKNOWN" | "PAYOUT_AMOUNT" | "PAYOUT_STATUS";
  direction?: "OVERAGE" | "SHORTAGE";
  ourMinor?: bigint;
  theirMinor: bigint;
  diffMinor: bigint;
  note: string;
  payoutId?: string;
  outPayoutNo: string;
  verdict: Verdict;
  ourStatus?: PayoutStatus;
}

export interface PayoutResultSummary extends ReconSummary {
  readonly applied: Readonly<Record<string, number>>;
}

async function summary(tx: Tx, ctx: TenantContext, fileId: string, applied: Record<string, number> = {}): Promise<PayoutResultSummary> {
  const items = await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, fileId }, select: { outcome: true, diffType: true } });
  const byOutcome: Record<string, number> = {};
  const differences: Record<string, number> = {};
  for (const i of items) {
    byOutcome[i.outcome] = (byOutcome[i.outcome] ?? 0) + 1;
    if (i.diffType && i.outcome === "DIFFERENCE") differences[i.diffType] = (differences[i.diffType] ?? 0) + 1;
  }
  return { fileId, reconciled: items.length > 0, byOutcome, differences, applied };
}

/** Applies one IMPORTED payout result file, in one transaction; a second run answers the first's outcomes. */
export async function applyPayoutResultFile(ctx: TenantContext, fileId: string): Promise<PayoutResultSummary> {
  return withTenantTx(ctx.tenantId, async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM statement_file WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${fileId}::uuid FOR UPDATE`;
    const file = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: fileId } });
    if (!file) throw notFound("Statement file");
    if (file.format !== "BANK_PAYOUT_RESULT") throw new DomainError("PRECONDITION", "STATEMENT_NOT_PAYOUT_RESULT", "Only a bank payout result file is applied to payouts");
    if (file.status !== "IMPORTED") throw new DomainError("PRECONDITION", "STATEMENT_NOT_CURRENT", `Only the current result file is applied; this one is ${file.status.toLowerCase()}`);
    if ((await tx.reconItem.count({ where: { tenantId: ctx.tenantId, fileId } })) > 0) return summary(tx, ctx, fileId);

    const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
    const lines = await tx.statementLine.findMany({ where: { tenantId: ctx.tenantId, fileId, kind: "PAYOUT_RESULT" }, orderBy: { lineNo: "asc" } });
    const numbers = lines.map((l) => l.outPayoutNo).filter((n): n is string => !!n);
    const payouts = numbers.length ? await tx.payout.findMany({ where: { tenantId: ctx.tenantId, outPayoutNo: { in: numbers } }, select: payoutSelect }) : [];
    const byNo = new Map(payouts.map((p) => [p.outPayoutNo, p]));
    // The whole file in one transaction: every account its results and differences can touch, locked first.
    if (tenant.settlementMode === "CUSTODIAL") {
      await lockAhead(tx, ctx, { refs: [...payouts.flatMap(payoutResultAccounts), accounts.overageSuspense, accounts.shortageSuspense] });
    }
    const items: Item[] = [];
    const applied: Record<string, number> = {};

    for (const line of lines) {
      const outPayoutNo = line.outPayoutNo ?? "";
      if (!VERDICTS.has(line.channelStatus)) throw new DomainError("INVARIANT", "PAYOUT_RESULT_UNKNOWN_VERDICT", `Line ${line.lineNo}: "${line.channelStatus}" is not a payout verdict`);
      const verdict = line.channelStatus as Verdict;
      const theirs = line.amountMinor;
      const base = { id: randomUUID(), itemKey: line.id, lineId: line.id, outPayoutNo, verdict, theirMinor: theirs };
      const p = byNo.get(outPayoutNo);
      if (!p) {
        const diff = -outOfBank(verdict, theirs);
        items.push({ ...base, outcome: "DIFFERENCE", diffType: "PAYOUT_UNKNOWN", ...(diff !== 0n ? { direction: diff > 0n ? "OVERAGE" : "SHORTAGE" } : {}), diffMinor: diff, note: `payout ${outPayoutNo} ${verdict.toLowerCase()} at the bank, unknown here` });
        continue;
      }
      let ours: PayoutStatus = p.status;
      // The connector's path: in transit → a verdict, paid → returned, the same verdict again → nothing.
      if (ours !== verdict && canMovePayout(ours === "IN_TRANSIT" && verdict === "RETURNED" ? "SUCCEEDED" : ours, verdict)) {
        const after = await applyPayoutResult(
          tx,
          ctx,
          p.id,
          {
            status: verdict,
            ...(verdict !== "SUCCEEDED" ? { failure: { code: verdict === "FAILED" ? "BANK_FAILED" : "BANK_RETURNED", message: reasonOf(line.raw) || `the bank's result file: ${verdict.toLowerCase()}` } } : {}),
          },
          "RESULT_FILE",
        );
        applied[verdict] = (applied[verdict] ?? 0) + 1;
        ours = after.status;
      }
      const diff = outOfBank(ours, p.amountMinor) - outOfBank(verdict, theirs);
      const direction = diff > 0n ? "OVERAGE" : diff < 0n ? "SHORTAGE" : undefined;
      const onPayout = { payoutId: p.id, ourMinor: p.amountMinor, ourStatus: ours };
      if (!agrees(verdict, ours)) {
        items.push({ ...base, ...onPayout, outcome: "DIFFERENCE", diffType: "PAYOUT_STATUS", ...(direction ? { direction } : {}), diffMinor: diff, note: `${verdict.toLowerCase()} at the bank, ${ours.toLowerCase()} here` });
      } else if (theirs !== p.amountMinor) {
        items.push({ ...base, ...onPayout, outcome: "DIFFERENCE", diffType: "PAYOUT_AMOUNT", ...(direction ? { direction } : {}), diffMinor: diff, note: `the bank's ${theirs} fen against our ${p.amountMinor} (${verdict.toLowerCase()})` });
      } else {
        items.push({ ...base, ...onPayout, outcome: "MATCHED", diffMinor: 0n, note: `${verdict.toLowerCase()}` });
      }
    }

    if (items.length > 0) {
      await tx.reconItem.createMany({
        data: items.map((i) => ({
          tenantId: ctx.tenantId,
          id: i.id,
          fileId,
          itemKey: i.itemKey,
          lineId: i.lineId,
          channelAccountId: file.channelAccountId,
          billDate: file.billDate,
          outcome: i.outcome,
          diffType: i.diffType ?? null,
          direction: i.direction ?? null,
          ourMinor: i.ourMinor ?? null,
          theirMinor: i.theirMinor,
          diffMinor: i.diffMinor,
          note: `${i.outPayoutNo}: ${i.note}`.slice(0, 500),
        })),
      });
    }
    const billDate = file.billDate.toISOString().slice(0, 10);
    for (const i of items) {
      if (i.outcome !== "DIFFERENCE") continue;
      const amountMinor = i.diffMinor < 0n ? -i.diffMinor : i.diffMinor;
      await raiseBankDifference(tx, ctx, tenant.settlementMode, {
        itemId: i.id,
        diffType: i.diffType ?? "PAYOUT_UNKNOWN",
        direction: i.direction ?? null,
        // A difference without money shows the bank's amount.
        amountMinor: amountMinor > 0n ? amountMinor : i.theirMinor,
        businessDate: billDate,
        description: `payout ${i.outPayoutNo}, result file of ${billDate}: ${i.note}`,
        details: {
          fileId,
          lineId: i.lineId,
          payoutId: i.payoutId ?? null,
          outPayoutNo: i.outPayoutNo,
          bankVerdict: i.verdict,
          ourStatus: i.ourStatus ?? null,
          bankAmountMinor: i.theirMinor.toString(),
          ourAmountMinor: i.ourMinor?.toString() ?? null,
          note: i.note,
        },
      });
    }
    return summary(tx, ctx, fileId, applied);
  });
}
