import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { can, isConsoleRole, isMerchantRole, type Permission } from "@/server/core/auth/roles";
import { SESSION_COOKIE, PLATFORM_SESSION_COOKIE, validateSession, type SessionUser } from "@/server/core/auth/session";
import { DomainError } from "@/server/core/errors/domain-error";
import { validatePlatformSession } from "@/server/core/platform/auth";
import { classifyHost } from "@/server/core/tenancy/host";
import { systemResolveTenantByHost, type PublicTenant } from "@/server/core/tenancy/resolve";
import { authorizedTenantId, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { translator } from "@/i18n/translate";
import { isMessageKey } from "@/i18n/zod-issues";
import { toTRPCError } from "./errors";
import type { RequestContext } from "./context";

const english = translator("en");

/**
 * A validation issue as sent to clients: the message in English (schema messages are catalogue
 * keys, translated here), the key itself, and Zod's code and parameters so the page can say it in
 * the user's language.
 */
function wireIssue(i: ZodError["issues"][number]) {
  const { code, path, message, input: _input, ...params } = i as ZodError["issues"][number] & { input?: unknown };
  return {
    path: path.join("."),
    message: isMessageKey(message) ? english(message) : message,
    key: isMessageKey(message) ? message : null,
    code,
    params: JSON.parse(JSON.stringify(params, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>,
  };
}

const t = initTRPC.context<RequestContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        // Stable codes and the offending field let forms show the error next to the field.
        domainCode: cause instanceof DomainError ? cause.code : null,
        params: cause instanceof DomainError ? (cause.params ?? null) : null,
        field: cause instanceof DomainError ? (cause.field ?? null) : null,
        fieldErrors: cause instanceof ZodError ? cause.issues.map(wireIssue) : null,
        stack: undefined,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const mapErrors = t.middleware(async ({ ctx, next }) => {
  const r = await next();
  if (!r.ok) {
    const mapped = toTRPCError(r.error.cause);
    if (mapped instanceof TRPCError) return { ...r, error: mapped };
    // Anything else is ours to fix: logged in full (requestLog), answered without the internals.
    if (r.error.code === "INTERNAL_SERVER_ERROR") {
      return { ...r, error: new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `Internal error; quote request id ${ctx.requestId} if you contact support`, cause: r.error.cause ?? r.error }) };
    }
  }
  return r;
});

// CSRF: a state-changing call must come from a page of the same host. Browsers always send
// Origin on POST; a cross-site form or fetch carries another origin (or none from old clients).
const csrf = t.middleware(({ ctx, type, next }) => {
  if (type === "mutation") {
    let originHost: string | null = null;
    try {
      originHost = ctx.origin ? new URL(ctx.origin).host : null;
    } catch {
      originHost = null;
    }
    if (!originHost || originHost.toLowerCase() !== ctx.host.toLowerCase()) {
      throw new TRPCError({ code: "FORBIDDEN", message: "Cross-site request refused" });
    }
  }
  return next();
});

// One structured log line per call: path, outcome, duration, request id (tenant added by the
// tenant rung's own log context below). Never inputs: they may hold passwords or account numbers.
const requestLog = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const r = await next();
  const ms = Math.round(performance.now() - started);
  const fields = { requestId: ctx.requestId, host: ctx.host, path, type, ms, ok: r.ok, ...(r.ok ? {} : { code: r.error.code }) };
  if (r.ok || r.error.code !== "INTERNAL_SERVER_ERROR") logger.debug(fields, "trpc");
  else logger.error({ ...fields, err: r.error.cause?.message ?? r.error.message }, "trpc failed");
  return r;
});

export const publicProcedure = t.procedure.use(requestLog).use(mapErrors).use(csrf);

export interface TenantProcedureContext {
  tx: Tx;
  tenant: PublicTenant;
  user: SessionUser;
  tctx: TenantContext;
}

/**
 * The tenant rung: the host names the tenant, the session must belong to that tenant and be
 * alive (membership re-checked on every call), and the whole procedure runs in one RLS
 * transaction that a failure rolls back.
 */
const tenantSession = publicProcedure.use(async ({ ctx, next }) => {
  const tenant = await systemResolveTenantByHost(ctx.host);
  if (!tenant) throw new TRPCError({ code: "NOT_FOUND", message: "Unknown service provider" });
  if (tenant.status !== "ACTIVE") throw new TRPCError({ code: "UNAUTHORIZED", message: "This service provider is suspended" });
  const tenantId = authorizedTenantId(tenant.id);
  const outcome = await withTenantTx(tenantId, async (tx) => {
    const user = await validateSession(tx, tenant.id, ctx.cookies.get(SESSION_COOKIE));
    // Refuse after the transaction commits, so the stale session row validateSession removed stays removed.
    if (!user) return { signedIn: false as const };
    const tctx: TenantContext = {
      tenantId,
      actor: { kind: "USER", userId: user.userId, email: user.email, role: user.role, merchantId: user.merchantId },
      requestId: ctx.requestId,
    };
    const r = await next({ ctx: { tx, tenant, user, tctx } });
    if (!r.ok) throw r.error;
    return { signedIn: true as const, r };
  });
  if (!outcome.signedIn) throw new TRPCError({ code: "UNAUTHORIZED", message: "Please sign in" });
  return outcome.r;
});

