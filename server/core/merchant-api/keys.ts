import { randomBytes, randomUUID } from "node:crypto";
import { recordAudit } from "@/server/core/audit/service";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { seal } from "@/server/core/secrets/envelope";
import { ENCRYPTED_COLUMNS, sealContextFor, type EncryptedColumn } from "@/server/core/secrets/registry";
import { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { ZApiKeyCreate, ZApiKeyList, ZApiKeyRevoke, type TApiKeyCreate, type TApiKeyList, type TApiKeyRevoke } from "./schema";

// API keys of merchants: created from the console or the CLI, the secret shown once and kept only
// sealed; several ACTIVE at once so a merchant can rotate without downtime; revoked, never deleted.

/** More than this many ACTIVE keys per merchant is refused: rotation needs two, not dozens. */
export const MAX_ACTIVE_KEYS_PER_MERCHANT = 10;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` characters of base62 from the CSPRNG, without modulo bias (bytes ≥ 248 are redrawn). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248) out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A public key id: `ak_` + 24 base62 (≈143 bits, so ids never collide in practice). */
export const newKeyId = () => `ak_${randomBase62(24)}`;
/** A secret: `sk_` + 43 base62 (≈256 bits). The HMAC key is this whole string. */
export const newSecret = () => `sk_${randomBase62(43)}`;

export const SECRET_COLUMN: EncryptedColumn = (() => {
  const column = ENCRYPTED_COLUMNS.find((c) => c.table === "merchant_api_key" && c.column === "secret_enc");
  if (!column) throw new Error("merchant_api_key.secret_enc is not registered in ENCRYPTED_COLUMNS");
  return column;
})();

export const apiKeySelect = {
  id: true,
  merchantId: true,
  keyId: true,
  label: true,
  status: true,
  createdBy: true,
  createdAt: true,
  revokedAt: true,
  revokedBy: true,
  lastUsedAt: true,
} as const satisfies Prisma.MerchantApiKeySelect;

export type ApiKeyView = Prisma.MerchantApiKeyGetPayload<{ select: typeof apiKeySelect }>;

const actorUserId = (ctx: TenantContext) => (ctx.actor.kind === "USER" ? ctx.actor.userId : null);

/** The keys of the tenant, or of one merchant, newest first. Never the secrets. */
export async function listApiKeys(tx: Tx, ctx: TenantContext, raw: TApiKeyList): Promise<ApiKeyView[]> {
  const input = ZApiKeyList.parse(raw);
  return tx.merchantApiKey.findMany({
    where: { tenantId: ctx.tenantId, ...(input.merchantId ? { merchantId: input.merchantId } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 500,
    select: apiKeySelect,
  });
}

/**
 * Creates a key for an ACTIVE merchant and returns it with its secret: the only time the secret
 * leaves the server. The stored copy is sealed for exactly this tenant, table, row and field.
 */
export async function createApiKey(tx: Tx, ctx: TenantContext, raw: TApiKeyCreate): Promise<ApiKeyView & { secret: string }> {
  const input = ZApiKeyCreate.parse(raw);
  const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: input.merchantId }, select: { id: true, status: true } });
  if (!merchant) throw notFound("Merchant");
  if (merchant.status !== "ACTIVE") {
    throw new DomainError("PRECONDITION", "MERCHANT_NOT_ACTIVE", "API keys can only be created for an active merchant", { field: "merchantId" });
  }
  // Serialise key creation per merchant so the limit below holds under concurrent requests.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('merchant_api_key:' || ${ctx.tenantId} || ':' || ${merchant.id}, 0))`;
  const active = await tx.merchantApiKey.count({ where: { tenantId: ctx.tenantId, merchantId: merchant.id, status: "ACTIVE" } });
  if (active >= MAX_ACTIVE_KEYS_PER_MERCHANT) {
    throw new DomainError("PRECONDITION", "API_KEY_LIMIT", `A merchant can have at most ${MAX_ACTIVE_KEYS_PER_MERCHANT} active API keys; revoke one first`, {
      params: { max: MAX_ACTIVE_KEYS_PER_MERCHANT },
    });
  }
  const id = randomUUID();
  const secret = newSecret();
  const key = await tx.merchantApiKey.create({
    data: {
      tenantId: ctx.tenantId,
      id,
      merchantId: merchant.id,
      keyId: newKeyId(),
      secret: seal(sealContextFor(SECRET_COLUMN, ctx.tenantId, id), secret),
      label: input.label ?? "",
      createdBy: actorUserId(ctx),
    },
    select: apiKeySelect,
  });
  await recordAudit(tx, ctx, { action: "api_key.create", entityType: "merchant_api_key", entityId: id, after: key });
  return { ...key, secret };
}

/** Revokes a key: requests signed with it are refused from the next one on. Revoking twice changes nothing. */
export async function revokeApiKey(tx: Tx, ctx: TenantContext, raw: TApiKeyRevoke): Promise<ApiKeyView> {
  const input = ZApiKeyRevoke.parse(raw);
  const before = await tx.merchantApiKey.findFirst({ where: { tenantId: ctx.tenantId, id: input.id }, select: apiKeySelect });
  if (!before) throw notFound("API key");
  if (before.status === "REVOKED") return before;
  const after = await tx.merchantApiKey.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: input.id } },
    data: { status: "REVOKED", revokedAt: new Date(), revokedBy: actorUserId(ctx) },
    select: apiKeySelect,
  });
  await recordAudit(tx, ctx, { action: "api_key.revoke", entityType: "merchant_api_key", entityId: input.id, before, after });
  return after;
}

/** The key with this public id in the caller's tenant (the CLI revokes by key id). */
export async function getApiKeyByKeyId(tx: Tx, ctx: TenantContext, keyId: string): Promise<ApiKeyView> {
  const key = await tx.merchantApiKey.findFirst({ where: { tenantId: ctx.tenantId, keyId }, select: apiKeySelect });
  if (!key) throw notFound("API key");
  return key;
}
