import { z } from "zod";

// Inputs of the wallet services (console and merchant API). Amounts are bigint minor units.

/** A merchant's own number for a transfer or withdrawal: what it uses to find the object again. */
export const merchantNumber = (name: string) =>
  z
    .string({ message: `${name} is required` })
    .trim()
    .min(1, { message: `${name} is required` })
    .max(64, { message: `${name} must be at most 64 characters` })
    .regex(/^[A-Za-z0-9_-]+$/, { message: `${name} may contain letters, digits, _ and - only` });

export const ZWalletCreate = z.object({
  merchantId: z.string().uuid(),
  externalUserId: z
    .string({ message: "externalUserId is required" })
    .trim()
    .min(1, { message: "externalUserId is required" })
    .max(64, { message: "externalUserId must be at most 64 characters" })
    .regex(/^[\x21-\x7e]+$/, { message: "externalUserId must be visible ASCII characters" }),
});
export type TWalletCreate = z.input<typeof ZWalletCreate>;

/** The largest single transfer or withdrawal (as the payment schema: 100,000,000.00 yuan). */
export const MAX_WALLET_AMOUNT_MINOR = 10_000_000_000n;

export const ZWalletAmount = z
  .bigint({ message: "amountMinor must be an integer number of minor units (fen)" })
  .refine((v) => v > 0n, { message: "amountMinor must be positive" })
  .refine((v) => v <= MAX_WALLET_AMOUNT_MINOR, { message: `amountMinor must be at most ${MAX_WALLET_AMOUNT_MINOR}` });

export const ZTransferCreate = z.object({
  merchantId: z.string().uuid(),
  merchantTransferNo: merchantNumber("merchantTransferNo"),
  fromWalletId: z.string({ message: "fromWalletId is required" }).uuid({ message: "fromWalletId must be a wallet id" }),
  toWalletId: z.string({ message: "toWalletId is required" }).uuid({ message: "toWalletId must be a wallet id" }),
  amountMinor: ZWalletAmount,
});
export type TTransferCreate = z.input<typeof ZTransferCreate>;

export const ZWalletFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  merchantId: z.string().uuid().optional(),
  externalUserId: z.string().trim().max(64).optional(),
  status: z.enum(["ACTIVE", "FROZEN", "CLOSED"]).optional(),
});
export type TWalletFind = z.input<typeof ZWalletFind>;

export const ZTransferFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  merchantId: z.string().uuid().optional(),
  /** Transfers from or to this wallet. */
  walletId: z.string().uuid().optional(),
  merchantTransferNo: z.string().trim().max(64).optional(),
});
export type TTransferFind = z.input<typeof ZTransferFind>;

export const ZWalletMovements = z.object({
  id: z.string().uuid(),
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
});
export type TWalletMovements = z.input<typeof ZWalletMovements>;
