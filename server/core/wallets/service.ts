import { randomUUID } from "node:crypto";
import { DomainError, isDomainError, notFound } from "@/server/core/errors/domain-error";
import { accountStatement, normalBalance, openWalletAccount, postEntry, resolveAccounts } from "@/server/core/ledger/service";
import { accounts, walletTransfer } from "@/server/core/ledger/templates";
import type { Prisma } from "@/server/db/generated/prisma/client";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, toPage, type Page } from "@/server/db/keyset";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { isUniqueViolation, requireCustodial, todayIn } from "./mode";
import {
  ZTransferCreate,
  ZTransferFind,
  ZWalletCreate,
  ZWalletFind,
  ZWalletMovements,
  type TTransferCreate,
  type TTransferFind,
  type TWalletCreate,
  type TWalletFind,
  type TWalletMovements,
} from "./schema";

// Customer wallets (CUSTODIAL tenants, issue 5). A wallet's balance is its ledger account
// wallet:<id> (LIABILITY, bound NON_NEGATIVE): posted is what the ledger holds, available is
// posted minus pending outflows (withdrawal holds). Nothing here keeps a balance of its own.
// Transfers are synchronous: one transaction posts the walletTransfer template and records the
// transfer; the bound refuses an overdraft, so concurrent transfers from one wallet admit exactly
// what fits (the balance row lock serialises them). A refused transfer leaves nothing behind.

export const WALLET_CURRENCY = "CNY";

const walletSelect = {
  id: true,
  merchantId: true,
  externalUserId: true,
  status: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.WalletSelect;

type WalletRow = Prisma.WalletGetPayload<{ select: typeof walletSelect }>;

export interface WalletView extends WalletRow {
  postedMinor: bigint;
  availableMinor: bigint;
  currency: string;
}

export const transferSelect = {
  id: true,
  merchantId: true,
  merchantTransferNo: true,
  fromWalletId: true,
  toWalletId: true,
  amountMinor: true,
  status: true,
  ledgerEntryId: true,
  businessDate: true,
  createdAt: true,
} as const satisfies Prisma.TransferSelect;

export type TransferView = Prisma.TransferGetPayload<{ select: typeof transferSelect }>;

export const walletNotFound = (field?: string) => new DomainError("NOT_FOUND", "WALLET_NOT_FOUND", "No such wallet", field ? { field } : undefined);
const transferNotFound = () => new DomainError("NOT_FOUND", "TRANSFER_NOT_FOUND", "No such transfer");

/** Posted and available balance of each wallet, from the ledger (two queries for any number of wallets). */
export async function walletBalances(tx: Tx, ctx: TenantContext, walletIds: readonly string[]): Promise<Map<string, { postedMinor: bigint; availableMinor: bigint }>> {
  const out = new Map<string, { postedMinor: bigint; availableMinor: bigint }>();
  if (walletIds.length === 0) return out;
  const rows = await tx.ledgerAccount.findMany({
    where: { tenantId: ctx.tenantId, ownerType: "wallet", ownerId: { in: [...walletIds] }, currency: WALLET_CURRENCY },
    select: { id: true, ownerId: true, type: true },
  });
  const sums = await tx.ledgerBalance.groupBy({
    by: ["accountId"],
    where: { tenantId: ctx.tenantId, accountId: { in: rows.map((r) => r.id) } },
    _sum: { postedDebit: true, postedCredit: true, pendingDebit: true, pendingCredit: true },
  });
  const byAccount = new Map(sums.map((s) => [s.accountId, s._sum]));
  for (const r of rows) {
    if (!r.ownerId) continue;
    const s = byAccount.get(r.id);
    const b = normalBalance(r.type, { postedDebit: s?.postedDebit ?? 0n, postedCredit: s?.postedCredit ?? 0n, pendingDebit: s?.pendingDebit ?? 0n, pendingCredit: s?.pendingCredit ?? 0n });
    out.set(r.ownerId, { postedMinor: b.postedMinor, availableMinor: b.availableMinor });
  }
  return out;
}

async function withBalances(tx: Tx, ctx: TenantContext, rows: WalletRow[]): Promise<WalletView[]> {
  const balances = await walletBalances(tx, ctx, rows.map((r) => r.id));
  return rows.map((r) => ({ ...r, ...(balances.get(r.id) ?? { postedMinor: 0n, availableMinor: 0n }), currency: WALLET_CURRENCY }));
}

/**
 * The merchant's wallet for `externalUserId`, created (with its ledger account, in the same
 * transaction) if it does not exist yet. Concurrent calls for one user make one wallet: the insert
 * does nothing on conflict and the row is read back.
 */
export async function createWallet(tx: Tx, ctx: TenantContext, raw: TWalletCreate): Promise<{ wallet: WalletView; created: boolean }> {
  const input = ZWalletCreate.parse(raw);
  await requireCustodial(tx, ctx);
  const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: input.merchantId }, select: { status: true } });
  if (!merchant) throw notFound("Merchant");
  const id = randomUUID();
  const inserted = await tx.wallet.createMany({ data: [{ tenantId: ctx.tenantId, id, merchantId: input.merchantId, externalUserId: input.externalUserId }], skipDuplicates: true });
  if (inserted.count === 1) {
    // An existing user's wallet is answered even for a suspended merchant; only new ones are refused.
    if (merchant.status !== "ACTIVE") throw new DomainError("PRECONDITION", "MERCHANT_NOT_ACTIVE", "This merchant cannot open wallets now");
    await openWalletAccount(tx, ctx, id);
  }
  const row = await tx.wallet.findFirstOrThrow({ where: { tenantId: ctx.tenantId, merchantId: input.merchantId, externalUserId: input.externalUserId }, select: walletSelect });
  const [wallet] = await withBalances(tx, ctx, [row]);
  return { wallet: wallet!, created: inserted.count === 1 };
}

