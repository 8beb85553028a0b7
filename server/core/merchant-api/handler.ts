import { randomUUID } from "node:crypto";
import { ZodError } from "zod";
import type { Locale } from "@/i18n/define";
import { translator } from "@/i18n/translate";
import { isMessageKey } from "@/i18n/zod-issues";
import { DomainError, type DomainErrorKind } from "@/server/core/errors/domain-error";
import { systemResolveTenantByHost, type PublicTenant } from "@/server/core/tenancy/resolve";
import { authorizedTenantId, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { authenticateRequest, checkAuthorizationHeader, type ApiPrincipal } from "./auth";
import type { ParsedAuthorization, SignedParts } from "./signature";
import { checkIdempotencyKey, claimIdempotencyKey, completeIdempotencyKey, LostClaimError, releaseIdempotencyKey, requestHash, storeIdempotentResponse } from "./idempotency";
import { toApiJson } from "./json";

// The one wrapper every /api/v1 route goes through (Web-standard Request → Response, no Next.js):
//
//   host → tenant → authenticate (signature, key, nonce) → POST: Idempotency-Key claim
//   → the handler inside one RLS transaction of that tenant, acting as the key
//   → JSON (bigint as integers) or { "error": { code, message, field? } } — never a stack trace.
//
// A POST handler must do all its work through `call.tx`: its effects and the stored response
// commit together, which is what makes a replay byte-for-byte the first response and concurrent
// duplicates execute once. Operations that must not run inside one transaction (payments call
// the channel) use `merchantApiOperation` (operation.ts) instead: the same gate through
// `signedApiRoute`, their own short transactions, and the response stored afterwards.

export const MAX_BODY_BYTES = 1_048_576;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The HTTP status of each domain error kind. Must equal KIND_TO_HTTP in server/api/errors.ts (a test checks). */
export const API_STATUS_BY_KIND = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  BAD_INPUT: 400,
  CONFLICT: 409,
  PRECONDITION: 422,
  INVARIANT: 422,
  RATE_LIMITED: 429,
} as const satisfies Record<DomainErrorKind, number>;

export interface ApiCall {
  readonly tx: Tx;
  /** Acts as `{ kind: "SYSTEM", name: "api:<keyId>" }` in audit records. */
  readonly ctx: TenantContext;
  readonly principal: ApiPrincipal;
  readonly tenant: PublicTenant;
  readonly query: URLSearchParams;
  /** The route's dynamic segments (`{ id }` for app/api/v1/payments/[id]); empty for static routes. */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body (undefined when empty or for a GET). */
  readonly body: unknown;
  /** From Accept-Language, else the tenant's default language. */
  readonly locale: Locale;
  readonly requestId: string;
}

export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
}

export const ok = (body: unknown): ApiReply => ({ status: 200, body });
export const created = (body: unknown): ApiReply => ({ status: 201, body });

export type ApiHandler = (call: ApiCall) => Promise<ApiReply>;

/** The first language of Accept-Language that we speak (by q-value, then order), or null. */
export function localeFromAcceptLanguage(header: string | null): Locale | null {
  if (!header) return null;
  const ranked = header
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag: tag.trim().toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((r) => r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === "zh" || tag.startsWith("zh-")) return "zh-CN";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return null;
}

const english = translator("en");

/** A Zod failure as a 400 naming the first offending field (for an unknown member, the member). */
function fromZod(e: ZodError): DomainError {
  const issue = e.issues[0];
  const path = issue ? [...issue.path.map(String), ...(issue.code === "unrecognized_keys" && issue.keys[0] !== undefined ? [issue.keys[0]] : [])] : [];
  const field = path.join(".");
  const text = issue ? (isMessageKey(issue.message) ? english(issue.message) : issue.message) : "Invalid request";
  return new DomainError("BAD_INPUT", "INVALID_REQUEST", field ? `${field}: ${text}` : text, field ? { field } : undefined);
}

function errorBody(e: DomainError): string {
  return toApiJson({ error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(e.params ? { params: e.params } : {}) } });
}

function respond(status: number, body: string, requestId: string, extra?: Record<string, string>): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-request-id": requestId, ...extra },
  });
}

const errorResponse = (e: DomainError, requestId: string) => respond(API_STATUS_BY_KIND[e.kind], errorBody(e), requestId);

function internalError(requestId: string): Response {
  return respond(500, toApiJson({ error: { code: "INTERNAL", message: `Internal error; quote request id ${requestId} if you contact support` } }), requestId);
}

