import type { PaymentElement } from "@/server/channels/types";
import { DomainError } from "@/server/core/errors/domain-error";
import { channelTypeKey, channelTypes as channelTypeCache } from "@/server/core/payments/common";
import { presentPayment, type ApiPayment } from "@/server/core/payments/present";
import { createPayment, findPayments, getPayment, queryPayment, type PaymentView } from "@/server/core/payments/service";
import type { Tx } from "@/server/db/tenant-tx";
import { requireNotifyTarget } from "@/server/core/webhooks/service";
import { logger } from "@/server/lib/logger";
import { created, ok, type ApiReply } from "./handler";
import type { ApiOperationCall } from "./operation";
import { ZApiPaymentCreate, ZApiPaymentsQuery } from "./schema";

// The payments of /api/v1 (issue 5): POST /api/v1/payments, GET /api/v1/payments/{id} and
// GET /api/v1/payments?merchantOrderNo=. They run through merchantApiOperation: creating a payment
// calls the channel between its own transactions (createPayment), and a GET may ask the channel
// about a PROCESSING payment whose next query is due (queryPayment), so a polling client sees
// progress without waiting for the query job. Everything is the API key's merchant's only: another
// merchant's or tenant's payment is 404 / absent, exactly like one that does not exist.

/** The request member that carries each element, for ELEMENT_MISSING (CONTRACT and WALLET have none yet). */
const ELEMENT_FIELD: Partial<Record<PaymentElement, string>> = {
  FACE_CODE: "elements.faceCode",
  AUTH_CODE: "elements.authCode",
  PAYER_IP: "elements.payerIp",
  DEVICE: "deviceId",
};

export { presentPayment, type ApiPayment } from "@/server/core/payments/present";

// A payment's response names its channel type, from the per-process cache the payment path keeps
// (a channel account's type is fixed when it is created): it then needs no transaction of its own.

/** The channel type of each account (of the key's tenant). */
async function channelTypes(call: ApiOperationCall, accountIds: readonly string[]): Promise<Map<string, string>> {
  const tenantId = call.ctx.tenantId;
  const out = new Map<string, string>();
  const missing: string[] = [];
  for (const id of new Set(accountIds)) {
    const cached = channelTypeCache.get(channelTypeKey(tenantId, id));
    if (cached === undefined) missing.push(id);
    else out.set(id, cached);
  }
  if (missing.length === 0) return out;
  const rows = await call.inTx((tx) => tx.channelAccount.findMany({ where: { tenantId, id: { in: missing } }, select: { id: true, channelType: true } }));
  for (const r of rows) {
    channelTypeCache.set(channelTypeKey(tenantId, r.id), r.channelType);
    out.set(r.id, r.channelType);
  }
  return out;
}

const paymentNotFound = () => new DomainError("NOT_FOUND", "PAYMENT_NOT_FOUND", "No such payment of this merchant");

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * ELEMENT_MISSING names the elements in its message; here they are added as `params.missing`
 * (element codes, comma-separated, the smallest set any channel account would accept) and the
 * first one's request member as `error.field`, from the stored routing decision.
 */
async function explainRefusal(call: ApiOperationCall, e: unknown): Promise<unknown> {
  if (!(e instanceof DomainError) || e.code !== "ELEMENT_MISSING") return e;
  const decisionId = e.params?.decisionId;
  if (typeof decisionId !== "string") return e;
  try {
    const row = await call.inTx((tx) => tx.routingDecision.findFirst({ where: { tenantId: call.ctx.tenantId, merchantId: call.principal.merchantId, id: decisionId }, select: { trace: true } }));
    const candidates = isRecord(row?.trace) ? row.trace.candidates : undefined;
    if (!Array.isArray(candidates)) return e;
    const sets: string[][] = [];
    for (const c of candidates) {
      const drop = isRecord(c) ? c.drop : undefined;
      const missing = isRecord(drop) && drop.code === "ELEMENT_MISSING" && isRecord(drop.params) ? drop.params.missing : undefined;
      if (Array.isArray(missing) && missing.length > 0) sets.push(missing.filter((m): m is string => typeof m === "string"));
    }
    sets.sort((a, b) => a.length - b.length || a.join(",").localeCompare(b.join(",")));
    const missing = sets[0];
    if (!missing || missing.length === 0) return e;
    const field = missing.map((m) => ELEMENT_FIELD[m as PaymentElement]).find((f) => f !== undefined);
    return new DomainError("PRECONDITION", e.code, e.message, { ...(field ? { field } : {}), params: { ...e.params, missing: missing.join(",") }, cause: e });
  } catch (lookupError) {
    logger.warn({ requestId: call.requestId, err: lookupError instanceof Error ? lookupError.message : String(lookupError) }, "could not read the routing decision of an ELEMENT_MISSING refusal");
    return e;
  }
}

