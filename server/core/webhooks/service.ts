import { randomUUID } from "node:crypto";
import { recordAudit } from "@/server/core/audit/service";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { randomBase62 } from "@/server/core/merchant-api/keys";
import { open, seal } from "@/server/core/secrets/envelope";
import { ENCRYPTED_COLUMNS, sealContextFor, type EncryptedColumn } from "@/server/core/secrets/registry";
import type { Prisma } from "@/server/db/generated/prisma/client";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, toPage, type Page } from "@/server/db/keyset";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { postWebhook, type DeliveryOptions } from "./deliver";
import { checkUrlOffline } from "./guard";
import { WEBHOOK_TOPIC } from "./publish";
import { targetPolicyFromEnv, type TargetPolicy } from "./rules";
import {
  ZWebhookEndpointCreate,
  ZWebhookEndpointGet,
  ZWebhookEndpointUpdate,
  ZWebhookEventFind,
  ZWebhookEventGet,
  ZWebhookObjectEvents,
  ZWebhookResend,
  ZWebhookSecretRotate,
  type TWebhookEndpointCreate,
  type TWebhookEndpointGet,
  type TWebhookEndpointUpdate,
  type TWebhookEventFind,
  type TWebhookEventGet,
  type TWebhookObjectEvents,
  type TWebhookResend,
  type TWebhookSecretRotate,
} from "./schema";
import { signatureHeader } from "./signature";

// Merchant webhook endpoints (one per merchant) and the delivery log the console reads. The
// signing secret is shown once, when the endpoint is made and at each rotation, and is otherwise
// only ever sealed; a rotated-out secret keeps signing (as a second v1) for a day.

/** How long the previous secret still signs after a rotation. */
export const PREVIOUS_SECRET_VALID_MS = 24 * 3600 * 1000;

/** A signing secret: `whsec_` + 43 base62 (≈256 bits). The HMAC key is the whole string. */
export const newWebhookSecret = () => `whsec_${randomBase62(43)}`;

function column(name: string): EncryptedColumn {
  const c = ENCRYPTED_COLUMNS.find((x) => x.table === "webhook_endpoint" && x.column === name);
  if (!c) throw new Error(`webhook_endpoint.${name} is not registered in ENCRYPTED_COLUMNS`);
  return c;
}
const SECRET_COLUMN = column("secret");
const PREVIOUS_SECRET_COLUMN = column("previous_secret");

export const endpointSelect = {
  id: true,
  merchantId: true,
  url: true,
  enabled: true,
  secretVersion: true,
  previousSecretExpiresAt: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.WebhookEndpointSelect;
type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof endpointSelect }>;

export interface WebhookEndpointView extends Omit<EndpointRow, "previousSecretExpiresAt"> {
  /** Until when the previous secret still signs; null outside a rotation window. */
  previousSecretExpiresAt: Date | null;
}

const view = (row: EndpointRow, now: Date): WebhookEndpointView => ({
  ...row,
  previousSecretExpiresAt: row.previousSecretExpiresAt && row.previousSecretExpiresAt > now ? row.previousSecretExpiresAt : null,
});

/** The endpoint's secrets as they sign at `now`: the current one, then the previous one while it is valid. */
export interface EndpointSecrets {
  current: string;
  previous: { secret: string; expiresAt: Date } | null;
}

export function signingSecrets(s: EndpointSecrets, now: Date): string[] {
  return s.previous && s.previous.expiresAt > now ? [s.current, s.previous.secret] : [s.current];
}

export function openEndpointSecrets(
  tenantId: string,
  row: { id: string; secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null },
): EndpointSecrets {
  const current = open(sealContextFor(SECRET_COLUMN, tenantId, row.id), row.secret);
  const previous =
    row.previousSecret && row.previousSecretExpiresAt
      ? { secret: open(sealContextFor(PREVIOUS_SECRET_COLUMN, tenantId, row.id), row.previousSecret), expiresAt: row.previousSecretExpiresAt }
      : null;
  return { current, previous };
}

/** The body exactly as sent: the stored event with its members in a fixed order. */
export function webhookBodyText(body: Prisma.JsonValue): string {
  const b = (body ?? {}) as { id?: unknown; type?: unknown; createdAt?: unknown; data?: unknown };
  return JSON.stringify({ id: b.id, type: b.type, createdAt: b.createdAt, data: b.data });
}

async function requireMerchant(tx: Tx, ctx: TenantContext, merchantId: string) {
  const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: merchantId }, select: { id: true, status: true } });
  if (!merchant) throw notFound("Merchant");
  return merchant;
}