function parseBody(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DomainError("BAD_INPUT", "BODY_INVALID_JSON", "The body must be JSON in UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError("BAD_INPUT", "BODY_INVALID_JSON", "The body is not valid JSON");
  }
}

async function readBody(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new DomainError("BAD_INPUT", "BODY_TOO_LARGE", `The body must be at most ${MAX_BODY_BYTES} bytes`);
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw new DomainError("BAD_INPUT", "BODY_TOO_LARGE", `The body must be at most ${MAX_BODY_BYTES} bytes`);
  return bytes;
}

/** Runs the handler in its own RLS transaction and turns its result or domain error into a reply body. */
async function execute(handler: ApiHandler, call: Omit<ApiCall, "tx">, onSuccess?: (tx: Tx, status: number, body: string) => Promise<void>): Promise<{ status: number; body: string }> {
  return withTenantTx(call.principal.tenantId, async (tx) => {
    let reply: ApiReply;
    try {
      reply = await handler({ ...call, tx });
    } catch (e) {
      throw e instanceof ZodError ? fromZod(e) : e;
    }
    const body = toApiJson(reply.body);
    if (onSuccess) await onSuccess(tx, reply.status, body);
    return { status: reply.status, body };
  });
}

/** A claimed Idempotency-Key (POST only): the executor stores the response under it. */
export interface HeldClaim {
  readonly key: string;
  readonly token: string;
}

/**
 * What a route does once the gate has passed: run the request and produce the response, storing
 * it for `claim` when there is one. A thrown DomainError (or ZodError) is answered — and stored
 * for the claim — by the gate; anything else is a 500 that releases the claim.
 */
export type ApiExecutor = (call: Omit<ApiCall, "tx">, claim: HeldClaim | undefined) => Promise<{ status: number; body: string }>;

/** The second argument Next.js passes a route handler (dynamic segments). */
export interface RouteContext {
  readonly params?: Promise<Readonly<Record<string, string | string[] | undefined>>>;
}

export type ApiRoute = (req: Request, context?: RouteContext) => Promise<Response>;

/** Wraps a handler into a route handler for /api/v1: everything in one RLS transaction. */
export function merchantApiRoute(handler: ApiHandler): ApiRoute {
  return signedApiRoute((call, held) =>
    execute(handler, call, held ? (tx, status, text) => completeIdempotencyKey(tx, call.principal, held.key, held.token, status, text) : undefined),
  );
}

/** The gate every /api/v1 route shares (host, tenant, signature, nonce, Idempotency-Key), around an executor. */
export interface SignedRouteOptions {
  /**
   * "required" (every /api/v1 route): a POST needs Idempotency-Key. "none" runs a POST without any
   * key handling; no route of the API uses it — bench/payments.ts measures the key's cost with it.
   */
  readonly idempotency?: "required" | "none";
  /**
   * Who may sign the requests: the merchant API's keys by default. The device API (issue 7) passes
   * its own (keyId = deviceId), with the same header, timestamp, nonce and idempotency rules.
   */
  readonly authenticate?: RequestAuthenticator;
}

/**
 * Verifies a request inside the auth transaction (bound to the host's tenant) and consumes its
 * nonce. That transaction is raw-only (withTenantTx rawOnly): raw SQL, no Prisma model queries.
 */
export type RequestAuthenticator = (tx: Tx, hostTenantId: string, auth: ParsedAuthorization, request: Omit<SignedParts, "timestamp" | "nonce">) => Promise<ApiPrincipal>;