/** One wallet with its balance; `merchantId` narrows to one merchant's (the merchant API). */
export async function getWallet(tx: Tx, ctx: TenantContext, id: string, merchantId?: string): Promise<WalletView & { merchantName: string }> {
  await requireCustodial(tx, ctx);
  const row = await tx.wallet.findFirst({ where: { tenantId: ctx.tenantId, id, ...(merchantId ? { merchantId } : {}) }, select: { ...walletSelect, merchant: { select: { shortName: true } } } });
  if (!row) throw walletNotFound();
  const { merchant, ...wallet } = row;
  const [view] = await withBalances(tx, ctx, [wallet]);
  return { ...view!, merchantName: merchant.shortName };
}

export async function findWallets(tx: Tx, ctx: TenantContext, raw: TWalletFind): Promise<Page<WalletView & { merchantName: string }>> {
  const input = ZWalletFind.parse(raw);
  await requireCustodial(tx, ctx);
  const limit = clampLimit(input.limit);
  const rows = await tx.wallet.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.merchantId ? { merchantId: input.merchantId } : {}),
      ...(input.externalUserId ? { externalUserId: input.externalUserId } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...afterCreatedAtDesc(input.cursor),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: { ...walletSelect, merchant: { select: { shortName: true } } },
  });
  const page = toPage(rows, limit, cursorOfCreatedAt);
  const views = await withBalances(tx, ctx, page.items.map(({ merchant: _m, ...w }) => w));
  return { items: views.map((v, i) => ({ ...v, merchantName: page.items[i]!.merchant.shortName })), nextCursor: page.nextCursor };
}

/** The wallet's ledger movements (its account statement), newest first. */
export async function walletMovements(tx: Tx, ctx: TenantContext, raw: TWalletMovements) {
  const input = ZWalletMovements.parse(raw);
  const wallet = await getWallet(tx, ctx, input.id);
  const ids = await resolveAccounts(tx, ctx, [accounts.wallet(wallet.id)], WALLET_CURRENCY);
  const accountId = ids.get(`OWN|wallet:${wallet.id}`);
  if (!accountId) throw walletNotFound();
  const statement = await accountStatement(tx, ctx, accountId, { cursor: input.cursor ?? null, ...(input.limit ? { limit: input.limit } : {}) });
  return { accountId, items: statement.items, nextCursor: statement.nextCursor };
}

/**
 * Wallet to wallet, both of the same merchant and ACTIVE. A used merchantTransferNo is a 409 with
 * the transfer's id (a retry after a timeout should reuse its Idempotency-Key instead); a transfer
 * that does not fit the from wallet's available balance is INSUFFICIENT_WALLET_BALANCE.
 */
