import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { notFound } from "@/server/core/errors/domain-error";
import { createApiKey, listApiKeys, revokeApiKey } from "@/server/core/merchant-api/keys";
import { findStores, getMerchant } from "@/server/core/merchants/service";
import { findPaymentsPage, getPaymentDetail, ZPaymentFind } from "@/server/core/payments/queries";
import { ZSettlementFind } from "@/server/core/settlement/schema";
import { findSettlements, merchantBalances } from "@/server/core/settlement/service";
import { createWebhookEndpoint, getWebhookEndpoint, rotateWebhookSecret, updateWebhookEndpoint } from "@/server/core/webhooks/service";
import { merchantProcedure, router } from "../trpc";

// The merchant portal. Every procedure here takes the merchant from the session, never from
// input; an id of another merchant's row is NOT_FOUND. What only the provider may know (its
// channel cost, its margin, which channel account carried a payment) is never returned.

const ZId = z.object({ id: z.string().uuid() });

/** Key management is the merchant's administrator's (MERCHANT_ADMIN), not its staff's. */
const merchantAdmin = merchantProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== "MERCHANT_ADMIN") throw new TRPCError({ code: "FORBIDDEN", message: "Only the merchant's administrator can do this" });
  return next();
});

/** What a merchant sees of a payment: an allow-list, so a field added for the provider never leaks here. */
function forMerchant(p: {
  id: string;
  merchantOrderNo: string;
  outTradeNo: string;
  channelTradeNo: string | null;
  orderType: string;
  product: string;
  amountMinor: bigint;
  currency: string;
  status: string;
  subject: string;
  feeMinor: bigint;
  businessDate: string;
  failureCode: string | null;
  paidAt: Date | null;
  createdAt: Date;
  storeId: string | null;
  storeName: string | null;
  deviceId: string | null;
  channelType: string | null;
}) {
  return {
    id: p.id,
    merchantOrderNo: p.merchantOrderNo,
    outTradeNo: p.outTradeNo,
    channelTradeNo: p.channelTradeNo,
    orderType: p.orderType,
    product: p.product,
    amountMinor: p.amountMinor,
    currency: p.currency,
    status: p.status,
    subject: p.subject,
    feeMinor: p.feeMinor,
    businessDate: p.businessDate,
    failureCode: p.failureCode,
    paidAt: p.paidAt,
    createdAt: p.createdAt,
    storeId: p.storeId,
    storeName: p.storeName,
    deviceId: p.deviceId,
    channelType: p.channelType,
  };
}

export const merchantPortalRouter = router({
  profile: merchantProcedure.query(({ ctx }) => getMerchant(ctx.tx, ctx.tctx, ctx.merchantId)),
  stores: merchantProcedure
    .input(z.object({ cursor: z.string().nullish(), limit: z.number().int().optional() }))
    .query(({ ctx, input }) => findStores(ctx.tx, ctx.tctx, { ...input, merchantId: ctx.merchantId })),
  payments: merchantProcedure.input(ZPaymentFind).query(async ({ ctx, input }) => {
    const page = await findPaymentsPage(ctx.tx, ctx.tctx, { ...input, merchantId: ctx.merchantId, channelAccountId: undefined });
    return { ...page, items: page.items.map((p) => forMerchant(p)) };
  }),
  payment: merchantProcedure.input(ZId).query(async ({ ctx, input }) => {
    const p = await getPaymentDetail(ctx.tx, ctx.tctx, input.id);
    if (p.merchantId !== ctx.merchantId) throw notFound("Payment");
    return forMerchant(p);
  }),
  balances: merchantProcedure.query(({ ctx }) => merchantBalances(ctx.tx, ctx.tctx, ctx.merchantId)),
  settlements: merchantProcedure.input(ZSettlementFind).query(({ ctx, input }) => findSettlements(ctx.tx, ctx.tctx, { ...input, merchantId: undefined }, { merchantId: ctx.merchantId })),
  apiKeys: merchantProcedure.query(({ ctx }) => listApiKeys(ctx.tx, ctx.tctx, { merchantId: ctx.merchantId })),
  createApiKey: merchantAdmin.input(z.object({ label: z.string().trim().max(80).optional() })).mutation(({ ctx, input }) => createApiKey(ctx.tx, ctx.tctx, { merchantId: ctx.merchantId, ...(input.label ? { label: input.label } : {}) })),
  webhookEndpoint: merchantProcedure.query(({ ctx }) => getWebhookEndpoint(ctx.tx, ctx.tctx, { merchantId: ctx.merchantId })),
  /** Creates the endpoint (its secret in this answer only) or changes its URL / on-off. */
  saveWebhookEndpoint: merchantAdmin.input(z.object({ url: z.string(), enabled: z.boolean().optional() })).mutation(async ({ ctx, input }) => {
    const existing = await getWebhookEndpoint(ctx.tx, ctx.tctx, { merchantId: ctx.merchantId });
    if (!existing) return createWebhookEndpoint(ctx.tx, ctx.tctx, { merchantId: ctx.merchantId, url: input.url });
    return { ...(await updateWebhookEndpoint(ctx.tx, ctx.tctx, { merchantId: ctx.merchantId, url: input.url, ...(input.enabled !== undefined ? { enabled: input.enabled } : {}) })), secret: null };
  }),
  rotateWebhookSecret: merchantAdmin.mutation(({ ctx }) => rotateWebhookSecret(ctx.tx, ctx.tctx, { merchantId: ctx.merchantId })),
  revokeApiKey: merchantAdmin.input(ZId).mutation(async ({ ctx, input }) => {
    const own = await ctx.tx.merchantApiKey.findFirst({ where: { tenantId: ctx.tctx.tenantId, id: input.id, merchantId: ctx.merchantId }, select: { id: true } });
    if (!own) throw notFound("API key");
    return revokeApiKey(ctx.tx, ctx.tctx, { id: own.id });
  }),
});

