// Every exception.kind the server opens (no imports: the console's queue reads it too). The schema
// does not constrain the column (a plain TEXT), so the list is gathered from the code:
//  - RECON_<diffType> from clearing/exceptions.ts raiseDifference (reconcile.ts, pool-expiry.ts):
//    CHANNEL_ONLY, PLATFORM_ONLY, AMOUNT, STATUS, FEE, UNKNOWN_SUB_MERCHANT, UNKNOWN;
//  - RECON_<diffType> from clearing/bank-differences.ts: FUNDS_AMOUNT, FUNDS_MISSING (funds.ts),
//    PAYOUT_UNKNOWN, PAYOUT_AMOUNT, PAYOUT_STATUS (payout-results.ts);
//  - RECON_PROFIT_SHARE (settlement/profit-share.ts), SETTLEMENT_DIFFERENCE (settlement/service.ts,
//    direct-statements.ts);
//  - LATE_SUCCESS, REVERSED_AFTER_SUCCESS (payments/service.ts), REFUND_ABNORMAL (payments/refunds.ts).
// components/clearing/exception-kinds.test.ts re-reads openException's callers, so a new kind
// opened by name without being listed here fails there.
export const EXCEPTION_KINDS = [
  "RECON_CHANNEL_ONLY",
  "RECON_PLATFORM_ONLY",
  "RECON_AMOUNT",
  "RECON_STATUS",
  "RECON_FEE",
  "RECON_UNKNOWN_SUB_MERCHANT",
  "RECON_UNKNOWN",
  "RECON_FUNDS_AMOUNT",
  "RECON_FUNDS_MISSING",
  "RECON_PAYOUT_UNKNOWN",
  "RECON_PAYOUT_AMOUNT",
  "RECON_PAYOUT_STATUS",
  "RECON_PROFIT_SHARE",
  "SETTLEMENT_DIFFERENCE",
  "LATE_SUCCESS",
  "REFUND_ABNORMAL",
  "REVERSED_AFTER_SUCCESS",
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];
