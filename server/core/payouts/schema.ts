import { z } from "zod";
import { merchantNumber, ZWalletAmount } from "@/server/core/wallets/schema";

// Inputs of the payout services: wallet withdrawals (merchant API), merchant payouts (settlement,
// later), and the console's batch work. Amounts are bigint minor units.

export const PAYOUT_STATUSES = ["HELD", "BATCHED", "IN_TRANSIT", "SUCCEEDED", "FAILED", "RETURNED", "CANCELLED"] as const;
export const BATCH_STATUSES = ["OPEN", "PROPOSED", "RELEASED", "COMPLETED", "REJECTED"] as const;
export const BATCH_DELIVERIES = ["SEND", "FILE"] as const;

export const ZBankAccount = z.object({
  // A person's or company's name as the bank has it; fixed-width payout files carry 60 characters.
  name: z
    .string({ message: "bankAccount.name is required" })
    .trim()
    .min(1, { message: "bankAccount.name is required" })
    .refine((v) => [...v].length <= 60, { message: "bankAccount.name must be at most 60 characters" })
    // Control characters would break the fixed-width payout file (and mean nothing to a bank).
    .refine((v) => !/\p{Cc}/u.test(v), { message: "bankAccount.name must not contain control characters" }),
  number: z.string({ message: "bankAccount.number is required" }).regex(/^\d{8,30}$/, { message: "bankAccount.number must be 8 to 30 digits" }),
  bankCode: z.string({ message: "bankAccount.bankCode is required" }).regex(/^[0-9A-Za-z]{3,12}$/, { message: "bankAccount.bankCode must be 3 to 12 letters or digits (e.g. the bank's CNAPS or short code)" }),
});
export type TBankAccount = z.input<typeof ZBankAccount>;

const notifyUrl = z.string().url({ message: "notifyUrl must be an http(s) URL" }).max(512).regex(/^https?:\/\//, { message: "notifyUrl must be an http(s) URL" });

export const ZWithdrawalCreate = z.object({
  merchantId: z.string().uuid(),
  merchantWithdrawalNo: merchantNumber("merchantWithdrawalNo"),
  walletId: z.string({ message: "walletId is required" }).uuid({ message: "walletId must be a wallet id" }),
  amountMinor: ZWalletAmount,
  bankAccount: ZBankAccount,
  notifyUrl: notifyUrl.optional(),
});
export type TWithdrawalCreate = z.input<typeof ZWithdrawalCreate>;

/** A merchant payout from its available payable (the settlement run, a later issue). */
export const ZMerchantPayoutCreate = z.object({
  merchantId: z.string().uuid(),
  /** The settlement's reference: unique per merchant among merchant payouts. */
  requestNo: merchantNumber("requestNo"),
  amountMinor: ZWalletAmount,
  bankAccount: ZBankAccount,
});
export type TMerchantPayoutCreate = z.input<typeof ZMerchantPayoutCreate>;

export const ZPayoutFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  status: z.enum(PAYOUT_STATUSES).optional(),
  source: z.enum(["WALLET", "MERCHANT"]).optional(),
  merchantId: z.string().uuid().optional(),
  walletId: z.string().uuid().optional(),
  batchId: z.string().uuid().optional(),
  /** The merchant's withdrawal number or our payout number, exactly. */
  number: z.string().trim().max(64).optional(),
  businessDateFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  businessDateTo: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});
export type TPayoutFind = z.input<typeof ZPayoutFind>;

export const ZPayoutCancel = z.object({
  id: z.string().uuid(),
  reason: z.string().trim().min(3, { message: "validation.reason" }).max(500),
});
export type TPayoutCancel = z.input<typeof ZPayoutCancel>;

export const ZPayoutReturn = z.object({
  id: z.string().uuid(),
  reason: z.string().trim().min(3, { message: "validation.reason" }).max(500),
});
export type TPayoutReturn = z.input<typeof ZPayoutReturn>;

export const ZBatchGather = z.object({
  /** Omitted: the tenant's payout channel account (a bank account first, else the sandbox). */
  channelAccountId: z.string().uuid().optional(),
  delivery: z.enum(BATCH_DELIVERIES).default("SEND"),
});
export type TBatchGather = z.input<typeof ZBatchGather>;

export const ZBatchPropose = z.object({
  batchId: z.string().uuid(),
  reason: z.string().trim().min(3, { message: "validation.reason" }).max(1000),
});
export type TBatchPropose = z.input<typeof ZBatchPropose>;

export const ZBatchFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  status: z.enum(BATCH_STATUSES).optional(),
});
export type TBatchFind = z.input<typeof ZBatchFind>;

/** What an approval of `payout.batch_release` carries out: exactly the batch as it was proposed. */
export const ZBatchReleasePayload = z.object({
  batchId: z.string().uuid(),
  count: z.number().int().positive(),
  totalMinor: z.union([z.string().regex(/^\d+$/), z.bigint()]).transform((v) => BigInt(v)),
});
export type TBatchReleasePayload = z.input<typeof ZBatchReleasePayload>;
