import { randomUUID } from "node:crypto";
import { recordAudit } from "@/server/core/audit/service";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { registerAtSandbox } from "@/server/core/channels/provision";
import { openMerchantAccounts } from "@/server/core/ledger/service";
import { seal } from "@/server/core/secrets/envelope";
import { Prisma } from "@/server/db/generated/prisma/client";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, keysetBy, toPage } from "@/server/db/keyset";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import {
  ZMerchantCreate,
  ZMerchantFind,
  ZMerchantUpdate,
  ZStoreFind,
  ZStoreInput,
  ZStoreUpdate,
  type TMerchantFind,
  type TMerchantInput,
  type TMerchantUpdate,
  type TStoreFind,
  type TStoreInput,
  type TStoreUpdate,
} from "./schema";

export const merchantSelect = {
  id: true,
  legalName: true,
  shortName: true,
  creditCode: true,
  legalRepresentative: true,
  mcc: true,
  contactName: true,
  contactPhone: true,
  contactEmail: true,
  status: true,
  settlementAccountName: true,
  settlementBankName: true,
  settlementAccountLast4: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.MerchantSelect;

export type MerchantView = Prisma.MerchantGetPayload<{ select: typeof merchantSelect }>;

function sealAccount(ctx: TenantContext, merchantId: string, number: string) {
  return {
    settlementAccountNumber: seal({ tenantId: ctx.tenantId, table: "merchant", rowId: merchantId, field: "settlementAccountNumber" }, number),
    settlementAccountLast4: number.slice(-4),
  };
}

function uniqueClash(e: unknown): never {
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
    throw new DomainError("CONFLICT", "MERCHANT_CREDIT_CODE_TAKEN", "A merchant with this unified social credit code already exists", { field: "creditCode" });
  }
  throw e;
}

export async function findMerchants(tx: Tx, ctx: TenantContext, raw: TMerchantFind) {
  const input = ZMerchantFind.parse(raw);
  const limit = clampLimit(input.limit);
  const sort = input.sort ?? { id: "createdAt" as const, desc: true };
  const keyset = keysetBy(sort.id, sort.id === "createdAt" ? "date" : "text", sort.desc, input.cursor);
  const rows = await tx.merchant.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.status ? { status: input.status } : {}),
      ...(input.q
        ? { AND: [{ OR: [{ legalName: { contains: input.q, mode: "insensitive" } }, { shortName: { contains: input.q, mode: "insensitive" } }, { creditCode: { startsWith: input.q.toUpperCase() } }] }] }
        : {}),
      ...keyset.where,
    },
    orderBy: keyset.orderBy,
    take: limit + 1,
    select: { ...merchantSelect, _count: { select: { stores: true } } },
  });
  return toPage(rows, limit, keyset.cursorOf);
}

export async function getMerchant(tx: Tx, ctx: TenantContext, id: string) {
  const m = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id }, select: merchantSelect });
  if (!m) throw notFound("Merchant");
  return m;
}

export async function createMerchant(tx: Tx, ctx: TenantContext, raw: TMerchantInput) {
  const input = ZMerchantCreate.parse(raw);
  const id = randomUUID();
  const { settlementAccountNumber, ...rest } = input;
  try {
    const merchant = await tx.merchant.create({
      data: {
        tenantId: ctx.tenantId,
        id,
        ...rest,
        contactEmail: rest.contactEmail ?? null,
        ...(settlementAccountNumber ? sealAccount(ctx, id, settlementAccountNumber) : {}),
      },
      select: merchantSelect,
    });
    await openMerchantAccounts(tx, ctx, id);
    await registerAtSandbox(tx, ctx, id);
    await recordAudit(tx, ctx, { action: "merchant.create", entityType: "merchant", entityId: id, after: merchant });
    return merchant;
  } catch (e) {
    uniqueClash(e);
  }
}