function refuseUrl(url: string, policy: TargetPolicy): void {
  const check = checkUrlOffline(url, policy);
  if (!check.ok) throw new DomainError("BAD_INPUT", check.code, check.message, { field: "url" });
}

/**
 * A merchant API request's notifyUrl: a URL webhooks may go to, and a merchant with an endpoint,
 * whose secret signs every notification (without one nothing could be delivered: refused up front
 * rather than dropped later).
 */
export async function requireNotifyTarget(tx: Tx, ctx: TenantContext, merchantId: string, notifyUrl: string | undefined, policy: TargetPolicy = targetPolicyFromEnv()): Promise<void> {
  if (notifyUrl === undefined) return;
  const check = checkUrlOffline(notifyUrl, policy);
  // A malformed URL is an invalid request like any other field; a refused target says why.
  if (!check.ok) throw new DomainError("BAD_INPUT", check.code === "WEBHOOK_URL_INVALID" ? "INVALID_REQUEST" : check.code, `notifyUrl: ${check.message}`, { field: "notifyUrl" });
  const endpoint = await tx.webhookEndpoint.findFirst({ where: { tenantId: ctx.tenantId, merchantId }, select: { id: true } });
  if (!endpoint) {
    throw new DomainError(
      "PRECONDITION",
      "WEBHOOK_ENDPOINT_REQUIRED",
      "notifyUrl: notifications are signed with your webhook endpoint's secret and this merchant has no endpoint; ask your service provider to set one up (or leave notifyUrl out)",
      { field: "notifyUrl" },
    );
  }
}

/** The merchant's endpoint (never its secret), or null if it has none. */
export async function getWebhookEndpoint(tx: Tx, ctx: TenantContext, raw: TWebhookEndpointGet, now = new Date()): Promise<WebhookEndpointView | null> {
  const input = ZWebhookEndpointGet.parse(raw);
  await requireMerchant(tx, ctx, input.merchantId);
  const row = await tx.webhookEndpoint.findFirst({ where: { tenantId: ctx.tenantId, merchantId: input.merchantId }, select: endpointSelect });
  return row ? view(row, now) : null;
}

/** Creates the merchant's endpoint and returns it with its secret: the only time that secret leaves the server. */
export async function createWebhookEndpoint(
  tx: Tx,
  ctx: TenantContext,
  raw: TWebhookEndpointCreate,
  options: { now?: Date; policy?: TargetPolicy } = {},
): Promise<WebhookEndpointView & { secret: string }> {
  const input = ZWebhookEndpointCreate.parse(raw);
  const now = options.now ?? new Date();
  const merchant = await requireMerchant(tx, ctx, input.merchantId);
  if (merchant.status === "ARCHIVED") throw new DomainError("PRECONDITION", "MERCHANT_ARCHIVED", "This merchant is archived; reactivate it before editing", { field: "merchantId" });
  refuseUrl(input.url, options.policy ?? targetPolicyFromEnv());
  const existing = await tx.webhookEndpoint.findFirst({ where: { tenantId: ctx.tenantId, merchantId: merchant.id }, select: { id: true } });
  if (existing) throw new DomainError("CONFLICT", "WEBHOOK_ENDPOINT_EXISTS", "This merchant already has a webhook endpoint; change its URL instead");
  const id = randomUUID();
  const secret = newWebhookSecret();
  const row = await tx.webhookEndpoint.create({
    data: { tenantId: ctx.tenantId, id, merchantId: merchant.id, url: input.url, secret: seal(sealContextFor(SECRET_COLUMN, ctx.tenantId, id), secret) },
    select: endpointSelect,
  });
  const after = view(row, now);
  await recordAudit(tx, ctx, { action: "webhook_endpoint.create", entityType: "webhook_endpoint", entityId: id, after });
  return { ...after, secret };
}

/** Changes the URL and/or turns deliveries on or off. The secret is untouched. */
export async function updateWebhookEndpoint(
  tx: Tx,
  ctx: TenantContext,
  raw: TWebhookEndpointUpdate,
  options: { now?: Date; policy?: TargetPolicy } = {},
): Promise<WebhookEndpointView> {
  const input = ZWebhookEndpointUpdate.parse(raw);
  const now = options.now ?? new Date();
  await requireMerchant(tx, ctx, input.merchantId);
  const before = await tx.webhookEndpoint.findFirst({ where: { tenantId: ctx.tenantId, merchantId: input.merchantId }, select: endpointSelect });
  if (!before) throw notFound("Webhook endpoint");
  if (input.url !== undefined) refuseUrl(input.url, options.policy ?? targetPolicyFromEnv());
  const row = await tx.webhookEndpoint.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: before.id } },
    data: { ...(input.url !== undefined ? { url: input.url } : {}), ...(input.enabled !== undefined ? { enabled: input.enabled } : {}) },
    select: endpointSelect,
  });
  const after = view(row, now);
  await recordAudit(tx, ctx, { action: "webhook_endpoint.update", entityType: "webhook_endpoint", entityId: before.id, before: view(before, now), after });
  return after;
}

