import { createHash, randomUUID } from "node:crypto";
import { DomainError } from "@/server/core/errors/domain-error";
import { systemLookup, type TenantId, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import type { ApiPrincipal } from "./auth";

// Idempotency-Key for every POST of the merchant API, per merchant.
//
//   1. claim: INSERT … ON CONFLICT DO NOTHING in the short auth transaction, committed before the
//      handler starts. Exactly one of any number of concurrent duplicates gets the row; the others
//      find it IN_PROGRESS (409) or, once it is COMPLETED, replay its response.
//   2. complete: the response is written into the row in the handler's own transaction, so the
//      handler's effects and the stored response commit together or not at all.
//   3. a handler that fails with a domain error (4xx) rolls back its effects; that response is then
//      stored in a transaction of its own and replayed like any other. An unexpected failure (5xx)
//      releases the claim instead, so the client's retry runs the request again.
//
// A claim whose process died is taken over after IDEMPOTENCY_LEASE_SECONDS: longer than any
// handler transaction can live (TX_OPTIONS: 30 s waiting for a connection + 60 s running), so the
// original can no longer commit; the completion also checks the claim token, belt and braces.

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_LEASE_SECONDS = 300;
/** Records older than this are deleted by housekeeping; a key may then be used again. */
export const IDEMPOTENCY_RETENTION_HOURS = 24;

/** sha256 (hex) of the method, the path with query and the body bytes. */
export function requestHash(method: string, pathWithQuery: string, body: Uint8Array): string {
  return createHash("sha256").update(`${method.toUpperCase()}\n${pathWithQuery}\n`, "utf8").update(body).digest("hex");
}

/** The Idempotency-Key header of a POST: required, 1–255 visible ASCII characters. */
export function checkIdempotencyKey(header: string | null): string {
  if (header === null || header === "") {
    throw new DomainError("BAD_INPUT", "IDEMPOTENCY_KEY_MISSING", "Every POST needs an Idempotency-Key header (a unique string of your choosing, at most 255 characters)", {
      field: "Idempotency-Key",
    });
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(header)) {
    throw new DomainError("BAD_INPUT", "IDEMPOTENCY_KEY_INVALID", "The Idempotency-Key must be 1 to 255 visible ASCII characters", { field: "Idempotency-Key" });
  }
  return header;
}

export type Claim = { kind: "claimed"; token: string } | { kind: "replay"; status: number; body: string };

interface ClaimRow {
  request_hash: string;
  status: "IN_PROGRESS" | "COMPLETED";
  response_status: number | null;
  response_body: string | null;
  stale: boolean;
}

const inProgress = () =>
  new DomainError("CONFLICT", "IDEMPOTENCY_KEY_IN_PROGRESS", "A request with this Idempotency-Key is still being processed; retry shortly to get its response");

/** Claims `key` for this request, or says why not (replay, 409). Runs in a transaction that commits before the handler. */
export async function claimIdempotencyKey(tx: Tx, principal: ApiPrincipal, key: string, hash: string): Promise<Claim> {
  const { tenantId, merchantId, apiKeyRowId } = principal;
  // A row deleted between our conflict and our read (a released claim) means: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const token = randomUUID();
    const inserted = await tx.$queryRaw<{ claim_token: string }[]>`
      INSERT INTO api_idempotency (tenant_id, merchant_id, key, request_hash, claim_token, api_key_id)
      VALUES (${tenantId}::uuid, ${merchantId}::uuid, ${key}, ${hash}, ${token}::uuid, ${apiKeyRowId}::uuid)
      ON CONFLICT DO NOTHING
      RETURNING claim_token::text`;
    if (inserted.length === 1) return { kind: "claimed", token };
    const rows = await tx.$queryRaw<ClaimRow[]>`
      SELECT request_hash, status, response_status, response_body,
             claimed_at < now() - make_interval(secs => ${IDEMPOTENCY_LEASE_SECONDS}) AS stale
        FROM api_idempotency
       WHERE tenant_id = ${tenantId}::uuid AND merchant_id = ${merchantId}::uuid AND key = ${key}`;
    const row = rows[0];
    if (!row) continue;
    if (row.request_hash !== hash) {
      throw new DomainError("CONFLICT", "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used for a different request (method, path or body); use a new key for a new request");
    }
    if (row.status === "COMPLETED" && row.response_status !== null && row.response_body !== null) {
      return { kind: "replay", status: row.response_status, body: row.response_body };
    }
    if (!row.stale) throw inProgress();
    const taken = await tx.$queryRaw<{ claim_token: string }[]>`
      UPDATE api_idempotency SET claim_token = ${token}::uuid, claimed_at = now(), api_key_id = ${apiKeyRowId}::uuid
       WHERE tenant_id = ${tenantId}::uuid AND merchant_id = ${merchantId}::uuid AND key = ${key}
         AND status = 'IN_PROGRESS' AND claimed_at < now() - make_interval(secs => ${IDEMPOTENCY_LEASE_SECONDS})
      RETURNING claim_token::text`;
    if (taken.length === 1) {
      logger.warn({ tenantId, merchantId, idempotencyKey: key }, "took over a stale idempotency claim");
      return { kind: "claimed", token };
    }
  }
  throw inProgress();
}

