import type { PayoutStatus } from "@/server/db/generated/prisma/enums";

// What a merchant sees of a wallet withdrawal (the API's GET and the withdrawal.* webhooks): never
// the account number, only its last four digits; never our batch, hold or channel account.

export interface ApiWithdrawal {
  readonly id: string;
  readonly merchantWithdrawalNo: string;
  readonly walletId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly status: PayoutStatus;
  readonly bankAccount: { readonly name: string; readonly last4: string; readonly bankCode: string };
  readonly createdAt: Date;
  readonly completedAt?: Date;
  readonly failure?: { readonly code: string; readonly message: string | null };
}

export interface WithdrawalSource {
  readonly id: string;
  readonly requestNo: string;
  readonly walletId: string | null;
  readonly amountMinor: bigint;
  readonly status: PayoutStatus;
  readonly accountName: string;
  readonly accountLast4: string;
  readonly bankCode: string;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
  readonly failureCode: string | null;
  readonly failureMessage: string | null;
}

export function presentWithdrawal(p: WithdrawalSource): ApiWithdrawal {
  return {
    id: p.id,
    merchantWithdrawalNo: p.requestNo,
    walletId: p.walletId ?? "",
    amountMinor: p.amountMinor,
    currency: "CNY",
    status: p.status,
    bankAccount: { name: p.accountName, last4: p.accountLast4, bankCode: p.bankCode },
    createdAt: p.createdAt,
    ...(p.completedAt ? { completedAt: p.completedAt } : {}),
    ...(p.failureCode ? { failure: { code: p.failureCode, message: p.failureMessage } } : {}),
  };
}