/** POST /api/v1/payments: create a payment for the key's merchant and carry it to the channel's first answer. */
export async function createPaymentEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  if (isRecord(call.body) && "merchantId" in call.body) {
    throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "merchantId: not accepted; a payment is always for the API key's merchant", { field: "merchantId" });
  }
  const input = ZApiPaymentCreate.parse(call.body);
  const merchantId = call.principal.merchantId;
  const { tenantId } = call.ctx;
  // The request's own references, in one transaction when it has any.
  if (input.notifyUrl !== undefined || input.storeId !== undefined) {
    await call.inTx(async (tx) => {
      await requireNotifyTarget(tx, call.ctx, merchantId, input.notifyUrl);
      if (input.storeId === undefined) return;
      const store = await tx.store.findFirst({ where: { tenantId, merchantId, id: input.storeId }, select: { id: true } });
      if (!store) throw new DomainError("NOT_FOUND", "STORE_NOT_FOUND", "No such store of this merchant", { field: "storeId" });
    });
  }
  let payment: PaymentView;
  try {
    payment = await createPayment(call.ctx, { ...input, merchantId });
  } catch (e) {
    throw await explainRefusal(call, e);
  }
  const types = await channelTypes(call, [payment.channelAccountId]);
  return created(presentPayment(payment, types.get(payment.channelAccountId) ?? "UNKNOWN"));
}

/**
 * A PROCESSING payment whose next query is due is asked about at the channel first (outside any
 * transaction). A failing query is logged and the payment shown as it stands: the query job
 * tries again.
 */
async function refreshed(call: ApiOperationCall, p: PaymentView, nextQueryAt: Date | null | undefined, now: Date): Promise<PaymentView> {
  if (p.status !== "PROCESSING" || !nextQueryAt || nextQueryAt > now) return p;
  try {
    return await queryPayment(call.ctx, p.id);
  } catch (e) {
    logger.warn({ requestId: call.requestId, tenantId: call.ctx.tenantId, paymentId: p.id, err: e instanceof Error ? e.message : String(e) }, "payment query on GET failed; answering the stored state");
    return p;
  }
}

async function answer(call: ApiOperationCall, found: readonly PaymentView[], due: ReadonlyMap<string, Date | null>): Promise<ApiPayment[]> {
  const now = new Date();
  const current = await Promise.all(found.map((p) => refreshed(call, p, due.get(p.id), now)));
  const types = await channelTypes(call, current.map((p) => p.channelAccountId));
  return current.map((p) => presentPayment(p, types.get(p.channelAccountId) ?? "UNKNOWN"));
}

/** When each PROCESSING payment among `found` is next to be queried. */
async function nextQueries(tx: Tx, call: ApiOperationCall, found: readonly PaymentView[]): Promise<Map<string, Date | null>> {
  const processing = found.filter((p) => p.status === "PROCESSING").map((p) => p.id);
  if (processing.length === 0) return new Map();
  const rows = await tx.payment.findMany({ where: { tenantId: call.ctx.tenantId, id: { in: processing } }, select: { id: true, nextQueryAt: true } });
  return new Map(rows.map((r) => [r.id, r.nextQueryAt]));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** GET /api/v1/payments/{id}: one payment of the key's merchant. */
export async function getPaymentEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  const id = call.params.id ?? "";
  if (!UUID.test(id)) throw paymentNotFound();
  const loaded = await call.inTx(async (tx) => {
    let p: PaymentView;
    try {
      p = await getPayment(tx, call.ctx, id, call.principal.merchantId);
    } catch (e) {
      if (e instanceof DomainError && e.kind === "NOT_FOUND") throw paymentNotFound();
      throw e;
    }
    return { found: [p], due: await nextQueries(tx, call, [p]) };
  });
  const [payment] = await answer(call, loaded.found, loaded.due);
  return ok(payment);
}

/** GET /api/v1/payments?merchantOrderNo=: the key's merchant's payment with that order number, as a list (empty when none). */
export async function findPaymentsEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  const q = ZApiPaymentsQuery.parse({ merchantOrderNo: call.query.get("merchantOrderNo") ?? undefined });
  const loaded = await call.inTx(async (tx) => {
    const found = await findPayments(tx, call.ctx, { merchantId: call.principal.merchantId, merchantOrderNo: q.merchantOrderNo, limit: 10 });
    return { found, due: await nextQueries(tx, call, found) };
  });
  return ok({ items: await answer(call, loaded.found, loaded.due) });
}