export async function createTransfer(tx: Tx, ctx: TenantContext, raw: TTransferCreate): Promise<TransferView> {
  const input = ZTransferCreate.parse(raw);
  const { timeZone } = await requireCustodial(tx, ctx);
  if (input.fromWalletId === input.toWalletId) throw new DomainError("BAD_INPUT", "TRANSFER_SAME_WALLET", "toWalletId: a transfer needs two different wallets", { field: "toWalletId" });
  const taken = await tx.transfer.findFirst({ where: { tenantId: ctx.tenantId, merchantId: input.merchantId, merchantTransferNo: input.merchantTransferNo }, select: { id: true } });
  if (taken) throw transferNoTaken(input.merchantTransferNo, taken.id);
  const wallets = await tx.wallet.findMany({ where: { tenantId: ctx.tenantId, merchantId: input.merchantId, id: { in: [input.fromWalletId, input.toWalletId] } }, select: { id: true, status: true } });
  for (const field of ["fromWalletId", "toWalletId"] as const) {
    const w = wallets.find((x) => x.id === input[field]);
    if (!w) throw walletNotFound(field);
    if (w.status !== "ACTIVE") throw new DomainError("PRECONDITION", "WALLET_NOT_ACTIVE", `${field}: the wallet is ${w.status.toLowerCase()}`, { field });
  }
  const id = randomUUID();
  const businessDate = todayIn(timeZone);
  let entryId: string;
  try {
    const posted = await postEntry(tx, ctx, walletTransfer(input.fromWalletId, input.toWalletId, input.amountMinor), {
      businessDate,
      idempotencyKey: `transfer:${id}`,
      causeType: "transfer",
      causeId: id,
      description: `Transfer ${input.merchantTransferNo}`,
    });
    entryId = posted.entryId;
  } catch (e) {
    if (isDomainError(e) && e.code === "INSUFFICIENT_FUNDS") throw insufficientBalance("fromWalletId", e);
    throw e;
  }
  try {
    return await tx.transfer.create({
      data: {
        tenantId: ctx.tenantId,
        id,
        merchantId: input.merchantId,
        merchantTransferNo: input.merchantTransferNo,
        fromWalletId: input.fromWalletId,
        toWalletId: input.toWalletId,
        amountMinor: input.amountMinor,
        ledgerEntryId: entryId,
        businessDate: new Date(`${businessDate}T00:00:00Z`),
      },
      select: transferSelect,
    });
  } catch (e) {
    // A concurrent transfer with the same number won; this one's entry rolls back with it.
    if (isUniqueViolation(e)) throw transferNoTaken(input.merchantTransferNo);
    throw e;
  }
}

function transferNoTaken(no: string, transferId?: string): DomainError {
  return new DomainError("CONFLICT", "MERCHANT_TRANSFER_NO_TAKEN", `The transfer number ${no} has already been used`, {
    field: "merchantTransferNo",
    ...(transferId ? { params: { transferId } } : {}),
  });
}

export function insufficientBalance(field: string, cause?: unknown): DomainError {
  return new DomainError("INVARIANT", "INSUFFICIENT_WALLET_BALANCE", "The wallet's available balance does not cover this amount", { field, cause });
}

export async function getTransfer(tx: Tx, ctx: TenantContext, id: string, merchantId?: string): Promise<TransferView> {
  await requireCustodial(tx, ctx);
  const t = await tx.transfer.findFirst({ where: { tenantId: ctx.tenantId, id, ...(merchantId ? { merchantId } : {}) }, select: transferSelect });
  if (!t) throw transferNotFound();
  return t;
}

export async function findTransfers(tx: Tx, ctx: TenantContext, raw: TTransferFind) {
  const input = ZTransferFind.parse(raw);
  await requireCustodial(tx, ctx);
  const limit = clampLimit(input.limit);
  const rows = await tx.transfer.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.merchantId ? { merchantId: input.merchantId } : {}),
      ...(input.merchantTransferNo ? { merchantTransferNo: input.merchantTransferNo } : {}),
      // The wallet filter and the cursor both need an OR: combined under AND.
      AND: [...(input.walletId ? [{ OR: [{ fromWalletId: input.walletId }, { toWalletId: input.walletId }] }] : []), afterCreatedAtDesc(input.cursor)],
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: transferSelect,
  });
  const page = toPage(rows, limit, cursorOfCreatedAt);
  const walletIds = [...new Set(page.items.flatMap((t) => [t.fromWalletId, t.toWalletId]))];
  const users = await tx.wallet.findMany({ where: { tenantId: ctx.tenantId, id: { in: walletIds } }, select: { id: true, externalUserId: true } });
  const userOf = new Map(users.map((u) => [u.id, u.externalUserId]));
  return {
    items: page.items.map((t) => ({ ...t, businessDate: t.businessDate.toISOString().slice(0, 10), fromExternalUserId: userOf.get(t.fromWalletId) ?? null, toExternalUserId: userOf.get(t.toWalletId) ?? null })),
    nextCursor: page.nextCursor,
  };
}
