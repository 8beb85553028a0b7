import { withTenantTx, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { signedApiRoute, type ApiCall, type ApiReply, type ApiRoute, type SignedRouteOptions } from "./handler";
import { LostClaimError, releaseIdempotencyKey, storeIdempotentResponse } from "./idempotency";
import { toApiJson } from "./json";

// The multi-step variant of the /api/v1 wrapper, for operations that must not run inside one
// transaction because they call a channel in between (payments):
//
//   the same gate as merchantApiRoute (host → tenant → signature, nonce → POST: Idempotency-Key
//   claim, committed before the operation starts, so concurrent duplicates find it and one runs)
//   → the operation, with the key's TenantContext (actor SYSTEM api:<keyId>) and `call.inTx` for
//     as many short RLS transactions as it needs (each commits on its own)
//   → the response (status + body text) stored under the key in a short transaction of its own.
//
// What differs from the one-transaction wrapper, because committed steps cannot be rolled back:
//
// - A refusal (DomainError, 4xx) is stored and replayed like any response (the gate does that).
//   Whatever the operation had committed before refusing stays (a payment's routing decision is
//   the record of its refusal).
// - An unexpected failure (500) releases the claim, so a retry with the same key runs again. The
//   operation must therefore carry its own guard against doing its effect twice: for payments the
//   merchant order number (a retry after a 500 that came after the payment was recorded is 409
//   MERCHANT_ORDER_NO_TAKEN with the payment's id, never a second charge).
// - Once the operation has succeeded its effects are real, so the client gets its response even
//   if storing it fails (logged; the claim is then released so a retry meets the operation's own
//   guard instead of waiting out the lease) or the claim was taken over meanwhile (only after
//   IDEMPOTENCY_LEASE_SECONDS; the operation's guard answers the taker).

export interface ApiOperationCall extends Omit<ApiCall, "tx"> {
  /** Runs `fn` in a short RLS transaction of the key's tenant, which commits when it returns. */
  readonly inTx: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
}

export type ApiOperation = (call: ApiOperationCall) => Promise<ApiReply>;

/** Wraps an operation that runs its own transactions into a route handler for /api/v1. */
export function merchantApiOperation(operation: ApiOperation, options: SignedRouteOptions = {}): ApiRoute {
  return signedApiRoute(async (call, held) => {
    const { principal } = call;
    const reply = await operation({ ...call, inTx: (fn) => withTenantTx(principal.tenantId, fn) });
    const body = toApiJson(reply.body);
    if (held) {
      try {
        await storeIdempotentResponse(principal, held.key, held.token, reply.status, body);
      } catch (e) {
        const where = { requestId: call.requestId, tenantId: principal.tenantId, merchantId: principal.merchantId, idempotencyKey: held.key };
        if (e instanceof LostClaimError) {
          logger.warn(where, "idempotency claim taken over while the operation ran; its response is not stored");
        } else {
          logger.error({ ...where, err: e instanceof Error ? e.message : String(e) }, "could not store an operation's response; releasing the claim");
          await withTenantTx(principal.tenantId, (tx) => releaseIdempotencyKey(tx, principal, held.key, held.token), { rawOnly: true }).catch((releaseError: unknown) =>
            logger.error({ ...where, err: releaseError instanceof Error ? releaseError.message : String(releaseError) }, "could not release an idempotency claim"),
          );
        }
      }
    }
    return { status: reply.status, body };
  }, options);
}
