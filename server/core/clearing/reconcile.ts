import { randomUUID } from "node:crypto";
import type { Prisma, ReconItem } from "@/server/db/generated/prisma/client";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { differenceLockRefs, raiseDifference, releaseByLateLine } from "./exceptions";
import { applyRefundResult } from "@/server/core/payments/refunds";
import { applyOrRecordContradiction, paymentLockRefs } from "@/server/core/payments/service";
import { connectorConfig } from "@/server/core/channels/accounts";
import { lockAhead } from "@/server/core/ledger/service";
import { BATCH_TX_TIMEOUT_MS, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { customerRefundNos } from "./customer-refunds";
import { PAYMENT_FORMATS } from "./parsers/types";

// Transaction reconciliation, first slice (issue 6): the lines of an imported payment statement
// against our payments and refunds. Every line ends in exactly one outcome, and so does every
// succeeded payment of ours for the account and day that the file lacks:
//
//   MATCHED     the settleable amounts agree (a fee differing by at most the tenant's fee tolerance,
//               recon_fee_tolerance_minor, is accepted, noted and counted in the file summary's
//               withinTolerance). The settleable amount is what the channel pays or takes back:
//               WeChat's 应结订单金额 / 退款金额, Alipay's 商家实收, the order less the coupons the
//               merchant funds; a coupon of that kind is an AMOUNT 短款 (the order's amount was booked)
//   DIFFERENCE  with a type (CHANNEL_ONLY, PLATFORM_ONLY, AMOUNT, STATUS, FEE, UNKNOWN_SUB_MERCHANT)
//               and a direction decided by money: more than booked → OVERAGE (长款), less → SHORTAGE
//               (短款); a channel-only refund is a shortage
//   PENDING     a refund the channel still shows processing; a payment of ours the file lacks,
//               waiting in the cross-day pool (it may be on the next day's bill)
//   RELEASED    a pooled payment that a later file showed after all; a refund the channel showed
//               processing that a later file showed final
//
// A payment or refund is matched once: a second line for it (in the same bill or a later one) is
// money shown twice, a CHANNEL_ONLY difference (长款 for a payment, 短款 for a refund) that names
// the line that matched first.
//
// What the statement proves moves our records the way a channel answer would: a payment we hold
// PROCESSING becomes SUCCEEDED (or CLOSED for a revoked line); a success on a payment we hold FAILED
// or CLOSED is a LATE_SUCCESS (the payment application's policy); a refund we hold PROCESSING
// succeeds. A file is reconciled once: running it again answers the stored outcomes.
//
// Every DIFFERENCE opens an exception (kind RECON_<type>) and, for a CUSTODIAL tenant, posts its
// own suspense entry in the same transaction: Dr clearing / Cr overage suspense for 长款, Dr
// shortage suspense / Cr clearing for 短款, so Σ open reconciliation exceptions per direction equals
// the suspense account's balance (tested). DIRECT tenants hold no clearing account: the channel
// owes their merchants directly, so their differences are exceptions without postings.
//
// A payment of ours missing from the bill waits in the cross-day pool; once the tenant's pool days
// (recon_pool_days; 0: at once) of later bills of the account have been reconciled without it, it
// becomes a PLATFORM_ONLY 短款. So
// does a refund we booked as succeeded that a bill listing refunds lacks, as a 长款 (the money we
// booked out is still with the channel): a REFUND bill, an ALL bill of a format that lists every
// refund, or any bill with refund lines of its own (a payments-only export says nothing of refunds).
//
// The exception queue (exceptions.ts, resolutions.ts) works the differences: a late line releases an
// expired pool difference here; a difference sent back to the pool by an approved WAIT expires again
// after its pool_until date and is raised again (reopened). Not yet: funds reconciliation.

const PAYMENT_FORMAT_SET: ReadonlySet<string> = new Set(PAYMENT_FORMATS);
/** Lines read, matched and written per round. SWITCHYARD_RECON_CHUNK overrides it (tests use a tiny one to cross rounds). */
const RECON_CHUNK = 2_000;
const reconChunk = () => Number(process.env.SWITCHYARD_RECON_CHUNK) || RECON_CHUNK;
// Only what matching reads (not a line's raw columns, which can be most of its bytes).
const LINE_FIELDS = { id: true, lineNo: true, kind: true, channelStatus: true, occurredAt: true, outTradeNo: true, channelTradeNo: true, outRefundNo: true, channelRefundNo: true, subMerchant: true, amountMinor: true, settleableMinor: true, feeMinor: true } as const;
const PAYMENT_FIELDS = { id: true, outTradeNo: true, status: true, failureCode: true, amountMinor: true, costMinor: true } as const;
type ReconPayment = Prisma.PaymentGetPayload<{ select: typeof PAYMENT_FIELDS }>;
// A refund line's status as the channel prints it (WeChat 退款状态; a template's status column):
// closed or failed at the channel (it refunded nothing), abnormal (the payer's account could not
// take it: our refund's own query and resolution handle it), or else refunded.
const REFUND_CLOSED_STATUSES: ReadonlySet<string> = new Set(["REFUNDCLOSE", "CLOSED", "FAIL", "FAILED"]);
const REFUND_ABNORMAL_STATUSES: ReadonlySet<string> = new Set(["CHANGE", "ABNORMAL"]);
const REFUND_FIELDS = { id: true, outRefundNo: true, status: true, amountMinor: true } as const;

type Outcome = "MATCHED" | "DIFFERENCE" | "PENDING" | "RELEASED";

interface Item {
  itemKey: string;
  lineId?: string;
  outcome: Outcome;
  diffType?: string;
  direction?: "OVERAGE" | "SHORTAGE";
  paymentId?: string;
  refundId?: string;
  ourMinor?: bigint;
  theirMinor?: bigint;
  diffMinor?: bigint;
  note?: string;
}

export interface ReconSummary {
  readonly fileId: string;
  readonly reconciled: boolean;
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly differences: Readonly<Record<string, number>>;
  /**
   * Payment statements: MATCHED items whose fee differed within the tenant's tolerance (stored with
   * their diffMinor). Other statements' summaries (funds, payout results…) extend this type without it.
   */
  readonly withinTolerance?: number;
}

const difference = (direction: "OVERAGE" | "SHORTAGE", diffType: string, rest: Omit<Item, "outcome" | "direction" | "diffType">): Item => ({ ...rest, outcome: "DIFFERENCE", diffType, direction });
const byMoney = (diffMinor: bigint): "OVERAGE" | "SHORTAGE" => (diffMinor > 0n ? "OVERAGE" : "SHORTAGE");

/** The outcomes of a reconciled file (its last round has finished). */
async function summary(tx: Tx, ctx: TenantContext, fileId: string): Promise<ReconSummary> {
  // A fee matched within tolerance is the one MATCHED item stored with a diff_minor.
  const groups = await tx.$queryRaw<Array<{ outcome: string; diffType: string | null; count: number; withinTolerance: number }>>`
    SELECT outcome, diff_type AS "diffType", count(*)::int AS count, (count(*) FILTER (WHERE outcome = 'MATCHED' AND diff_minor <> 0))::int AS "withinTolerance"
      FROM recon_item WHERE tenant_id = ${ctx.tenantId}::uuid AND file_id = ${fileId}::uuid
     GROUP BY outcome, diff_type`;
  const byOutcome: Record<string, number> = {};
  const differences: Record<string, number> = {};
  let withinTolerance = 0;
  for (const g of groups) {
    byOutcome[g.outcome] = (byOutcome[g.outcome] ?? 0) + g.count;
    if (g.diffType && g.outcome === "DIFFERENCE") differences[g.diffType] = (differences[g.diffType] ?? 0) + g.count;
    withinTolerance += g.withinTolerance;
  }
  return { fileId, reconciled: true, byOutcome, differences, withinTolerance };
}

/** Writes a round's outcomes, then raises each difference (its exception and, CUSTODIAL, its suspense entry). */
async function writeItems(tx: Tx, ctx: TenantContext, mode: "DIRECT" | "CUSTODIAL", file: { id: string; channelAccountId: string; billDate: Date }, items: readonly Item[]): Promise<void> {
  if (items.length === 0) return;
  const data = items.map((i) => ({ ...i, id: randomUUID() }));
  const col = <T,>(pick: (i: (typeof data)[number]) => T) => data.map(pick);
  const minor = (v: bigint | undefined) => (v === undefined ? null : v.toString());
  // One statement per round (an ORM createMany of thousands of rows costs ~0.25 ms a row here).
  await tx.$executeRaw`
    INSERT INTO recon_item (tenant_id, id, file_id, item_key, line_id, channel_account_id, bill_date, outcome, diff_type, direction, payment_id, refund_id, our_minor, their_minor, diff_minor, note)
    SELECT ${ctx.tenantId}::uuid, u.id, ${file.id}::uuid, u.item_key, u.line_id, ${file.channelAccountId}::uuid, ${file.billDate}::date, u.outcome, u.diff_type, u.direction,
           u.payment_id, u.refund_id, u.our_minor, u.their_minor, u.diff_minor, u.note
      FROM unnest(${col((i) => i.id)}::uuid[], ${col((i) => i.itemKey)}::text[], ${col((i) => i.lineId ?? null)}::uuid[], ${col((i) => i.outcome)}::text[],
                  ${col((i) => i.diffType ?? null)}::text[], ${col((i) => i.direction ?? null)}::text[], ${col((i) => i.paymentId ?? null)}::uuid[], ${col((i) => i.refundId ?? null)}::uuid[],
                  ${col((i) => minor(i.ourMinor))}::bigint[], ${col((i) => minor(i.theirMinor))}::bigint[], ${col((i) => (i.diffMinor ?? 0n).toString())}::bigint[], ${col((i) => i.note ?? null)}::text[])
        AS u(id, item_key, line_id, outcome, diff_type, direction, payment_id, refund_id, our_minor, their_minor, diff_minor, note)`;
  const billDate = file.billDate.toISOString().slice(0, 10);
  for (const d of data) {
    if (d.outcome !== "DIFFERENCE" || !d.direction) continue;
    await recordDifference(tx, ctx, mode, { id: d.id, fileId: file.id, channelAccountId: file.channelAccountId, billDate, direction: d.direction, diffType: d.diffType ?? "UNKNOWN", diffMinor: d.diffMinor ?? 0n, lineId: d.lineId ?? null, paymentId: d.paymentId ?? null, refundId: d.refundId ?? null, note: d.note ?? null });
  }
}

/** What a round reads of its file. */
type ReconFile = { id: string; channelAccountId: string; billDate: Date; billType: string; format: string };

/** Formats whose ALL bill lists every refund of the day (a day without refund rows had none). */
const REFUND_LISTING_FORMATS: ReadonlySet<string> = new Set(["WECHAT_TRADE_BILL", "ALIPAY_BUSINESS_DETAIL"]);

/**
 * Reconciles one IMPORTED payment statement, round by round (reconcileRound) until its last round;
 * a run of a reconciled file answers the stored outcomes, a run after a failed round goes on from
 * the last round that committed.
 */
export async function reconcileStatementFile(ctx: TenantContext, fileId: string): Promise<ReconSummary> {
  for (;;) {
    const done = await reconcileRound(ctx, fileId);
    if (done) return done;
  }
}

/**
 * One round of a file's reconciliation, in its own transaction: the next RECON_CHUNK lines after
 * the file's recon_line_no, or, with none left, the last round (our payments the file lacks, the
 * cross-day pool) that marks the file reconciled. Returns the summary once the file is reconciled,
 * null while lines remain. Each round locks only the accounts its own lines can touch, so refunds
 * and payments of the tenant wait for a round, not for the whole file. Two runs of one file take
 * turns on the file's row: each round reads where the previous one stopped.
 */
export async function reconcileRound(ctx: TenantContext, fileId: string): Promise<ReconSummary | null> {
  return withTenantTx(ctx.tenantId, async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM statement_file WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${fileId}::uuid FOR UPDATE`;
    const file = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: fileId } });
    if (!file) throw notFound("Statement file");
    if (file.status !== "IMPORTED") throw new DomainError("PRECONDITION", "STATEMENT_NOT_CURRENT", `Only the current statement of a day is reconciled; this one is ${file.status.toLowerCase()}`);
    if (!PAYMENT_FORMAT_SET.has(file.format)) throw new DomainError("PRECONDITION", "STATEMENT_NOT_RECONCILABLE", "Only payment statements are reconciled against payments and refunds so far");
    if (file.reconciledAt) return summary(tx, ctx, fileId);

    // The tolerance and pool days are read each round: a change applies from the next round.
    const { settlementMode: mode, reconFeeToleranceMinor: feeTolerance, reconPoolDays: poolDays } = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true, reconFeeToleranceMinor: true, reconPoolDays: true } });
    const lines = await tx.statementLine.findMany({ where: { tenantId: ctx.tenantId, fileId, lineNo: { gt: file.reconLineNo } }, orderBy: { lineNo: "asc" }, take: reconChunk(), select: LINE_FIELDS });
    if (lines.length > 0) {
      await reconcileLines(tx, ctx, mode, file, lines, feeTolerance);
      await tx.statementFile.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: fileId } }, data: { reconLineNo: lines[lines.length - 1]!.lineNo } });
      return null;
    }
    await finishFile(tx, ctx, mode, file, poolDays);
    await tx.statementFile.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: fileId } }, data: { reconciledAt: new Date() } });
    return summary(tx, ctx, fileId);
  }, { timeoutMs: BATCH_TX_TIMEOUT_MS });
}

type Line = Prisma.StatementLineGetPayload<{ select: typeof LINE_FIELDS }>;

/** A round's lines: every account they can touch locked first, then each line's outcome, written (and its difference raised) at the end. */
async function reconcileLines(tx: Tx, ctx: TenantContext, mode: "DIRECT" | "CUSTODIAL", file: ReconFile, lines: readonly Line[], feeTolerance: bigint): Promise<void> {
  const from = lines[0]!.lineNo;
  const to = lines[lines.length - 1]!.lineNo;
  // The round may settle payments, post differences and release suspense: every account it can
  // touch is locked first, in order (joined in the database: a round's payments and refunds).
  const unsettled = await tx.$queryRaw<Array<{ merchantId: string; channelAccountId: string; walletId: string | null }>>`
    SELECT DISTINCT p.merchant_id AS "merchantId", p.channel_account_id AS "channelAccountId", p.wallet_id AS "walletId"
      FROM statement_line l JOIN payment p ON p.tenant_id = l.tenant_id AND p.out_trade_no = l.out_trade_no
     WHERE l.tenant_id = ${ctx.tenantId}::uuid AND l.file_id = ${file.id}::uuid AND l.line_no BETWEEN ${from} AND ${to}
       AND p.channel_account_id = ${file.channelAccountId}::uuid AND p.status <> 'SUCCEEDED'`;
  // A recharge's refund posts to its wallet: locked with the rest.
  const refunds = await tx.$queryRaw<Array<{ merchantId: string; channelAccountId: string; walletId: string | null }>>`
    SELECT DISTINCT r.merchant_id AS "merchantId", p.channel_account_id AS "channelAccountId", p.wallet_id AS "walletId"
      FROM statement_line l JOIN refund r ON r.tenant_id = l.tenant_id AND r.out_refund_no = l.out_refund_no
      JOIN payment p ON p.tenant_id = r.tenant_id AND p.id = r.payment_id
     WHERE l.tenant_id = ${ctx.tenantId}::uuid AND l.file_id = ${file.id}::uuid AND l.line_no BETWEEN ${from} AND ${to} AND r.status = 'PROCESSING'`;
  await lockAhead(tx, ctx, {
    refs: [...paymentLockRefs(mode, [...unsettled, ...refunds]), ...(mode === "CUSTODIAL" ? await differenceLockRefs(tx, ctx, file.channelAccountId) : [])],
  });

  const registrations = await tx.merchantChannelRegistration.findMany({ where: { tenantId: ctx.tenantId, channelAccountId: file.channelAccountId }, select: { subMchId: true, smid: true, acquirerMerchantNo: true } });
  const known = new Set(registrations.flatMap((r) => [r.subMchId, r.smid, r.acquirerMerchantNo].filter((x): x is string => !!x)));
  // A bank acquirer's file prints the account's own merchant ID (params.merId) on every line of it.
  const own = (await connectorConfig(tx, ctx, file.channelAccountId)).params.merId;
  if (own) known.add(own);
  const billDate = file.billDate.toISOString().slice(0, 10);
  // The round's payments, refunds and pooled items, one query apiece.
  const items: Item[] = [];
  // A refund line without a refund number may be a reversal's (Alipay prints a 撤销 as a 退款 row
  // naming only the trade): its trade is read too.
  const tradeNos = [...new Set(lines.flatMap((l) => ((l.kind === "PAYMENT" || l.kind === "REVOKED" || (l.kind === "REFUND" && !l.outRefundNo)) && l.outTradeNo ? [l.outTradeNo] : [])))];
  const refundNos = [...new Set(lines.flatMap((l) => (l.kind === "REFUND" && l.outRefundNo ? [l.outRefundNo] : [])))];
  const paymentsByNo = new Map((tradeNos.length ? await tx.payment.findMany({ where: { tenantId: ctx.tenantId, channelAccountId: file.channelAccountId, outTradeNo: { in: tradeNos } }, select: PAYMENT_FIELDS }) : []).map((p) => [p.outTradeNo, p]));
  const refundsByNo = new Map((refundNos.length ? await tx.refund.findMany({ where: { tenantId: ctx.tenantId, outRefundNo: { in: refundNos } }, select: REFUND_FIELDS }) : []).map((r) => [r.outRefundNo, r]));
  // Refunds we asked for of payments only the channel showed (customer-refunds.ts).
  const ours = await customerRefundNos(tx, ctx, refundNos.filter((n) => !refundsByNo.has(n)));
  const pooled = paymentsByNo.size
    ? await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, paymentId: { in: [...paymentsByNo.values()].map((p) => p.id) }, diffType: "PLATFORM_ONLY", outcome: { in: ["PENDING", "DIFFERENCE"] } }, select: { id: true, paymentId: true, outcome: true } })
    : [];
  // Refunds a bill showed processing, or that a bill lacked, wait in the pending pool until a bill
  // shows them final; one whose pool expired into a 长款 is released with its suspense entry.
  const waitingRefunds = refundsByNo.size
    ? await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, refundId: { in: [...refundsByNo.values()].map((r) => r.id) }, OR: [{ outcome: "PENDING" }, { outcome: "DIFFERENCE", diffType: "PLATFORM_ONLY" }] }, select: { id: true, refundId: true, outcome: true } })
    : [];
  // Trades this bill shows paid and then reversed (ZM prints the consume line and a void line;
  // Alipay a 交易 row and a 撤销 退款 row without a refund number): their two lines net to nothing.
  const notSucceeded = [...paymentsByNo.values()].filter((p) => p.status !== "SUCCEEDED").map((p) => p.outTradeNo);
  const reversedOnBill = new Set(
    notSucceeded.length
      ? (
          await tx.$queryRaw<Array<{ no: string }>>`
            SELECT DISTINCT l.out_trade_no AS no FROM statement_line l
             WHERE l.tenant_id = ${ctx.tenantId}::uuid AND l.file_id = ${file.id}::uuid AND l.out_trade_no = ANY (${notSucceeded}::text[])
               AND (l.kind = 'REVOKED' OR (l.kind = 'REFUND' AND l.out_refund_no IS NULL))`
        ).map((r) => r.no)
      : [],
  );
  const released: string[] = [];
  const seen = await matchedBefore(tx, ctx, file, [...paymentsByNo.values()].map((p) => p.id), [...refundsByNo.keys()]);
  // Reversals of succeeded payments (reversePayment records them as REVERSAL refunds, with a refund
  // number the channel never saw): the bill's trade-only refund row for one is it.
  const tradeOnlyRefunds = lines.some((l) => l.kind === "REFUND" && !l.outRefundNo && l.outTradeNo);
  const reversalRefunds = tradeOnlyRefunds && paymentsByNo.size
    ? await tx.refund.findMany({ where: { tenantId: ctx.tenantId, paymentId: { in: [...paymentsByNo.values()].map((p) => p.id) }, origin: "REVERSAL", status: "SUCCEEDED" }, select: { id: true, paymentId: true, amountMinor: true } })
    : [];
  /** Ours, not succeeded, of a trade the bill shows paid and reversed: closed by the statement if still processing. */
  const asReversed = async (p: ReconPayment): Promise<boolean> => {
    if (p.status === "SUCCEEDED" || !reversedOnBill.has(p.outTradeNo)) return false;
    if (p.status === "PROCESSING") {
      const closed = await applyOrRecordContradiction(tx, ctx, p.id, { status: "CLOSED", failure: { code: "REVOKED", message: "the channel's statement shows the trade paid and reversed" } }, "STATEMENT");
      p.status = closed.status;
      p.failureCode = closed.failureCode;
    }
    return p.status !== "SUCCEEDED";
  };
  /**
   * A second line for a payment or refund already matched: the money shown twice, a CHANNEL_ONLY
   * difference (a payment's 长款 of its settleable amount, a refund's 短款).
   */
  const shownTwice = (id: string, line: Line, what: string): Item | null => {
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, `line ${line.lineNo} of this bill`);
      return null;
    }
    const note = `${what} shown again: already on ${first}`;
    if (line.kind === "REFUND") return difference("SHORTAGE", "CHANNEL_ONLY", { itemKey: line.id, lineId: line.id, theirMinor: -line.settleableMinor, diffMinor: line.settleableMinor, note });
    return difference("OVERAGE", "CHANNEL_ONLY", { itemKey: line.id, lineId: line.id, theirMinor: line.settleableMinor, diffMinor: line.settleableMinor, note });
  };

  for (const line of lines) {
    const key = { itemKey: line.id, lineId: line.id };
    if (line.kind === "PAYMENT" || line.kind === "REVOKED") {
      const p = line.outTradeNo ? paymentsByNo.get(line.outTradeNo) : undefined;
      if (!p) {
        const unknown = line.subMerchant !== null && known.size > 0 && !known.has(line.subMerchant);
        if (line.kind === "REVOKED") items.push({ ...key, outcome: "MATCHED", note: "a revoked trade we never recorded: no money" });
        else items.push(difference("OVERAGE", unknown ? "UNKNOWN_SUB_MERCHANT" : "CHANNEL_ONLY", { ...key, theirMinor: line.settleableMinor, diffMinor: line.settleableMinor }));
        continue;
      }
      if (line.kind === "REVOKED") {
        // The channel reversed it: no money. Ours must be closed (a processing one is closed now).
        let status = p.status;
        if (status === "PROCESSING") p.status = status = (await applyOrRecordContradiction(tx, ctx, p.id, { status: "CLOSED", failure: { code: "REVOKED", message: "the channel's statement shows the trade revoked" } }, "STATEMENT")).status;
        if (status === "SUCCEEDED") items.push(difference("SHORTAGE", "STATUS", { ...key, paymentId: p.id, ourMinor: p.amountMinor, theirMinor: 0n, diffMinor: -p.amountMinor, note: "revoked at the channel, succeeded here" }));
        else items.push({ ...key, outcome: "MATCHED", paymentId: p.id, note: "revoked" });
        continue;
      }
      const twice = shownTwice(p.id, line, `payment ${p.outTradeNo}`);
      if (twice) {
        items.push(twice);
        continue;
      }
      // Paid and reversed on the same bill: no money moved. Ours closes if it was still processing;
      // a closed or failed one is no late success (the payer has the money back already).
      if (line.kind === "PAYMENT" && (await asReversed(p))) {
        items.push({ ...key, outcome: "MATCHED", paymentId: p.id, note: "paid, then reversed on the same bill" });
        continue;
      }
      let status = p.status;
      let note: string | undefined;
      if (status !== "SUCCEEDED") {
        // The statement proves the success: a processing payment succeeds; a failed or closed one is a late success.
        const after = await applyOrRecordContradiction(tx, ctx, p.id, { status: "SUCCEEDED", ...(line.channelTradeNo ? { channelTradeNo: line.channelTradeNo } : {}), ...(line.occurredAt ? { paidAt: line.occurredAt } : {}) }, "STATEMENT");
        note = status === "PROCESSING" ? "succeeded by the statement" : "LATE_SUCCESS";
        p.status = status = after.status;
      }
      // A payment of ours in the cross-day pool of an earlier file is released.
      for (const item of pooled) if (item.paymentId === p.id && item.outcome === "PENDING") released.push(item.id);
      // …and one whose pool had expired into a 短款 is released with its suspense entry (the exception queue).
      for (const item of pooled) {
        if (item.paymentId !== p.id || item.outcome !== "DIFFERENCE") continue;
        item.outcome = "RELEASED"; // once, if the file shows the payment twice
        await releaseByLateLine(tx, ctx, item.id, billDate);
      }
      // What the channel settles against what we booked (the order's amount, the merchant's request).
      const diff = line.settleableMinor - p.amountMinor;
      if (diff !== 0n) {
        const coupon = line.amountMinor - line.settleableMinor;
        items.push(difference(byMoney(diff), "AMOUNT", { ...key, paymentId: p.id, ourMinor: p.amountMinor, theirMinor: line.settleableMinor, diffMinor: diff, ...(coupon !== 0n ? { note: `order ${line.amountMinor}, settleable ${line.settleableMinor}: a coupon of ${coupon} the merchant funds` } : {}) }));
        continue;
      }
      // The channel's fee is our channel cost; it takes money away, so a higher fee is a shortage.
      const feeDiff = p.costMinor - line.feeMinor;
      if (feeDiff !== 0n && (feeDiff > feeTolerance || feeDiff < -feeTolerance)) {
        items.push(difference(byMoney(feeDiff), "FEE", { ...key, paymentId: p.id, ourMinor: p.costMinor, theirMinor: line.feeMinor, diffMinor: feeDiff }));
        continue;
      }
      items.push({ ...key, outcome: "MATCHED", paymentId: p.id, ...(feeDiff !== 0n ? { diffMinor: feeDiff, note: `fee rounding ${feeDiff > 0n ? "+" : ""}${feeDiff} within tolerance` } : note ? { note } : {}) });
      continue;
    }
    if (line.kind === "REFUND") {
      const r = line.outRefundNo ? refundsByNo.get(line.outRefundNo) : undefined;
      // What the channel takes back (退款金额: the request less the merchant-funded coupons' share).
      const theirs = -line.settleableMinor;
      if (!r && line.outRefundNo && ours.has(line.outRefundNo)) {
        items.push({ ...key, outcome: "MATCHED", note: "our refund to the customer of money no order of ours wanted" });
        continue;
      }
      const reversed = !r && !line.outRefundNo && line.outTradeNo ? paymentsByNo.get(line.outTradeNo) : undefined;
      if (reversed && theirs === reversed.amountMinor && (await asReversed(reversed))) {
        items.push({ ...key, outcome: "MATCHED", paymentId: reversed.id, note: "the reversal of a payment paid on the same bill" });
        continue;
      }
      // The reversal of a succeeded payment, recorded by us as a REVERSAL refund.
      const reversal = reversed ? reversalRefunds.find((x) => x.paymentId === reversed.id && x.amountMinor === theirs) : undefined;
      if (reversal) {
        const twice = shownTwice(reversal.id, line, `the reversal of ${reversed!.outTradeNo}`);
        items.push(twice ?? { ...key, outcome: "MATCHED", refundId: reversal.id, note: "the reversal of a succeeded payment" });
        continue;
      }
      if (!r) {
        // Money went back to a payer that we never refunded: less money than booked.
        items.push(difference("SHORTAGE", "CHANNEL_ONLY", { ...key, theirMinor: theirs, diffMinor: line.settleableMinor }));
        continue;
      }
      if (line.channelStatus === "PROCESSING" || REFUND_ABNORMAL_STATUSES.has(line.channelStatus)) {
        items.push({ ...key, outcome: "PENDING", refundId: r.id, note: line.channelStatus === "PROCESSING" ? "the channel shows the refund processing" : `the channel shows the refund abnormal (${line.channelStatus})` });
        continue;
      }
      if (REFUND_CLOSED_STATUSES.has(line.channelStatus)) {
        // The channel refunded nothing: ours, still processing, closes (its hold released); one we
        // booked as succeeded is money we took out of clearing that the channel still holds (长款).
        let status = r.status;
        if (status === "PROCESSING") r.status = status = (await applyRefundResult(tx, ctx, r.id, { status: "CLOSED", failure: { code: line.channelStatus, message: "the channel's statement shows the refund closed" } }, "STATEMENT")).status;
        if (status === "SUCCEEDED") items.push(difference("OVERAGE", "STATUS", { ...key, refundId: r.id, ourMinor: r.amountMinor, theirMinor: 0n, diffMinor: r.amountMinor, note: `closed at the channel (${line.channelStatus}), succeeded here` }));
        else items.push({ ...key, outcome: "MATCHED", refundId: r.id, note: `closed at the channel (${line.channelStatus})` });
        continue;
      }
      const twice = shownTwice(r.id, line, `refund ${r.outRefundNo}`);
      if (twice) {
        items.push(twice);
        continue;
      }
      // The processing snapshot an earlier bill showed, or the pool of a bill that lacked it, is settled by this one.
      for (const item of waitingRefunds) {
        if (item.refundId !== r.id) continue;
        if (item.outcome === "PENDING") released.push(item.id);
        else if (item.outcome === "DIFFERENCE") {
          item.outcome = "RELEASED";
          await releaseByLateLine(tx, ctx, item.id, billDate);
        }
      }
      let status = r.status;
      if (status === "PROCESSING") r.status = status = (await applyRefundResult(tx, ctx, r.id, { status: "SUCCEEDED", ...(line.channelRefundNo ? { channelRefundNo: line.channelRefundNo } : {}) }, "STATEMENT")).status;
      if (status === "FAILED" || status === "CLOSED") {
        items.push(difference("SHORTAGE", "STATUS", { ...key, refundId: r.id, ourMinor: 0n, theirMinor: theirs, diffMinor: line.settleableMinor, note: `refunded at the channel, ${status.toLowerCase()} here` }));
        continue;
      }
      const diff = r.amountMinor - theirs;
      if (diff !== 0n) items.push(difference(byMoney(diff), "AMOUNT", { ...key, refundId: r.id, ourMinor: r.amountMinor, theirMinor: theirs, diffMinor: diff }));
      else items.push({ ...key, outcome: "MATCHED", refundId: r.id });
      continue;
    }
    // Other kinds do not belong in a payment statement; kept visible rather than dropped.
    items.push(difference(byMoney(line.amountMinor || 1n), "UNKNOWN", { ...key, theirMinor: line.amountMinor, diffMinor: line.amountMinor, note: `a ${line.kind} line in a payment statement` }));
  }
  if (released.length) await tx.reconItem.updateMany({ where: { tenantId: ctx.tenantId, id: { in: [...new Set(released)] }, outcome: "PENDING" }, data: { outcome: "RELEASED", note: `shown on the bill of ${billDate}` } });
  await writeItems(tx, ctx, mode, file, items);
}

/**
 * Where each of these payments and refunds was matched to a statement line already (this bill's
 * earlier rounds or an earlier bill), by id: a payment line, or a refund line the channel showed
 * final. Pool items (no line), revoked lines, superseded statements and the same day's bills of
 * another type do not count.
 */
async function matchedBefore(tx: Tx, ctx: TenantContext, file: ReconFile, paymentIds: readonly string[], refundNos: readonly string[]): Promise<Map<string, string>> {
  if (paymentIds.length === 0 && refundNos.length === 0) return new Map();
  // Payments by recon_item's payment index; refunds by their lines' refund number, then each
  // line's own item (item_key is the line's id). Driven by the ids (LATERAL over unnest, OFFSET 0 so
  // the subquery is not pulled up), so each is one index probe: as a join, the generic plan scanned
  // every matched item of the tenant once per id (3 s a round at 20,000 lines; 11 ms this way).
  const rows = await tx.$queryRaw<Array<{ id: string; lineNo: number; billDate: Date; fileName: string }>>`
    SELECT m.id, m.line_no AS "lineNo", f.bill_date AS "billDate", f.file_name AS "fileName" FROM (
      SELECT q.id::text AS id, l.file_id, l.line_no
        FROM unnest(${paymentIds}::uuid[]) AS q(id)
        CROSS JOIN LATERAL (SELECT i.line_id FROM recon_item i
                             WHERE i.tenant_id = ${ctx.tenantId}::uuid AND i.payment_id = q.id AND i.outcome IN ('MATCHED', 'DIFFERENCE') AND i.line_id IS NOT NULL OFFSET 0) i
        CROSS JOIN LATERAL (SELECT l.file_id, l.line_no FROM statement_line l WHERE l.tenant_id = ${ctx.tenantId}::uuid AND l.id = i.line_id AND l.kind = 'PAYMENT') l
      UNION ALL
      SELECT i.refund_id::text, l.file_id, l.line_no
        FROM unnest(${refundNos}::text[]) AS q(no)
        CROSS JOIN LATERAL (SELECT l.id, l.file_id, l.line_no FROM statement_line l WHERE l.tenant_id = ${ctx.tenantId}::uuid AND l.out_refund_no = q.no AND l.kind = 'REFUND' OFFSET 0) l
        CROSS JOIN LATERAL (SELECT i.refund_id FROM recon_item i
                             WHERE i.tenant_id = ${ctx.tenantId}::uuid AND i.file_id = l.file_id AND i.item_key = l.id::text AND i.refund_id IS NOT NULL AND i.outcome IN ('MATCHED', 'DIFFERENCE')) i) m
      JOIN statement_file f ON f.tenant_id = ${ctx.tenantId}::uuid AND f.id = m.file_id
     -- A superseded statement's matches do not count: its replacement is reconciled again. Nor do
     -- another bill type's of the same account and day (the ALL bill and the SUCCESS or REFUND bill
     -- of a day show the same trades).
     WHERE f.status <> 'SUPERSEDED'
       AND NOT (f.channel_account_id = ${file.channelAccountId}::uuid AND f.bill_date = ${file.billDate}::date AND f.bill_type <> ${file.billType})
     ORDER BY f.bill_date, m.line_no`;
  const out = new Map<string, string>();
  for (const r of rows) if (!out.has(r.id)) out.set(r.id, `line ${r.lineNo} of ${r.fileName} (${r.billDate.toISOString().slice(0, 10)})`);
  return out;
}

/** The last round: our succeeded payments of the day the file lacks wait in the cross-day pool; pooled payments missing for too long become differences. */
async function finishFile(tx: Tx, ctx: TenantContext, mode: "DIRECT" | "CUSTODIAL", file: ReconFile, poolDays: number): Promise<void> {
  if (mode === "CUSTODIAL") await lockAhead(tx, ctx, { refs: await differenceLockRefs(tx, ctx, file.channelAccountId) });
  const fileId = file.id;
  const chunk = reconChunk();
  const billDate = file.billDate.toISOString().slice(0, 10);
  // Our succeeded payments of the day the file lacks wait in the cross-day pool (a payment at
  // 23:59:59 may be on the next day's bill). Only an ALL or SUCCESS bill lists every payment.
  if (file.billType === "ALL" || file.billType === "SUCCESS") {
    const missing = await tx.$queryRaw<Array<{ id: string; amountMinor: bigint }>>`
      SELECT p.id, p.amount_minor AS "amountMinor" FROM payment p
       WHERE p.tenant_id = ${ctx.tenantId}::uuid AND p.channel_account_id = ${file.channelAccountId}::uuid AND p.business_date = ${file.billDate} AND p.status = 'SUCCEEDED'
         AND NOT EXISTS (SELECT 1 FROM statement_line l WHERE l.tenant_id = p.tenant_id AND l.file_id = ${fileId}::uuid AND l.out_trade_no = p.out_trade_no AND l.kind IN ('PAYMENT', 'REVOKED'))
         -- Shown on another current bill already (a later day's, when this one replaces an earlier file).
         AND NOT EXISTS (SELECT 1 FROM recon_item i JOIN statement_file f ON f.tenant_id = i.tenant_id AND f.id = i.file_id
                          WHERE i.tenant_id = p.tenant_id AND i.payment_id = p.id AND i.line_id IS NOT NULL AND i.outcome IN ('MATCHED', 'DIFFERENCE') AND f.status <> 'SUPERSEDED')
       ORDER BY p.id`;
    for (let i = 0; i < missing.length; i += chunk) {
      const pending = missing.slice(i, i + chunk).map((p): Item => ({ itemKey: `payment:${p.id}`, outcome: "PENDING", diffType: "PLATFORM_ONLY", paymentId: p.id, ourMinor: p.amountMinor, theirMinor: 0n, diffMinor: -p.amountMinor, note: "not on this bill: waiting in the cross-day pool" }));
      await writeItems(tx, ctx, mode, file, pending);
    }
  }
  // Our succeeded refunds of the day the file lacks, where the file lists refunds.
  const [{ refundLines } = { refundLines: false }] = await tx.$queryRaw<Array<{ refundLines: boolean }>>`
    SELECT EXISTS (SELECT 1 FROM statement_line l WHERE l.tenant_id = ${ctx.tenantId}::uuid AND l.file_id = ${fileId}::uuid AND l.kind = 'REFUND') AS "refundLines"`;
  if (file.billType === "REFUND" || (file.billType === "ALL" && (REFUND_LISTING_FORMATS.has(file.format) || refundLines))) {
    const missing = await tx.$queryRaw<Array<{ id: string; amountMinor: bigint }>>`
      SELECT r.id, r.amount_minor AS "amountMinor" FROM refund r JOIN payment p ON p.tenant_id = r.tenant_id AND p.id = r.payment_id
       WHERE r.tenant_id = ${ctx.tenantId}::uuid AND p.channel_account_id = ${file.channelAccountId}::uuid AND r.business_date = ${file.billDate} AND r.status = 'SUCCEEDED'
         -- A reversal's refund number is ours alone (the channel prints the trade's reversal).
         AND r.origin <> 'REVERSAL'
         AND NOT EXISTS (SELECT 1 FROM statement_line l WHERE l.tenant_id = r.tenant_id AND l.file_id = ${fileId}::uuid AND l.out_refund_no = r.out_refund_no AND l.kind = 'REFUND')
         -- Matched in this file, or on another current bill already.
         AND NOT EXISTS (SELECT 1 FROM recon_item i JOIN statement_file f ON f.tenant_id = i.tenant_id AND f.id = i.file_id
                          WHERE i.tenant_id = r.tenant_id AND i.refund_id = r.id AND (i.file_id = ${fileId}::uuid OR (i.line_id IS NOT NULL AND i.outcome IN ('MATCHED', 'DIFFERENCE') AND f.status <> 'SUPERSEDED')))
       ORDER BY r.id`;
    for (let i = 0; i < missing.length; i += chunk) {
      const pending = missing.slice(i, i + chunk).map((r): Item => ({ itemKey: `refund:${r.id}`, outcome: "PENDING", diffType: "PLATFORM_ONLY", refundId: r.id, ourMinor: r.amountMinor, theirMinor: 0n, diffMinor: r.amountMinor, note: "refund not on this bill: waiting in the cross-day pool" }));
      await writeItems(tx, ctx, mode, file, pending);
    }
  }
  // The cross-day pool: a payment of ours still missing once poolDays later bills have been
  // reconciled is a PLATFORM_ONLY difference (短款: money booked, not found; a refund's 长款). With
  // 0, the cutoff is this bill's date: what it pooled above expires here, at once.
  const cutoff = new Date(file.billDate.getTime() - poolDays * 86_400_000);
  const expired = await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, channelAccountId: file.channelAccountId, outcome: "PENDING", diffType: "PLATFORM_ONLY", OR: [{ poolUntil: null, billDate: { lte: cutoff } }, { poolUntil: { lte: cutoff } }] } });
  for (const item of expired) await expirePooledItem(tx, ctx, mode, item, billDate, `not on any bill up to ${billDate}`);
}

/**
 * A pooled payment of ours that no bill showed in time: a PLATFORM_ONLY 短款 (a refund's: 长款),
 * found on foundOn (its exception and, CUSTODIAL, its suspense entry).
 */
export async function expirePooledItem(tx: Tx, ctx: TenantContext, mode: "DIRECT" | "CUSTODIAL", item: ReconItem, foundOn: string, note: string): Promise<void> {
  const direction = item.refundId ? "OVERAGE" : "SHORTAGE";
  await tx.reconItem.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: item.id } }, data: { outcome: "DIFFERENCE", direction, note } });
  await recordDifference(tx, ctx, mode, {
    id: item.id,
    foundOn,
    fileId: item.fileId,
    channelAccountId: item.channelAccountId,
    billDate: item.billDate.toISOString().slice(0, 10),
    direction,
    diffType: "PLATFORM_ONLY",
    diffMinor: item.diffMinor,
    lineId: null,
    paymentId: item.paymentId,
    refundId: item.refundId,
    note,
  });
}

export interface Difference {
  id: string;
  /** When the difference is found, if later than its bill date (the pool's expiry): posted then, correcting the bill date. */
  foundOn?: string;
  fileId: string;
  channelAccountId: string;
  billDate: string;
  direction: "OVERAGE" | "SHORTAGE";
  diffType: string;
  diffMinor: bigint;
  lineId: string | null;
  paymentId: string | null;
  refundId: string | null;
  note: string | null;
}

/** A difference's exception and, for a CUSTODIAL tenant, its own suspense entry (the exception queue's raiseDifference). */
export async function recordDifference(tx: Tx, ctx: TenantContext, _mode: "DIRECT" | "CUSTODIAL", d: Difference): Promise<void> {
  const { id, ...rest } = d;
  await raiseDifference(tx, ctx, { itemId: id, ...rest });
}
