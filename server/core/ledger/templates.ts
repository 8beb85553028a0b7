import { own, memo, type AccountRef } from "./chart";

// The canonical entries of ARCHITECTURE.md §3, one function each. Every other module posts money
// through these, never by building postings by hand. Amounts are bigint minor units; a line with
// amount > 0 is a debit, < 0 a credit. Zero lines are dropped (e.g. a payment with no fee).

export interface DraftLine {
  account: AccountRef;
  amountMinor: bigint;
}

export interface EntryDraft {
  kind: string;
  lines: DraftLine[];
}

const dr = (account: AccountRef, amountMinor: bigint): DraftLine => ({ account, amountMinor });
const cr = (account: AccountRef, amountMinor: bigint): DraftLine => ({ account, amountMinor: -amountMinor });
const draft = (kind: string, lines: DraftLine[]): EntryDraft => ({ kind, lines: lines.filter((l) => l.amountMinor !== 0n) });

function assertNonNegative(values: Record<string, bigint>) {
  for (const [k, v] of Object.entries(values)) if (v < 0n) throw new Error(`${k} must not be negative`);
}

export const accounts = {
  clearing: (channelAccountId: string) => own(`channel_clearing:${channelAccountId}`),
  merchantPending: (merchantId: string) => own(`merchant_payable_pending:${merchantId}`),
  merchantAvailable: (merchantId: string) => own(`merchant_payable_available:${merchantId}`),
  merchantReceivable: (merchantId: string) => own(`merchant_receivable:${merchantId}`),
  merchantReserve: (merchantId: string) => own(`merchant_reserve:${merchantId}`),
  wallet: (walletId: string) => own(`wallet:${walletId}`),
  memoFunds: (merchantId: string) => memo(`merchant_funds_at_channel:${merchantId}`),
  memoDue: (merchantId: string) => memo(`merchant_settlement_due:${merchantId}`),
  feeIncome: own("fee_income"),
  channelCost: own("channel_cost"),
  channelFeePayable: own("channel_fee_payable"),
  marginReceivable: own("margin_receivable"),
  marginIncome: own("margin_income"),
  platformFeeExpense: own("platform_fee_expense"),
  platformFeePayable: own("platform_fee_payable"),
  overageSuspense: own("overage_suspense"),
  shortageSuspense: own("shortage_suspense"),
  unclaimedFunds: own("unclaimed_funds_payable"),
  writeOffLoss: own("write_off_loss"),
  customerFundsBank: own("customer_funds_bank"),
  withdrawalsInTransit: own("withdrawals_in_transit"),
  ownerEquity: own("owner_equity"),
} as const;

export interface PaymentAmounts {
  merchantId: string;
  channelAccountId: string;
  amountMinor: bigint; // A
  feeMinor: bigint; // F, the merchant fee
  costMinor: bigint; // C, the channel's cost
}

/** CUSTODIAL payment, channel deducts its fee at source: Dr clearing A−C, Dr cost C / Cr merchant pending A−F, Cr fee income F. */
function assertWithinAmount(p: PaymentAmounts) {
  assertNonNegative({ amount: p.amountMinor, fee: p.feeMinor, cost: p.costMinor });
  if (p.feeMinor > p.amountMinor || p.costMinor > p.amountMinor) throw new Error("fee and cost cannot exceed the amount");
}

export function paymentFeeAtSource(p: PaymentAmounts): EntryDraft {
  assertWithinAmount(p);
  return draft("payment.fee_at_source", [
    dr(accounts.clearing(p.channelAccountId), p.amountMinor - p.costMinor),
    dr(accounts.channelCost, p.costMinor),
    cr(accounts.merchantPending(p.merchantId), p.amountMinor - p.feeMinor),
    cr(accounts.feeIncome, p.feeMinor),
  ]);
}

/** CUSTODIAL payment, channel bills its fee monthly: Dr clearing A / Cr merchant pending A−F, Cr fee income F; Dr cost C / Cr channel fee payable C. */
export function paymentFeeBilledMonthly(p: PaymentAmounts): EntryDraft {
  assertWithinAmount(p);
  return draft("payment.fee_billed_monthly", [
    dr(accounts.clearing(p.channelAccountId), p.amountMinor),
    cr(accounts.merchantPending(p.merchantId), p.amountMinor - p.feeMinor),
    cr(accounts.feeIncome, p.feeMinor),
    dr(accounts.channelCost, p.costMinor),
    cr(accounts.channelFeePayable, p.costMinor),
  ]);
}