/**
 * A new secret, returned once. The one it replaces keeps signing (a second v1) for 24 hours so the
 * merchant can deploy the new one without losing deliveries; a second rotation inside that window
 * drops the oldest.
 */
export async function rotateWebhookSecret(tx: Tx, ctx: TenantContext, raw: TWebhookSecretRotate, now = new Date()): Promise<WebhookEndpointView & { secret: string }> {
  const input = ZWebhookSecretRotate.parse(raw);
  await requireMerchant(tx, ctx, input.merchantId);
  const row = await tx.webhookEndpoint.findFirst({
    where: { tenantId: ctx.tenantId, merchantId: input.merchantId },
    select: { ...endpointSelect, secret: true },
  });
  if (!row) throw notFound("Webhook endpoint");
  const old = open(sealContextFor(SECRET_COLUMN, ctx.tenantId, row.id), row.secret);
  const secret = newWebhookSecret();
  const updated = await tx.webhookEndpoint.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: row.id } },
    data: {
      secret: seal(sealContextFor(SECRET_COLUMN, ctx.tenantId, row.id), secret),
      secretVersion: row.secretVersion + 1,
      previousSecret: seal(sealContextFor(PREVIOUS_SECRET_COLUMN, ctx.tenantId, row.id), old),
      previousSecretExpiresAt: new Date(now.getTime() + PREVIOUS_SECRET_VALID_MS),
    },
    select: endpointSelect,
  });
  const after = view(updated, now);
  await recordAudit(tx, ctx, {
    action: "webhook_endpoint.rotate_secret",
    entityType: "webhook_endpoint",
    entityId: row.id,
    before: { secretVersion: row.secretVersion },
    after: { secretVersion: after.secretVersion, previousSecretExpiresAt: after.previousSecretExpiresAt },
  });
  return { ...after, secret };
}

// ---------------------------------------------------------------------------------------------
// The delivery log.

export const eventListSelect = {
  id: true,
  merchantId: true,
  type: true,
  objectType: true,
  objectId: true,
  notifyUrl: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  deliveredAt: true,
  createdAt: true,
} as const satisfies Prisma.WebhookEventSelect;
export type WebhookEventListItem = Prisma.WebhookEventGetPayload<{ select: typeof eventListSelect }>;

export const attemptSelect = {
  id: true,
  attempt: true,
  url: true,
  statusCode: true,
  latencyMs: true,
  responseExcerpt: true,
  error: true,
  trigger: true,
  createdAt: true,
} as const satisfies Prisma.WebhookAttemptSelect;
export type WebhookAttemptView = Prisma.WebhookAttemptGetPayload<{ select: typeof attemptSelect }>;

/** Events newest first (keyset on createdAt, id — the table's index), filtered by merchant, status, type or object. */
export async function findWebhookEvents(tx: Tx, ctx: TenantContext, raw: TWebhookEventFind): Promise<Page<WebhookEventListItem>> {
  const input = ZWebhookEventFind.parse(raw);
  const limit = clampLimit(input.limit, 200);
  const rows = await tx.webhookEvent.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.merchantId ? { merchantId: input.merchantId } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...(input.type ? { type: input.type } : {}),
      ...(input.objectId ? { objectId: input.objectId } : {}),
      ...afterCreatedAtDesc(input.cursor),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: eventListSelect,
  });
  return toPage(rows, limit, cursorOfCreatedAt);
}