export async function updateMerchant(tx: Tx, ctx: TenantContext, raw: TMerchantUpdate) {
  const { id, settlementAccountNumber, ...changes } = ZMerchantUpdate.parse(raw);
  const before = await getMerchant(tx, ctx, id);
  if (before.status === "ARCHIVED" && changes.status !== "ACTIVE") {
    throw new DomainError("PRECONDITION", "MERCHANT_ARCHIVED", "This merchant is archived; reactivate it before editing");
  }
  try {
    const after = await tx.merchant.update({
      where: { tenantId_id: { tenantId: ctx.tenantId, id } },
      data: { ...changes, ...(settlementAccountNumber ? sealAccount(ctx, id, settlementAccountNumber) : {}) },
      select: merchantSelect,
    });
    await recordAudit(tx, ctx, { action: "merchant.update", entityType: "merchant", entityId: id, before, after });
    return after;
  } catch (e) {
    uniqueClash(e);
  }
}

export async function archiveMerchant(tx: Tx, ctx: TenantContext, id: string) {
  const before = await getMerchant(tx, ctx, id);
  const after = await tx.merchant.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { status: "ARCHIVED" }, select: merchantSelect });
  // Archived merchants' users can no longer sign in.
  await tx.user.updateMany({ where: { tenantId: ctx.tenantId, merchantId: id }, data: { status: "DISABLED" } });
  await tx.session.deleteMany({ where: { tenantId: ctx.tenantId, user: { merchantId: id } } });
  await recordAudit(tx, ctx, { action: "merchant.archive", entityType: "merchant", entityId: id, before, after });
  return after;
}

export const storeSelect = {
  id: true,
  merchantId: true,
  name: true,
  address: true,
  latitude: true,
  longitude: true,
  status: true,
  createdAt: true,
  updatedAt: true,
  merchant: { select: { shortName: true } },
} as const satisfies Prisma.StoreSelect;

function storeView<T extends { latitude: Prisma.Decimal | null; longitude: Prisma.Decimal | null }>(s: T) {
  return { ...s, latitude: s.latitude === null ? null : Number(s.latitude), longitude: s.longitude === null ? null : Number(s.longitude) };
}

export async function findStores(tx: Tx, ctx: TenantContext, raw: TStoreFind) {
  const input = ZStoreFind.parse(raw);
  const limit = clampLimit(input.limit);
  const rows = await tx.store.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.merchantId ? { merchantId: input.merchantId } : {}),
      ...(input.q ? { OR: [{ name: { contains: input.q, mode: "insensitive" } }, { address: { contains: input.q, mode: "insensitive" } }] } : {}),
      ...afterCreatedAtDesc(input.cursor),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: storeSelect,
  });
  const page = toPage(rows, limit, cursorOfCreatedAt);
  return { items: page.items.map(storeView), nextCursor: page.nextCursor };
}

export async function getStore(tx: Tx, ctx: TenantContext, id: string) {
  const s = await tx.store.findFirst({ where: { tenantId: ctx.tenantId, id }, select: storeSelect });
  if (!s) throw notFound("Store");
  return storeView(s);
}

export async function createStore(tx: Tx, ctx: TenantContext, raw: TStoreInput) {
  const input = ZStoreInput.parse(raw);
  const merchant = await getMerchant(tx, ctx, input.merchantId);
  if (merchant.status !== "ACTIVE") throw new DomainError("PRECONDITION", "MERCHANT_NOT_ACTIVE", "Stores can only be added to an active merchant");
  const store = await tx.store.create({
    data: { tenantId: ctx.tenantId, ...input, latitude: input.latitude ?? null, longitude: input.longitude ?? null },
    select: storeSelect,
  });
  await recordAudit(tx, ctx, { action: "store.create", entityType: "store", entityId: store.id, after: storeView(store) });
  return storeView(store);
}

export async function updateStore(tx: Tx, ctx: TenantContext, raw: TStoreUpdate) {
  const { id, ...changes } = ZStoreUpdate.parse(raw);
  const before = await getStore(tx, ctx, id);
  const after = await tx.store.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: changes, select: storeSelect });
  await recordAudit(tx, ctx, { action: "store.update", entityType: "store", entityId: id, before, after: storeView(after) });
  return storeView(after);
}