export interface RefundAmounts {
  merchantId: string;
  channelAccountId: string;
  refundMinor: bigint; // R
  feeReturnedMinor: bigint; // f: the merchant fee returned with this refund (proportionalShare)
  costReturnedMinor: bigint; // c: the channel cost the channel returns (0 when it keeps its fee)
  feeCollection: "AT_SOURCE" | "BILLED_MONTHLY";
  /**
   * What funds the refund: the merchant's payable, pending (not yet settled) or available; or, for
   * a wallet recharge, the customer wallet the recharge went into (`walletId`).
   */
  source: "PENDING" | "AVAILABLE" | "WALLET";
  walletId?: string | null;
}

/** The account a refund takes its money from (see RefundAmounts.source). */
function refundFunding(p: RefundAmounts): AccountRef {
  if (p.source === "WALLET") {
    if (!p.walletId) throw new Error("a refund funded from a wallet needs the wallet");
    return accounts.wallet(p.walletId);
  }
  return p.source === "PENDING" ? accounts.merchantPending(p.merchantId) : accounts.merchantAvailable(p.merchantId);
}

/**
 * The proportional mirror of the payment: Dr merchant payable R−f, Dr fee income f / Cr clearing
 * R−c, Cr cost c (at source). A recharge's refund is the mirror of the recharge and its cost: Dr
 * wallet R / Cr clearing R−c, Cr cost c (a recharge carries no merchant fee, so f = 0).
 */
export function refund(p: RefundAmounts): EntryDraft {
  assertNonNegative({ refund: p.refundMinor, fee: p.feeReturnedMinor, cost: p.costReturnedMinor });
  if (p.source === "WALLET" && p.feeReturnedMinor !== 0n) throw new Error("a recharge's refund returns no merchant fee");
  const payable = refundFunding(p);
  const lines =
    p.feeCollection === "AT_SOURCE"
      ? [dr(payable, p.refundMinor - p.feeReturnedMinor), dr(accounts.feeIncome, p.feeReturnedMinor), cr(accounts.clearing(p.channelAccountId), p.refundMinor - p.costReturnedMinor), cr(accounts.channelCost, p.costReturnedMinor)]
      : [dr(payable, p.refundMinor - p.feeReturnedMinor), dr(accounts.feeIncome, p.feeReturnedMinor), cr(accounts.clearing(p.channelAccountId), p.refundMinor), dr(accounts.channelFeePayable, p.costReturnedMinor), cr(accounts.channelCost, p.costReturnedMinor)];
  return draft("refund", lines);
}

/**
 * The hold a refund places at request (CUSTODIAL): it reserves what the refund will take from the
 * merchant's payable, R−f, against the channel clearing account. Posted on success together with
 * `refundCompletion`, voided on failure.
 */
export function refundHold(p: RefundAmounts): { kind: string; debit: AccountRef; credit: AccountRef; amountMinor: bigint } {
  assertNonNegative({ refund: p.refundMinor, fee: p.feeReturnedMinor });
  if (p.feeReturnedMinor > p.refundMinor) throw new Error("the fee returned cannot exceed the refund");
  return { kind: "refund.hold", debit: refundFunding(p), credit: accounts.clearing(p.channelAccountId), amountMinor: p.refundMinor - p.feeReturnedMinor };
}

/**
 * What completes a refund once its hold is posted: `refund(p)` less the hold's two lines, so that
 * hold + completion is exactly the canonical refund entry (tested).
 */
export function refundCompletion(p: RefundAmounts): EntryDraft {
  const full = refund(p);
  const hold = refundHold(p);
  const sums = new Map<string, { account: AccountRef; amountMinor: bigint }>();
  const add = (account: AccountRef, amountMinor: bigint) => {
    const k = `${account.book}|${account.code}`;
    const prev = sums.get(k);
    sums.set(k, { account, amountMinor: (prev?.amountMinor ?? 0n) + amountMinor });
  };
  for (const l of full.lines) add(l.account, l.amountMinor);
  add(hold.debit, -hold.amountMinor);
  add(hold.credit, hold.amountMinor);
  return draft("refund.completion", [...sums.values()]);
}

/** A recharge's channel cost: Dr channel cost / Cr clearing (deducted at source) or Cr channel fee payable (billed monthly). */
export function rechargeChannelCost(channelAccountId: string, costMinor: bigint, feeCollection: "AT_SOURCE" | "BILLED_MONTHLY"): EntryDraft {
  assertNonNegative({ cost: costMinor });
  return draft("wallet.recharge_cost", [dr(accounts.channelCost, costMinor), cr(feeCollection === "AT_SOURCE" ? accounts.clearing(channelAccountId) : accounts.channelFeePayable, costMinor)]);
}

