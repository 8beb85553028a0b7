import { ChannelError } from "../types";

// Alipay carries money as yuan strings ("10.00"). Everything past the connector is integer fen,
// so the conversion happens here, on digits only: a float would turn 0.07 yuan into 7.000000000000001.

/** 100,000,000.00 yuan, the per-transaction ceiling of alipay.trade.pay / precreate. */
export const ALIPAY_MAX_AMOUNT_FEN = 10_000_000_000n;

const YUAN = /^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/;

/** "10.00" → 1000n. Refuses signs, exponents, spaces, leading zeros and more than 2 decimals. */
export function yuanToFen(value: string, field: string): bigint {
  const match = YUAN.exec(value);
  if (!match) throw new ChannelError("MALFORMED", `${field} is not a yuan amount: ${JSON.stringify(value)}`);
  const whole = match[1] ?? "0";
  const fraction = (match[2] ?? "").padEnd(2, "0");
  return BigInt(whole) * 100n + BigInt(fraction);
}

/** 1000n → "10.00". Only positive amounts within Alipay's range are ever sent. */
export function fenToYuan(fen: bigint, field: string): string {
  if (fen <= 0n || fen > ALIPAY_MAX_AMOUNT_FEN) throw new ChannelError("MALFORMED", `${field} must be between 1 fen and 100000000.00 yuan, got ${fen} fen`);
  return `${fen / 100n}.${(fen % 100n).toString().padStart(2, "0")}`;
}