/** Thrown when the claim was taken over before the response could be stored (the work is rolled back). */
export class LostClaimError extends DomainError {
  constructor() {
    super("CONFLICT", "IDEMPOTENCY_KEY_IN_PROGRESS", "A request with this Idempotency-Key is still being processed; retry shortly to get its response");
    this.name = "LostClaimError";
  }
}

/** Stores the response of a claimed request; in the handler's transaction for a success. */
export async function completeIdempotencyKey(tx: Tx, principal: ApiPrincipal, key: string, token: string, status: number, body: string): Promise<void> {
  const n = await tx.$executeRaw`
    UPDATE api_idempotency
       SET status = 'COMPLETED', response_status = ${status}, response_body = ${body}, completed_at = now()
     WHERE tenant_id = ${principal.tenantId}::uuid AND merchant_id = ${principal.merchantId}::uuid AND key = ${key}
       AND claim_token = ${token}::uuid AND status = 'IN_PROGRESS'`;
  if (n !== 1) throw new LostClaimError();
}

/**
 * completeIdempotencyKey outside any transaction, for an operation whose work has committed in
 * transactions of its own: one statement (api_idempotency_complete, which touches only the claim
 * this token holds) instead of a transaction's three round trips.
 */
export async function storeIdempotentResponse(principal: ApiPrincipal, key: string, token: string, status: number, body: string): Promise<void> {
  const [row] = await systemLookup((tx) =>
    tx.$queryRaw<Array<{ stored: boolean }>>`
      SELECT api_idempotency_complete(${principal.tenantId}::uuid, ${principal.merchantId}::uuid, ${key}, ${token}::uuid, ${status}::int, ${body}) AS stored`,
  );
  if (!row?.stored) throw new LostClaimError();
}

/** Gives a claim back after an unexpected failure, so a retry runs the request again. */
export async function releaseIdempotencyKey(tx: Tx, principal: ApiPrincipal, key: string, token: string): Promise<void> {
  await tx.$executeRaw`
    DELETE FROM api_idempotency
     WHERE tenant_id = ${principal.tenantId}::uuid AND merchant_id = ${principal.merchantId}::uuid AND key = ${key}
       AND claim_token = ${token}::uuid AND status = 'IN_PROGRESS'`;
}

/** Housekeeping: records past the retention period (and claims abandoned that long) are deleted. */
export async function purgeOldIdempotencyRecords(tx: Tx, tenantId: TenantId, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - IDEMPOTENCY_RETENTION_HOURS * 3_600_000);
  return tx.$executeRaw`DELETE FROM api_idempotency WHERE tenant_id = ${tenantId}::uuid AND created_at < ${before}::timestamptz`;
}