/** Console staff of the tenant (not merchant users). */
export const tenantProcedure = tenantSession.use(({ ctx, next }) => {
  if (!isConsoleRole(ctx.user.role)) throw new TRPCError({ code: "FORBIDDEN", message: "This is for the service provider's staff" });
  return next();
});

export function permissionProcedure(permission: Permission) {
  return tenantProcedure.use(({ ctx, next }) => {
    if (!can(ctx.user.role, permission)) throw new TRPCError({ code: "FORBIDDEN", message: "Your role does not allow this" });
    return next();
  });
}

/**
 * The console rung for procedures that call a channel (a test payment, "query the channel now"):
 * the same checks as permissionProcedure in the same order, but the session is checked in its own
 * short transaction and the procedure runs outside any. A channel call must not hold a database
 * transaction open (createPayment and queryPayment commit their own steps around it), and on
 * PGlite a second connection waits for the first one's transaction to end, so a service's
 * transaction opened inside the request's would deadlock. The procedure gets no `tx`.
 */
/** The host's tenant and the signed-in user, checked in a short transaction of their own (for procedures that call channels outside one). */
async function sessionOutsideTx(ctx: { host: string; cookies: { get(name: string): string | undefined } }) {
  const tenant = await systemResolveTenantByHost(ctx.host);
  if (!tenant) throw new TRPCError({ code: "NOT_FOUND", message: "Unknown service provider" });
  if (tenant.status !== "ACTIVE") throw new TRPCError({ code: "UNAUTHORIZED", message: "This service provider is suspended" });
  const tenantId = authorizedTenantId(tenant.id);
  const user = await withTenantTx(tenantId, (tx) => validateSession(tx, tenant.id, ctx.cookies.get(SESSION_COOKIE)));
  if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Please sign in" });
  return { tenant, tenantId, user };
}

export function channelCallProcedure(permission: Permission) {
  return publicProcedure.use(async ({ ctx, next }) => {
    const { tenant, tenantId, user } = await sessionOutsideTx(ctx);
    if (!isConsoleRole(user.role)) throw new TRPCError({ code: "FORBIDDEN", message: "This is for the service provider's staff" });
    if (!can(user.role, permission)) throw new TRPCError({ code: "FORBIDDEN", message: "Your role does not allow this" });
    const tctx: TenantContext = {
      tenantId,
      actor: { kind: "USER", userId: user.userId, email: user.email, role: user.role, merchantId: user.merchantId },
      requestId: ctx.requestId,
    };
    return next({ ctx: { tenant, user, tctx } });
  });
}

/**
 * A merchant's administrator calling a channel (a refund from the portal): like
 * channelCallProcedure, outside any transaction, with the merchant from the session.
 */
export const merchantAdminChannelCallProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const { tenant, tenantId, user } = await sessionOutsideTx(ctx);
  if (!isMerchantRole(user.role) || !user.merchantId) throw new TRPCError({ code: "FORBIDDEN", message: "This is for merchant users" });
  if (user.role !== "MERCHANT_ADMIN") throw new TRPCError({ code: "FORBIDDEN", message: "Only the merchant's administrator can do this" });
  const tctx: TenantContext = {
    tenantId,
    actor: { kind: "USER", userId: user.userId, email: user.email, role: user.role, merchantId: user.merchantId },
    requestId: ctx.requestId,
  };
  return next({ ctx: { tenant, user, tctx, merchantId: user.merchantId } });
});

/** Merchant portal users: always scoped to their own merchant. */
export const merchantProcedure = tenantSession.use(({ ctx, next }) => {
  const merchantId = ctx.user.merchantId;
  if (!isMerchantRole(ctx.user.role) || !merchantId) throw new TRPCError({ code: "FORBIDDEN", message: "This is for merchant users" });
  return next({ ctx: { merchantId } });
});

/** Any signed-in user of the host's tenant (console or merchant): own profile, sign-out, locale. */
export const signedInProcedure = tenantSession;

/** Platform operators, on the platform host only. */
export const platformProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (classifyHost(ctx.host).kind !== "platform") throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
  const admin = await validatePlatformSession(ctx.cookies.get(PLATFORM_SESSION_COOKIE));
  if (!admin) throw new TRPCError({ code: "UNAUTHORIZED", message: "Please sign in" });
  return next({ ctx: { admin } });
});