/** Every event about one payment, refund or withdrawal, oldest first, with its latest attempt. */
export async function listObjectWebhookEvents(
  tx: Tx,
  ctx: TenantContext,
  raw: TWebhookObjectEvents,
): Promise<Array<WebhookEventListItem & { lastAttempt: WebhookAttemptView | null }>> {
  const input = ZWebhookObjectEvents.parse(raw);
  const rows = await tx.webhookEvent.findMany({
    where: { tenantId: ctx.tenantId, objectId: input.objectId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: 100,
    select: { ...eventListSelect, attemptLog: { select: attemptSelect, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1 } },
  });
  return rows.map(({ attemptLog, ...e }) => ({ ...e, lastAttempt: attemptLog[0] ?? null }));
}

/** One event with its body as sent and every attempt, oldest first. */
export async function getWebhookEvent(tx: Tx, ctx: TenantContext, raw: TWebhookEventGet) {
  const input = ZWebhookEventGet.parse(raw);
  const row = await tx.webhookEvent.findFirst({
    where: { tenantId: ctx.tenantId, id: input.id },
    select: { ...eventListSelect, body: true, attemptLog: { select: attemptSelect, orderBy: [{ createdAt: "asc" }, { id: "asc" }] } },
  });
  if (!row) throw notFound("Webhook event");
  const { attemptLog, body, ...event } = row;
  return { ...event, body: webhookBodyText(body), attemptLog };
}

// ---------------------------------------------------------------------------------------------
// Manual resend.

/**
 * One extra attempt now, from the console (trigger MANUAL), to the same target a scheduled one
 * would use. It does not move the schedule: `attempts` and `nextAttemptAt` stay as they are
 * unless it delivers, which ends the event (DELIVERED, its outbox entry done). Its `attempt`
 * number is the count of scheduled attempts before it. Runs outside any request transaction:
 * the HTTP call must not hold one open.
 */
export async function resendWebhookEvent(
  ctx: TenantContext,
  raw: TWebhookResend,
  options: DeliveryOptions & { now?: () => Date } = {},
): Promise<{ eventId: string; status: string; attempt: WebhookAttemptView }> {
  const input = ZWebhookResend.parse(raw);
  const now = options.now ?? (() => new Date());
  const loaded = await withTenantTx(ctx.tenantId, async (tx) => {
    const event = await tx.webhookEvent.findFirst({
      where: { tenantId: ctx.tenantId, id: input.id },
      select: { id: true, merchantId: true, body: true, notifyUrl: true },
    });
    if (!event) throw notFound("Webhook event");
    const endpoint = await tx.webhookEndpoint.findFirst({
      where: { tenantId: ctx.tenantId, merchantId: event.merchantId },
      select: { id: true, url: true, enabled: true, secret: true, previousSecret: true, previousSecretExpiresAt: true },
    });
    return { event, endpoint };
  });
  const { event, endpoint } = loaded;
  const target = event.notifyUrl ?? (endpoint?.enabled ? endpoint.url : null);
  if (!endpoint || !target) {
    throw new DomainError("PRECONDITION", "WEBHOOK_NO_ENDPOINT", "This merchant has no enabled webhook endpoint to send the event to");
  }
  const secrets = openEndpointSecrets(ctx.tenantId, endpoint);
  const at = now();
  const body = webhookBodyText(event.body);
  const result = await postWebhook(target, body, signatureHeader(signingSecrets(secrets, at), Math.floor(at.getTime() / 1000), body), options);

  return withTenantTx(ctx.tenantId, async (tx) => {
    const current = await tx.webhookEvent.findFirst({ where: { tenantId: ctx.tenantId, id: event.id }, select: { attempts: true, status: true } });
    if (!current) throw notFound("Webhook event");
    const attempt = await tx.webhookAttempt.create({
      data: {
        tenantId: ctx.tenantId,
        eventId: event.id,
        attempt: current.attempts,
        url: target,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        responseExcerpt: result.responseExcerpt,
        error: result.error,
        trigger: "MANUAL",
        createdAt: at,
      },
      select: attemptSelect,
    });
    let status: string = current.status;
    if (result.delivered && current.status !== "DELIVERED") {
      await tx.webhookEvent.update({
        where: { tenantId_id: { tenantId: ctx.tenantId, id: event.id } },
        data: { status: "DELIVERED", deliveredAt: now(), nextAttemptAt: null },
      });
      status = "DELIVERED";
      // The scheduled deliveries end here. An attempt already in flight may still land once more
      // (deliveries are at least once); its outcome does not undo DELIVERED (handler.ts).
      await tx.$executeRaw`
        UPDATE outbox_event SET status = 'DONE', done_at = now(), last_error = NULL
         WHERE tenant_id = ${ctx.tenantId}::uuid AND topic = ${WEBHOOK_TOPIC} AND status = 'PENDING' AND payload->>'eventId' = ${event.id}`;
    }
    await recordAudit(tx, ctx, {
      action: "webhook_event.resend",
      entityType: "webhook_event",
      entityId: event.id,
      after: { url: target, statusCode: result.statusCode, delivered: result.delivered, error: result.error },
    });
    return { eventId: event.id, status, attempt };
  });
}
