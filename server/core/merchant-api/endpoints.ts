import { randomUUID } from "node:crypto";
import type { PaymentElement, ProductCode } from "@/server/channels/types";
import { translator } from "@/i18n/translate";
import { offerProducts } from "@/server/core/channels/routing";
import { DomainError } from "@/server/core/errors/domain-error";
import { ok, type ApiCall, type ApiReply } from "./handler";
import { ZEchoBody, ZProductsQuery } from "./schema";

// The handlers of this slice of /api/v1. Each takes the verified call (the key's merchant, the
// tenant's RLS transaction) and returns the reply; routes in app/api/v1 only bind them.

const names = { en: translator("en"), "zh-CN": translator("zh-CN") } as const;

export interface ProductItem {
  readonly product: ProductCode;
  /** In the request's language (Accept-Language, else the tenant's default). */
  readonly name: string;
  readonly names: { readonly en: string; readonly "zh-CN": string };
  /** What the payer or device must supply for this product. */
  readonly requiredElements: readonly PaymentElement[];
}

/** GET /api/v1/ping: proves the signature works and says who the key is. */
export async function ping(call: ApiCall): Promise<ApiReply> {
  return ok({ merchantId: call.principal.merchantId, keyId: call.principal.keyId, serverTime: new Date() });
}

/**
 * GET /api/v1/products?orderType=&amountMinor=&storeId=: the products the key's merchant can be
 * paid with for this order type and amount (product rules, registrations, limits and channel
 * health, as routing would see them now), with the elements each needs.
 */
export async function products(call: ApiCall): Promise<ApiReply> {
  const q = call.query;
  const input = ZProductsQuery.parse({
    orderType: q.get("orderType") ?? undefined,
    amountMinor: q.get("amountMinor") ?? undefined,
    storeId: q.get("storeId") || undefined,
  });
  const merchantId = call.principal.merchantId;
  if (input.storeId !== undefined) {
    const store = await call.tx.store.findFirst({ where: { tenantId: call.ctx.tenantId, merchantId, id: input.storeId }, select: { id: true } });
    if (!store) throw new DomainError("NOT_FOUND", "STORE_NOT_FOUND", "No such store of this merchant", { field: "storeId" });
  }
  const offer = await offerProducts(call.tx, call.ctx, {
    merchantId,
    ...(input.storeId !== undefined ? { storeId: input.storeId } : {}),
    orderType: input.orderType,
    amountMinor: input.amountMinor,
  });
  const items: ProductItem[] = offer.offered.map((p) => {
    const en = names.en(`channels.product_${p.product}`);
    const zh = names["zh-CN"](`channels.product_${p.product}`);
    return { product: p.product, name: call.locale === "en" ? en : zh, names: { en, "zh-CN": zh }, requiredElements: p.elementsNeeded };
  });
  return ok({ items });
}

/** POST /api/v1/echo: an idempotent no-op that answers what it was sent, until payments exist. */
export async function echo(call: ApiCall): Promise<ApiReply> {
  const input = ZEchoBody.parse(call.body ?? {});
  return ok({
    echoId: randomUUID(),
    merchantId: call.principal.merchantId,
    keyId: call.principal.keyId,
    message: input.message,
    ...(input.amountMinor !== undefined ? { amountMinor: input.amountMinor } : {}),
    receivedAt: new Date(),
  });
}