/**
 * The channel's fee on a payment differs from the cost we booked, and finance accepts the channel's
 * (a FEE difference resolved ACCEPT_CHANNEL): the cost moves by δ = their fee − our cost, against
 * the clearing receivable when the fee is deducted at source (the channel kept δ more) or channel
 * fee payable when it is billed monthly. δ > 0: Dr channel cost / Cr clearing|payable; δ < 0: the mirror.
 */
export function channelCostCorrection(channelAccountId: string, deltaMinor: bigint, feeCollection: "AT_SOURCE" | "BILLED_MONTHLY"): EntryDraft {
  const against = feeCollection === "AT_SOURCE" ? accounts.clearing(channelAccountId) : accounts.channelFeePayable;
  const size = deltaMinor < 0n ? -deltaMinor : deltaMinor;
  return draft("recon.channel_cost_correction", deltaMinor >= 0n ? [dr(accounts.channelCost, size), cr(against, size)] : [dr(against, size), cr(accounts.channelCost, size)]);
}

/**
 * A payment's amount as the channel has it (an AMOUNT difference accepted, no state change): the
 * merchant is owed δ more (δ > 0) or δ less. CUSTODIAL: clearing against the merchant's pending
 * payable; DIRECT: the memo book's mirror of the payment (funds at the channel / settlement due).
 */
export function channelAmountCorrection(mode: "CUSTODIAL" | "DIRECT", channelAccountId: string, merchantId: string, deltaMinor: bigint): EntryDraft {
  const size = deltaMinor < 0n ? -deltaMinor : deltaMinor;
  const [asset, owed] = mode === "CUSTODIAL" ? [accounts.clearing(channelAccountId), accounts.merchantPending(merchantId)] : [accounts.memoFunds(merchantId), accounts.memoDue(merchantId)];
  return draft("recon.amount_correction", deltaMinor >= 0n ? [dr(asset, size), cr(owed, size)] : [dr(owed, size), cr(asset, size)]);
}

/** When the merchant's payable cannot cover a refund (policy ALLOW_DEBT): the shortfall becomes a receivable from the merchant. */
export function merchantDebtForRefund(merchantId: string, shortfallMinor: bigint): EntryDraft {
  assertNonNegative({ shortfall: shortfallMinor });
  return draft("refund.merchant_debt", [dr(accounts.merchantReceivable(merchantId), shortfallMinor), cr(accounts.merchantAvailable(merchantId), shortfallMinor)]);
}

/** Settling a merchant: pending → available (the settlement run), net of a risk reserve kept pending. */
export function merchantSettle(merchantId: string, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("settlement.make_available", [dr(accounts.merchantPending(merchantId), amountMinor), cr(accounts.merchantAvailable(merchantId), amountMinor)]);
}

/** The risk reserve (风险保证金) a settlement holds back: Dr merchant pending / Cr merchant reserve. */
export function merchantReserveHold(merchantId: string, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("settlement.reserve_hold", [dr(accounts.merchantPending(merchantId), amountMinor), cr(accounts.merchantReserve(merchantId), amountMinor)]);
}

/** A risk reserve released after its days: Dr merchant reserve / Cr merchant available. */
export function merchantReserveRelease(merchantId: string, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("settlement.reserve_release", [dr(accounts.merchantReserve(merchantId), amountMinor), cr(accounts.merchantAvailable(merchantId), amountMinor)]);
}

/** A merchant's debt from earlier refunds (ALLOW_DEBT) recovered from a settlement: Dr merchant available / Cr merchant receivable. */
export function merchantDebtRecovery(merchantId: string, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("settlement.debt_recovery", [dr(accounts.merchantAvailable(merchantId), amountMinor), cr(accounts.merchantReceivable(merchantId), amountMinor)]);
}

/** Wallet recharge through a channel: Dr clearing / Cr wallet. */
export function walletRecharge(channelAccountId: string, walletId: string, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("wallet.recharge", [dr(accounts.clearing(channelAccountId), amountMinor), cr(accounts.wallet(walletId), amountMinor)]);
}

/** Wallet to wallet: Dr from / Cr to (the from wallet is bounded: never overdrawn). */
export function walletTransfer(fromWalletId: string, toWalletId: string, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("wallet.transfer", [dr(accounts.wallet(fromWalletId), amountMinor), cr(accounts.wallet(toWalletId), amountMinor)]);
}

/** The hold of a payout: reserve Dr source / Cr withdrawals in transit (posted when the batch is released). */
export function payoutHold(source: AccountRef, amountMinor: bigint) {
  assertNonNegative({ amount: amountMinor });
  return { kind: "payout.hold", debit: source, credit: accounts.withdrawalsInTransit, amountMinor };
}

/** The bank paid the payout: Dr withdrawals in transit / Cr customer funds bank. */
export function payoutBankSuccess(amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("payout.bank_success", [dr(accounts.withdrawalsInTransit, amountMinor), cr(accounts.customerFundsBank, amountMinor)]);
}

