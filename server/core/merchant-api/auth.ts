import { DomainError } from "@/server/core/errors/domain-error";
import { open } from "@/server/core/secrets/envelope";
import { sealContextFor } from "@/server/core/secrets/registry";
import { authorizedTenantId, type TenantId, type Tx } from "@/server/db/tenant-tx";
import { SECRET_COLUMN } from "./keys";
import { parseAuthorization, timestampInWindow, TIMESTAMP_WINDOW_SECONDS, verifySignature, type ParsedAuthorization, type SignedParts } from "./signature";

// Authenticating a merchant API request. The cheap checks (header syntax, clock) come first and
// need no database; the rest runs in the request's auth transaction, bound to the tenant the
// host names: the key is looked up by its id (system_api_key), must belong to that tenant, the
// signature must verify, and only then is the key's state revealed and its nonce consumed.

/** Who a verified request is: a key of one merchant of the host's tenant. */
export interface ApiPrincipal {
  readonly tenantId: TenantId;
  readonly merchantId: string;
  /** The public key id (ak_…). */
  readonly keyId: string;
  /** merchant_api_key.id (device.id for a device of the device API) */
  readonly apiKeyRowId: string;
  /** Prefixed to Idempotency-Keys, so another signer of the merchant (a device) has keys of its own. */
  readonly idempotencyScope?: string;
}

/** How long a nonce is kept after its request's timestamp has left the window. */
export const NONCE_KEPT_PAST_WINDOW_SECONDS = 60;

const unauthorized = (code: string, message: string) => new DomainError("UNAUTHORIZED", code, message);

/** Header syntax and the timestamp window: everything that needs neither the key nor the database. */
export function checkAuthorizationHeader(header: string | null, nowMs: number): ParsedAuthorization {
  const parsed = parseAuthorization(header);
  if (!parsed.ok) throw unauthorized(parsed.code, parsed.message);
  if (!timestampInWindow(parsed.value.timestamp, nowMs)) {
    throw new DomainError("UNAUTHORIZED", "TIMESTAMP_OUT_OF_WINDOW", `The request timestamp must be within ${TIMESTAMP_WINDOW_SECONDS} seconds of the server's clock`, {
      params: { serverTime: Math.floor(nowMs / 1000), windowSeconds: TIMESTAMP_WINDOW_SECONDS },
    });
  }
  return parsed.value;
}

interface KeyRow {
  tenant_id: string;
  id: string;
  merchant_id: string;
  status: "ACTIVE" | "REVOKED";
  secret_enc: string;
  merchant_status: "ACTIVE" | "SUSPENDED" | "ARCHIVED";
}

/**
 * Verifies the request inside `tx` (bound to `hostTenantId`) and consumes its nonce. Throws a
 * DomainError (UNAUTHORIZED / FORBIDDEN) with a stable code on refusal; the caller's transaction
 * then rolls back, so a refused request leaves nothing behind.
 */
export async function authenticateRequest(
  tx: Tx,
  hostTenantId: string,
  auth: ParsedAuthorization,
  request: Omit<SignedParts, "timestamp" | "nonce">,
): Promise<ApiPrincipal> {
  const rows = await tx.$queryRaw<KeyRow[]>`SELECT * FROM system_api_key(${auth.keyId})`;
  const key = rows[0];
  // A key of another tenant is exactly as unknown here as a key that does not exist.
  if (!key || key.tenant_id !== hostTenantId) throw unauthorized("KEY_UNKNOWN", "No such API key");
  const secret = open(sealContextFor(SECRET_COLUMN, key.tenant_id, key.id), key.secret_enc);
  if (!verifySignature(secret, { ...request, timestamp: auth.timestamp, nonce: auth.nonce }, auth.signature)) {
    throw unauthorized("SIGNATURE_INVALID", "The signature does not match the request");
  }
  // Only a caller who holds the secret learns that the key is revoked.
  if (key.status !== "ACTIVE") throw unauthorized("KEY_REVOKED", "This API key has been revoked");
  if (key.merchant_status !== "ACTIVE") throw new DomainError("FORBIDDEN", "MERCHANT_NOT_ACTIVE", "The merchant of this API key is not active");

  // The nonce is kept past the moment the request's timestamp leaves the window (a replay before
  // then finds it; a replay after then fails the timestamp check). The window is checked in whole
  // seconds, so a timestamp is still accepted up to a second after its window's end: the margin
  // keeps the nonce well beyond that, whenever housekeeping runs. last_used_at is written at most
  // once a minute, so a busy key does not rewrite its row on every request.
  const expiresAt = new Date((Number(auth.timestamp) + TIMESTAMP_WINDOW_SECONDS + NONCE_KEPT_PAST_WINDOW_SECONDS) * 1000);
  const consumed = await tx.$queryRaw<{ fresh: boolean }[]>`
    WITH n AS (
      INSERT INTO api_nonce (tenant_id, api_key_id, nonce, expires_at)
      VALUES (${key.tenant_id}::uuid, ${key.id}::uuid, ${auth.nonce}, ${expiresAt}::timestamptz)
      ON CONFLICT DO NOTHING
      RETURNING 1
    ), used AS (
      UPDATE merchant_api_key SET last_used_at = now()
       WHERE tenant_id = ${key.tenant_id}::uuid AND id = ${key.id}::uuid AND EXISTS (SELECT 1 FROM n)
         AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')
      RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM n) AS fresh`;
  if (!consumed[0]?.fresh) throw unauthorized("NONCE_REUSED", "This nonce was already used with this key; sign every request with a new one");

  return { tenantId: authorizedTenantId(key.tenant_id), merchantId: key.merchant_id, keyId: auth.keyId, apiKeyRowId: key.id };
}

/** Housekeeping: nonces whose request timestamps have left the window can never match again. */
export async function purgeExpiredNonces(tx: Tx, tenantId: TenantId, now = new Date()): Promise<number> {
  return tx.$executeRaw`DELETE FROM api_nonce WHERE tenant_id = ${tenantId}::uuid AND expires_at < ${now}::timestamptz`;
}
