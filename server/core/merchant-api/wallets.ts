import { z } from "zod";
import { DomainError } from "@/server/core/errors/domain-error";
import { presentWithdrawal, type ApiWithdrawal } from "@/server/core/payouts/present";
import { getPayout, requestWithdrawal } from "@/server/core/payouts/service";
import { MAX_WALLET_AMOUNT_MINOR } from "@/server/core/wallets/schema";
import { createTransfer, createWallet, getTransfer, getWallet, type TransferView, type WalletView } from "@/server/core/wallets/service";
import { requireNotifyTarget } from "@/server/core/webhooks/service";
import { created, ok, type ApiCall, type ApiReply } from "./handler";
import { ZAmountMinor } from "./schema";

// Wallets, transfers and withdrawals of /api/v1 (issue 5, CUSTODIAL providers only). None of them
// calls a channel, so each runs in the one RLS transaction of merchantApiRoute: the effect and the
// stored Idempotency-Key response commit together, and a refusal leaves nothing half-made. A
// withdrawal is only requested here (its amount put on hold); the provider's staff batch and
// release payouts, and the result arrives as a withdrawal.* webhook. Everything is the API key's
// merchant's only: another merchant's or tenant's object is 404, exactly like a missing one. A
// DIRECT provider answers every one of these with 422 NOT_AVAILABLE_IN_DIRECT_MODE.

const amount = ZAmountMinor.refine((v) => v > 0n, { message: "amountMinor must be positive" }).refine((v) => v <= MAX_WALLET_AMOUNT_MINOR, {
  message: `amountMinor must be at most ${MAX_WALLET_AMOUNT_MINOR}`,
});
const str = (name: string) => z.string({ message: `${name} is required` });

export const ZApiWalletCreate = z.object({ externalUserId: str("externalUserId") }).strict();

export const ZApiTransferCreate = z
  .object({ merchantTransferNo: str("merchantTransferNo"), fromWalletId: str("fromWalletId"), toWalletId: str("toWalletId"), amountMinor: amount })
  .strict();

export const ZApiWithdrawalCreate = z
  .object({
    merchantWithdrawalNo: str("merchantWithdrawalNo"),
    walletId: str("walletId"),
    amountMinor: amount,
    bankAccount: z.object({ name: str("bankAccount.name"), number: str("bankAccount.number"), bankCode: str("bankAccount.bankCode") }, { message: "bankAccount is required" }).strict(),
    notifyUrl: z.string({ message: "notifyUrl must be a string" }).optional(),
  })
  .strict();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ApiWallet {
  readonly id: string;
  readonly externalUserId: string;
  readonly status: string;
  readonly postedMinor: bigint;
  readonly availableMinor: bigint;
  readonly currency: string;
  readonly createdAt: Date;
}

export function presentWallet(w: WalletView): ApiWallet {
  return { id: w.id, externalUserId: w.externalUserId, status: w.status, postedMinor: w.postedMinor, availableMinor: w.availableMinor, currency: w.currency, createdAt: w.createdAt };
}

export function presentTransfer(t: TransferView) {
  return { id: t.id, merchantTransferNo: t.merchantTransferNo, fromWalletId: t.fromWalletId, toWalletId: t.toWalletId, amountMinor: t.amountMinor, currency: "CNY", status: t.status, createdAt: t.createdAt };
}

/** A wallet id the request names must be a UUID; anything else is the same 404 as another merchant's. */
function walletIdOf(value: string, field: string): string {
  if (!UUID.test(value)) throw new DomainError("NOT_FOUND", "WALLET_NOT_FOUND", "No such wallet", { field });
  return value.toLowerCase();
}

/** POST /api/v1/wallets: the wallet of one of the merchant's users; 201 when made now, 200 when it existed. */
export async function createWalletEndpoint(call: ApiCall): Promise<ApiReply> {
  const input = ZApiWalletCreate.parse(call.body);
  const r = await createWallet(call.tx, call.ctx, { merchantId: call.principal.merchantId, externalUserId: input.externalUserId });
  return r.created ? created(presentWallet(r.wallet)) : ok(presentWallet(r.wallet));
}

/** GET /api/v1/wallets/{id}: one of the merchant's wallets with its posted and available balance. */
export async function getWalletEndpoint(call: ApiCall): Promise<ApiReply> {
  const id = walletIdOf(call.params.id ?? "", "id");
  return ok(presentWallet(await getWallet(call.tx, call.ctx, id, call.principal.merchantId)));
}

/** POST /api/v1/transfers: wallet to wallet, synchronous. */
export async function createTransferEndpoint(call: ApiCall): Promise<ApiReply> {
  const input = ZApiTransferCreate.parse(call.body);
  const t = await createTransfer(call.tx, call.ctx, {
    merchantId: call.principal.merchantId,
    merchantTransferNo: input.merchantTransferNo,
    fromWalletId: walletIdOf(input.fromWalletId, "fromWalletId"),
    toWalletId: walletIdOf(input.toWalletId, "toWalletId"),
    amountMinor: input.amountMinor,
  });
  return created(presentTransfer(t));
}

export async function getTransferEndpoint(call: ApiCall): Promise<ApiReply> {
  const id = call.params.id ?? "";
  if (!UUID.test(id)) throw new DomainError("NOT_FOUND", "TRANSFER_NOT_FOUND", "No such transfer");
  return ok(presentTransfer(await getTransfer(call.tx, call.ctx, id.toLowerCase(), call.principal.merchantId)));
}

const withdrawalNotFound = () => new DomainError("NOT_FOUND", "WITHDRAWAL_NOT_FOUND", "No such withdrawal");

/** POST /api/v1/withdrawals: the amount goes on hold in the wallet at once; the payout follows. */
export async function createWithdrawalEndpoint(call: ApiCall): Promise<ApiReply> {
  const input = ZApiWithdrawalCreate.parse(call.body);
  await requireNotifyTarget(call.tx, call.ctx, call.principal.merchantId, input.notifyUrl);
  const p = await requestWithdrawal(call.tx, call.ctx, {
    merchantId: call.principal.merchantId,
    merchantWithdrawalNo: input.merchantWithdrawalNo,
    walletId: walletIdOf(input.walletId, "walletId"),
    amountMinor: input.amountMinor,
    bankAccount: input.bankAccount,
    ...(input.notifyUrl !== undefined ? { notifyUrl: input.notifyUrl } : {}),
  });
  return created(presentWithdrawal(p) satisfies ApiWithdrawal);
}

export async function getWithdrawalEndpoint(call: ApiCall): Promise<ApiReply> {
  const id = call.params.id ?? "";
  if (!UUID.test(id)) throw withdrawalNotFound();
  try {
    return ok(presentWithdrawal(await getPayout(call.tx, call.ctx, id.toLowerCase(), { merchantId: call.principal.merchantId, source: "WALLET" })));
  } catch (e) {
    if (e instanceof DomainError && e.kind === "NOT_FOUND") throw withdrawalNotFound();
    throw e;
  }
}