/** The bank refused a posted payout: back to the source: Dr in transit / Cr source. */
export function payoutBankFailure(source: AccountRef, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("payout.bank_failure", [dr(accounts.withdrawalsInTransit, amountMinor), cr(source, amountMinor)]);
}

/** A returned payout (退汇) after success: the bank credits us back: Dr bank / Cr source. */
export function payoutReturned(source: AccountRef, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("payout.returned", [dr(accounts.customerFundsBank, amountMinor), cr(source, amountMinor)]);
}

/** 长款: more money found than booked. Dr clearing (or bank) / Cr overage suspense. */
export function overage(found: AccountRef, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("recon.overage", [dr(found, amountMinor), cr(accounts.overageSuspense, amountMinor)]);
}

/** 短款: less money found than booked. Dr shortage suspense / Cr clearing (or bank). */
export function shortage(found: AccountRef, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("recon.shortage", [dr(accounts.shortageSuspense, amountMinor), cr(found, amountMinor)]);
}

/** A shortage written off: Dr write-off loss / Cr shortage suspense. */
export function writeOffShortage(amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("recon.write_off_shortage", [dr(accounts.writeOffLoss, amountMinor), cr(accounts.shortageSuspense, amountMinor)]);
}

/** An overage is never income: Dr overage suspense / Cr unclaimed funds payable. */
export function writeOffOverage(amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("recon.write_off_overage", [dr(accounts.overageSuspense, amountMinor), cr(accounts.unclaimedFunds, amountMinor)]);
}

/**
 * The bank credits a channel's net settlement: Dr bank / Cr clearing for what was expected; a
 * difference goes to suspense in the same entry (more → overage, less → shortage).
 */
export function bankCreditNetSettlement(channelAccountId: string, bank: AccountRef, expectedMinor: bigint, creditedMinor: bigint): EntryDraft {
  assertNonNegative({ expected: expectedMinor, credited: creditedMinor });
  const diff = creditedMinor - expectedMinor;
  return draft("funds.bank_credit", [
    dr(bank, creditedMinor),
    cr(accounts.clearing(channelAccountId), expectedMinor),
    ...(diff > 0n ? [cr(accounts.overageSuspense, diff)] : diff < 0n ? [dr(accounts.shortageSuspense, -diff)] : []),
  ]);
}

/** DIRECT memo book: the channel owes the merchant A−F. Dr merchant funds at channel / Cr merchant settlement due. */
export function directMemoPayment(merchantId: string, netMinor: bigint): EntryDraft {
  assertNonNegative({ net: netMinor });
  return draft("memo.payment", [dr(accounts.memoFunds(merchantId), netMinor), cr(accounts.memoDue(merchantId), netMinor)]);
}

/** DIRECT memo book, a refund: the mirror. */
export function directMemoRefund(merchantId: string, netMinor: bigint): EntryDraft {
  assertNonNegative({ net: netMinor });
  return draft("memo.refund", [dr(accounts.memoDue(merchantId), netMinor), cr(accounts.memoFunds(merchantId), netMinor)]);
}

/** DIRECT memo book, the channel settled the merchant: Dr settlement due / Cr funds at channel. */
export function directMemoSettled(merchantId: string, amountMinor: bigint): EntryDraft {
  assertNonNegative({ amount: amountMinor });
  return draft("memo.settled", [dr(accounts.memoDue(merchantId), amountMinor), cr(accounts.memoFunds(merchantId), amountMinor)]);
}

/** The provider's margin (分润) on a payment: Dr margin receivable / Cr margin income. */
export function margin(amountMinor: bigint): EntryDraft {
  assertNonNegative({ margin: amountMinor });
  return draft("income.margin", [dr(accounts.marginReceivable, amountMinor), cr(accounts.marginIncome, amountMinor)]);
}

/** Margin clawed back by a refund (pro rata): the mirror. */
export function marginClawback(amountMinor: bigint): EntryDraft {
  assertNonNegative({ margin: amountMinor });
  return draft("income.margin_clawback", [dr(accounts.marginIncome, amountMinor), cr(accounts.marginReceivable, amountMinor)]);
}

/** The platform's monthly fee to the tenant: Dr platform fee expense / Cr platform fee payable. */
export function platformFee(amountMinor: bigint): EntryDraft {
  assertNonNegative({ fee: amountMinor });
  return draft("income.platform_fee", [dr(accounts.platformFeeExpense, amountMinor), cr(accounts.platformFeePayable, amountMinor)]);
}

/** A manual adjustment (through an approved proposal): the balanced lines it proposes. */
export function adjustment(lines: DraftLine[]): EntryDraft {
  return draft("adjustment", lines);
}
