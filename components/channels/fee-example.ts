// The worked example beside a fee rule ("on ¥100.00 the fee is ¥0.38"), computed with the very
// function the ledger charges with, so the page cannot promise a fee the payment will not take.
// server/core/ledger/money.ts is pure (bigint arithmetic; its one import is the error type).
import { feeFor } from "@/server/core/ledger/money";

export interface FeeRuleDraftValues {
  feeRatePpm: number;
  fixedMinor: bigint;
  minFeeMinor: bigint;
  maxFeeMinor: bigint | null;
}

/** The fee on `amountMinor`, or null when the rule is not one the server would accept. */
export function exampleFee(amountMinor: bigint, rule: FeeRuleDraftValues): bigint | null {
  if (!Number.isInteger(rule.feeRatePpm) || rule.feeRatePpm < 0 || rule.feeRatePpm > 1_000_000 || amountMinor < 0n) return null;
  if (rule.maxFeeMinor !== null && rule.maxFeeMinor < rule.minFeeMinor) return null;
  return feeFor(amountMinor, {
    feeRatePpm: rule.feeRatePpm,
    fixedMinor: rule.fixedMinor,
    minMinor: rule.minFeeMinor,
    ...(rule.maxFeeMinor !== null ? { maxMinor: rule.maxFeeMinor } : {}),
  });
}

export const EXAMPLE_AMOUNT_MINOR = 10_000n;
