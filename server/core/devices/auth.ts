import { DomainError } from "@/server/core/errors/domain-error";
import type { ApiPrincipal } from "@/server/core/merchant-api/auth";
import { verifySignature, TIMESTAMP_WINDOW_SECONDS, type ParsedAuthorization, type SignedParts } from "@/server/core/merchant-api/signature";
import { open } from "@/server/core/secrets/envelope";
import { ENCRYPTED_COLUMNS, sealContextFor, type EncryptedColumn } from "@/server/core/secrets/registry";
import { authorizedTenantId, type TenantId, type Tx } from "@/server/db/tenant-tx";

// Authenticating a signed device request: the merchant API's scheme (SWY1-HMAC-SHA256, the same
// header, timestamp window and nonce rule) with keyId = deviceId. It runs in the gate's auth
// transaction, already bound to the host's tenant, so the device is looked up under RLS: a device
// of another tenant is exactly as unknown as one that does not exist. Its state is revealed only
// to a caller whose signature verifies.

export const DEVICE_SECRET_COLUMN: EncryptedColumn = (() => {
  const column = ENCRYPTED_COLUMNS.find((c) => c.table === "device" && c.column === "secret_enc");
  if (!column) throw new Error("device.secret_enc is not registered in ENCRYPTED_COLUMNS");
  return column;
})();

const unauthorized = (code: string, message: string) => new DomainError("UNAUTHORIZED", code, message);

export async function authenticateDevice(tx: Tx, hostTenantId: string, auth: ParsedAuthorization, request: Omit<SignedParts, "timestamp" | "nonce">): Promise<ApiPrincipal> {
  const tenantId: TenantId = authorizedTenantId(hostTenantId);
  // Raw SQL: the signed-request gate runs in a raw-only transaction (withTenantTx rawOnly).
  const [device] = await tx.$queryRaw<Array<{ id: string; status: string; merchantId: string | null; secret: string | null }>>`
    SELECT id, status::text, merchant_id AS "merchantId", secret_enc AS secret FROM device WHERE tenant_id = ${tenantId}::uuid AND device_id = ${auth.keyId}`;
  if (!device || device.secret === null) throw unauthorized("DEVICE_UNKNOWN", "No such activated device; activate it with an activation code first");
  const secret = open(sealContextFor(DEVICE_SECRET_COLUMN, tenantId, device.id), device.secret);
  if (!verifySignature(secret, { ...request, timestamp: auth.timestamp, nonce: auth.nonce }, auth.signature)) {
    throw unauthorized("SIGNATURE_INVALID", "The signature does not match the request");
  }
  if (device.status === "RETIRED") throw new DomainError("FORBIDDEN", "DEVICE_RETIRED", "This device is retired");
  if (device.merchantId === null || device.status === "RETURNED" || device.status === "IN_STOCK") {
    throw new DomainError("FORBIDDEN", "DEVICE_NOT_ASSIGNED", "This device is not assigned to a store; ask your service provider to assign and activate it");
  }
  const expiresAt = new Date((Number(auth.timestamp) + TIMESTAMP_WINDOW_SECONDS) * 1000);
  const fresh = await tx.$queryRaw<{ n: number }[]>`
    INSERT INTO device_nonce (tenant_id, device_id, nonce, expires_at)
    VALUES (${tenantId}::uuid, ${device.id}::uuid, ${auth.nonce}, ${expiresAt}::timestamptz)
    ON CONFLICT DO NOTHING RETURNING 1 AS n`;
  if (fresh.length !== 1) throw unauthorized("NONCE_REUSED", "This nonce was already used by this device; sign every request with a new one");
  return { tenantId, merchantId: device.merchantId, keyId: auth.keyId, apiKeyRowId: device.id, idempotencyScope: `device:${device.id}:` };
}

/** Housekeeping: device nonces whose request timestamps have left the window. */
export async function purgeExpiredDeviceNonces(tx: Tx, tenantId: TenantId, now = new Date()): Promise<number> {
  return tx.$executeRaw`DELETE FROM device_nonce WHERE tenant_id = ${tenantId}::uuid AND expires_at < ${now}::timestamptz`;
}
