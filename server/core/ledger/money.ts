import { badInput } from "@/server/core/errors/domain-error";

// Money arithmetic on integer minor units. Rates are parts per million (0.38% = 3800).

/** a × b ÷ c rounded half-up (away from zero on .5), exactly, on bigints. */
export function mulDivHalfUp(a: bigint, b: bigint, c: bigint): bigint {
  if (c === 0n) throw new Error("division by zero");
  const n = a * b;
  const negative = n < 0n !== c < 0n;
  const an = n < 0n ? -n : n;
  const ac = c < 0n ? -c : c;
  const q = (an * 2n + ac) / (2n * ac);
  return negative ? -q : q;
}

export interface FeeRule {
  feeRatePpm: number;
  fixedMinor?: bigint;
  minMinor?: bigint;
  maxMinor?: bigint;
}

/** The merchant fee for one payment: rate (half-up) + fixed, clamped to [min, max], never above the amount. */
export function feeFor(amountMinor: bigint, rule: FeeRule): bigint {
  if (amountMinor < 0n) throw badInput("AMOUNT_NEGATIVE", "Amount must not be negative");
  if (!Number.isInteger(rule.feeRatePpm) || rule.feeRatePpm < 0 || rule.feeRatePpm > 1_000_000) {
    throw badInput("FEE_RATE_INVALID", "Fee rate must be an integer number of ppm between 0 and 1,000,000");
  }
  let fee = mulDivHalfUp(amountMinor, BigInt(rule.feeRatePpm), 1_000_000n) + (rule.fixedMinor ?? 0n);
  if (rule.minMinor !== undefined && fee < rule.minMinor) fee = rule.minMinor;
  if (rule.maxMinor !== undefined && fee > rule.maxMinor) fee = rule.maxMinor;
  return fee > amountMinor ? amountMinor : fee;
}

/**
 * The share of `total` (a fee, a cost, a margin) that goes back with a refund of `refundMinor`
 * out of `capturedMinor`: pro rata, half-up; the refund that completes the payment takes the
 * remainder, so all refunds together return exactly `total`.
 */
export function proportionalShare(total: bigint, capturedMinor: bigint, refundMinor: bigint, alreadyReturned: bigint, alreadyRefunded: bigint): bigint {
  if (refundMinor <= 0n) throw badInput("REFUND_AMOUNT_INVALID", "Refund amount must be positive");
  if (alreadyRefunded + refundMinor > capturedMinor) throw badInput("REFUND_EXCEEDS_CAPTURED", "Refunds would exceed the captured amount");
  if (alreadyRefunded + refundMinor === capturedMinor) return total - alreadyReturned;
  const share = mulDivHalfUp(total, refundMinor, capturedMinor);
  // Rounding can never return more than what is left.
  return share > total - alreadyReturned ? total - alreadyReturned : share;
}

/** Parses a yuan string with at most two decimals ("12.30", "-0.05") into fen. */
export function yuanToFen(text: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) throw badInput("AMOUNT_FORMAT", `Not an amount in yuan with at most two decimals: "${text}"`);
  const fen = BigInt(m[2]!) * 100n + BigInt((m[3] ?? "").padEnd(2, "0") || "0");
  return m[1] ? -fen : fen;
}