export function signedApiRoute(executor: ApiExecutor, options: SignedRouteOptions = {}): ApiRoute {
  const keyed = (options.idempotency ?? "required") === "required";
  const authenticate = options.authenticate ?? authenticateRequest;
  return async (req, context) => {
    const sent = req.headers.get("x-request-id");
    const requestId = sent !== null && REQUEST_ID.test(sent) ? sent : randomUUID();
    const method = req.method.toUpperCase();
    const url = new URL(req.url);
    const pathWithQuery = `${url.pathname}${url.search}`;
    let principal: ApiPrincipal | undefined;
    let claimed: { key: string; token: string } | undefined;
    let keyId: string | undefined;
    try {
      const auth = checkAuthorizationHeader(req.headers.get("authorization"), Date.now());
      keyId = auth.keyId;
      const tenant = await systemResolveTenantByHost(req.headers.get("host"));
      if (!tenant) throw new DomainError("NOT_FOUND", "UNKNOWN_TENANT", "Unknown service provider: send the request to your service provider's API host");
      if (tenant.status !== "ACTIVE") throw new DomainError("FORBIDDEN", "TENANT_SUSPENDED", "This service provider is suspended");
      const bytes = await readBody(req);

      // The auth transaction, bound to the host's tenant (the key must be one of its keys): key,
      // signature and nonce, then for a POST the idempotency claim. It commits before the handler
      // starts, so concurrent duplicates see the claim. A request refused before its nonce is
      // consumed leaves nothing; one refused after it (no Idempotency-Key, bad JSON, a 409) still
      // commits the nonce, so a captured request cannot be replayed with, say, a key added.
      const gate = await withTenantTx(authorizedTenantId(tenant.id), async (tx) => {
        const who = await authenticate(tx, tenant.id, auth, { method, pathWithQuery, body: bytes });
        try {
          const sentKey = method === "POST" && keyed ? checkIdempotencyKey(req.headers.get("idempotency-key")) : undefined;
          // Keys are per merchant; a principal with a scope of its own (a device) gets its own namespace.
          const idempotencyKey = sentKey === undefined ? undefined : `${who.idempotencyScope ?? ""}${sentKey}`;
          const body = parseBody(bytes);
          const claim = idempotencyKey === undefined ? undefined : { key: idempotencyKey, outcome: await claimIdempotencyKey(tx, who, idempotencyKey, requestHash(method, pathWithQuery, bytes)) };
          return { who, body, claim, refused: undefined };
        } catch (e) {
          if (e instanceof DomainError) return { who, body: undefined, claim: undefined, refused: e };
          throw e;
        }
      }, { rawOnly: true });
      const { who, body, claim } = gate;
      principal = who;
      if (gate.refused) throw gate.refused;
      if (claim?.outcome.kind === "replay") return respond(claim.outcome.status, claim.outcome.body, requestId, { "idempotent-replayed": "true" });
      const held = claim?.outcome.kind === "claimed" ? { key: claim.key, token: claim.outcome.token } : undefined;
      claimed = held;
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries((await context?.params) ?? {})) if (typeof value === "string") params[name] = value;

      const call: Omit<ApiCall, "tx"> = {
        ctx: { tenantId: who.tenantId, actor: { kind: "SYSTEM", name: `api:${who.keyId}` }, requestId },
        principal: who,
        tenant,
        query: url.searchParams,
        params,
        body,
        locale: localeFromAcceptLanguage(req.headers.get("accept-language")) ?? tenant.defaultLocale,
        requestId,
      };
      const result = await executor(call, held);
      return respond(result.status, result.body, requestId);
    } catch (e) {
      return failure(e, { requestId, method, path: url.pathname, keyId, principal, claimed });
    }
  };
}

async function failure(
  e: unknown,
  at: { requestId: string; method: string; path: string; keyId: string | undefined; principal: ApiPrincipal | undefined; claimed: { key: string; token: string } | undefined },
): Promise<Response> {
  const { requestId, principal, claimed } = at;
  // The key id is logged as claimed by the header (it is public); never the signature or the body.
  const where = { requestId, method: at.method, path: at.path, keyId: at.keyId, tenantId: principal?.tenantId, merchantId: principal?.merchantId };
  const error = e instanceof ZodError ? fromZod(e) : e;
  if (error instanceof DomainError) {
    if (error.kind === "UNAUTHORIZED" || error.kind === "FORBIDDEN") logger.info({ ...where, code: error.code }, "merchant api request refused");
    // The handler refused: its work is rolled back, and this refusal is the request's response from
    // now on. A lost claim belongs to whoever took it over, so nothing is stored for it.
    if (claimed && principal && !(error instanceof LostClaimError)) {
      try {
        await storeIdempotentResponse(principal, claimed.key, claimed.token, API_STATUS_BY_KIND[error.kind], errorBody(error));
      } catch (storeError) {
        if (!(storeError instanceof LostClaimError)) logger.error({ ...where, err: (storeError as Error).message }, "could not store an idempotent error response");
      }
    }
    return errorResponse(error, requestId);
  }
  logger.error({ ...where, err: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined }, "merchant api request failed");
  if (claimed && principal) {
    const who = principal;
    await withTenantTx(who.tenantId, (tx) => releaseIdempotencyKey(tx, who, claimed.key, claimed.token), { rawOnly: true }).catch((releaseError: unknown) =>
      logger.error({ ...where, err: (releaseError as Error).message }, "could not release an idempotency claim"),
    );
  }
  return internalError(requestId);
}
