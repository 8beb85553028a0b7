import type { z } from "zod";
import { randomUUID } from "node:crypto";
import { recordAudit } from "@/server/core/audit/service";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { seal } from "@/server/core/secrets/envelope";
import { Prisma } from "@/server/db/generated/prisma/client";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, toPage } from "@/server/db/keyset";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { ZRegistrationFind, ZRegistrationInput, ZRegistrationUpdate, type TRegistrationInput, type TRegistrationUpdate } from "./schema";

// Merchant channel registrations (merchant or store × channel account): the identity a payment
// carries at the channel. A merchant is only paid where it has an ACTIVE one.

export const registrationSelect = {
  id: true,
  merchantId: true,
  storeId: true,
  channelAccountId: true,
  subMchId: true,
  subAppId: true,
  smid: true,
  shopId: true,
  acquirerMerchantNo: true,
  terminalNo: true,
  status: true,
  channelRatePpm: true,
  createdAt: true,
  updatedAt: true,
  appAuthToken: true,
  merchant: { select: { shortName: true } },
  store: { select: { name: true } },
  account: { select: { name: true, channelType: true } },
} as const satisfies Prisma.MerchantChannelRegistrationSelect;

type Row = Prisma.MerchantChannelRegistrationGetPayload<{ select: typeof registrationSelect }>;

/** The sealed token never leaves the server; the console sees whether one is set. */
function view({ appAuthToken, ...row }: Row) {
  return { ...row, hasAppAuthToken: appAuthToken !== null };
}

function sealToken(ctx: TenantContext, id: string, token: string) {
  return seal({ tenantId: ctx.tenantId, table: "merchant_channel_registration", rowId: id, field: "appAuthToken" }, token);
}

/** Which identity fields a channel needs before a registration can be ACTIVE. */
const REQUIRED_IDENTITY: Record<string, readonly ("subMchId" | "smid" | "acquirerMerchantNo")[]> = {
  WECHAT: ["subMchId"],
  ALIPAY: ["smid"],
  BANK: ["acquirerMerchantNo"],
  SANDBOX: [],
};

function checkIdentity(channelType: string, reg: { subMchId?: string | null; smid?: string | null; acquirerMerchantNo?: string | null; status?: string }) {
  if (reg.status !== "ACTIVE") return;
  for (const field of REQUIRED_IDENTITY[channelType] ?? []) {
    if (!reg[field]) {
      throw new DomainError("BAD_INPUT", "REGISTRATION_IDENTITY_MISSING", `An active ${channelType} registration needs ${field}`, { field, params: { field, channel: channelType } });
    }
  }
}

export async function findRegistrations(tx: Tx, ctx: TenantContext, raw: z.input<typeof ZRegistrationFind>) {
  const input = ZRegistrationFind.parse(raw);
  const limit = clampLimit(input.limit);
  const rows = await tx.merchantChannelRegistration.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.merchantId ? { merchantId: input.merchantId } : {}),
      ...(input.channelAccountId ? { channelAccountId: input.channelAccountId } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...afterCreatedAtDesc(input.cursor),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: registrationSelect,
  });
  const page = toPage(rows, limit, cursorOfCreatedAt);
  return { items: page.items.map(view), nextCursor: page.nextCursor };
}

export async function createRegistration(tx: Tx, ctx: TenantContext, raw: TRegistrationInput) {
  const input = ZRegistrationInput.parse(raw);
  const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: input.merchantId }, select: { status: true } });
  if (!merchant) throw notFound("Merchant");
  if (merchant.status === "ARCHIVED") throw new DomainError("PRECONDITION", "MERCHANT_ARCHIVED", "This merchant is archived");
  if (input.storeId) {
    const store = await tx.store.findFirst({ where: { tenantId: ctx.tenantId, id: input.storeId }, select: { merchantId: true } });
    if (!store) throw notFound("Store");
    if (store.merchantId !== input.merchantId) throw new DomainError("BAD_INPUT", "STORE_NOT_OF_MERCHANT", "This store belongs to another merchant", { field: "storeId" });
  }
  const account = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: input.channelAccountId }, select: { channelType: true } });
  if (!account) throw notFound("Channel account");
  const status = input.status ?? "PENDING";
  checkIdentity(account.channelType, { ...input, status });
  const id = randomUUID();
  const { appAuthToken, ...rest } = input;
  try {
    const row = await tx.merchantChannelRegistration.create({
      data: {
        ...rest,
        tenantId: ctx.tenantId,
        id,
        storeId: input.storeId ?? null,
        storeScope: input.storeId ?? "",
        status,
        ...(appAuthToken ? { appAuthToken: sealToken(ctx, id, appAuthToken) } : {}),
      },
      select: registrationSelect,
    });
    await recordAudit(tx, ctx, { action: "registration.create", entityType: "merchant_channel_registration", entityId: id, after: view(row) });
    return view(row);
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      throw new DomainError("CONFLICT", "REGISTRATION_EXISTS", "This merchant (or store) is already registered at this channel account", { field: "channelAccountId" });
    }
    throw e;
  }
}

export async function updateRegistration(tx: Tx, ctx: TenantContext, raw: TRegistrationUpdate) {
  const { id, appAuthToken, ...changes } = ZRegistrationUpdate.parse(raw);
  const before = await tx.merchantChannelRegistration.findFirst({ where: { tenantId: ctx.tenantId, id }, select: registrationSelect });
  if (!before) throw notFound("Registration");
  checkIdentity(before.account.channelType, { ...before, ...changes });
  const after = await tx.merchantChannelRegistration.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id } },
    data: { ...changes, ...(appAuthToken ? { appAuthToken: sealToken(ctx, id, appAuthToken) } : {}) },
    select: registrationSelect,
  });
  await recordAudit(tx, ctx, { action: before.status !== after.status ? `registration.${after.status.toLowerCase()}` : "registration.update", entityType: "merchant_channel_registration", entityId: id, before: view(before), after: view(after) });
  return view(after);
}
