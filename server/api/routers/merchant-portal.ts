import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { notFound } from "@/server/core/errors/domain-error";
import { createApiKey, listApiKeys, revokeApiKey } from "@/server/core/merchant-api/keys";
import { findStores, getMerchant } from "@/server/core/merchants/service";
import { findPaymentsPage, getPaymentDetail, ZPaymentFind } from "@/server/core/payments/queries";
import { ZSettlementFind } from "@/server/core/settlement/schema";
import { findSettlements, merchantBalances } from "@/server/core/settlement/service";
import { createWebhookEndpoint, getWebhookEndpoint, rotateWebhookSecret, updateWebhookEndpoint } from "@/server/core/webhooks/service";
import { findDevices } from "@/server/core/devices/service";
import { createRefund, refundsOfPayment, type RefundView } from "@/server/core/payments/refunds";
import { merchantAdminChannelCallProcedure, merchantProcedure, router } from "../trpc";

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

/** What a merchant sees of a refund (not the provider's cost returned or margin clawed back). */
const refundForMerchant = (r: RefundView) => ({
  id: r.id,
  paymentId: r.paymentId,
  merchantRefundNo: r.merchantRefundNo,
  amountMinor: r.amountMinor,
  feeReturnedMinor: r.feeReturnedMinor,
  status: r.status,
  reason: r.reason,
  failureCode: r.failureCode,
  failureMessage: r.failureMessage,
  refundedAt: r.refundedAt,
  createdAt: r.createdAt,
});

export const ZPortalRefund = z.object({
  paymentId: z.string().uuid(),
  amountMinor: z.coerce.bigint().refine((v) => v > 0n, { message: "The amount must be positive" }),
  merchantRefundNo: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "Up to 64 letters, digits, - and _" }).optional(),
  reason: z.string().trim().max(200).optional(),
});

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
  /** A payment's refunds, the payment being the merchant's own. */
  refunds: merchantProcedure.input(ZId).query(async ({ ctx, input }) => {
    const own = await ctx.tx.payment.findFirst({ where: { tenantId: ctx.tctx.tenantId, id: input.id, merchantId: ctx.merchantId }, select: { id: true } });
    if (!own) throw notFound("Payment");
    return (await refundsOfPayment(ctx.tx, ctx.tctx, own.id)).map(refundForMerchant);
  }),
  /** A refund from the portal: the merchant's administrator only; the same rules as the API (captured, balance policy). */
  refund: merchantAdminChannelCallProcedure.input(ZPortalRefund).mutation(async ({ ctx, input }) => {
    const merchantRefundNo = input.merchantRefundNo ?? `PORTAL-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
    const r = await createRefund(ctx.tctx, { paymentId: input.paymentId, merchantId: ctx.merchantId, merchantRefundNo, amountMinor: input.amountMinor, reason: input.reason || "Refund from the merchant portal", origin: "PORTAL" });
    return refundForMerchant(r);
  }),
  /** The face devices at the merchant's stores (no channel binding details). */
  devices: merchantProcedure.input(z.object({ cursor: z.string().nullish(), limit: z.number().int().optional() })).query(async ({ ctx, input }) => {
    const page = await findDevices(ctx.tx, ctx.tctx, { ...input, merchantId: ctx.merchantId });
    return {
      ...page,
      items: page.items.map((d) => ({
        id: d.id,
        serialNumber: d.serialNumber,
        model: d.model,
        vendor: d.vendor,
        status: d.status,
        storeId: d.storeId,
        storeName: d.storeName,
        appVersion: d.appVersion,
        isOnline: d.isOnline,
        lastSeenAt: d.lastSeenAt,
        isRelocated: d.isRelocated,
      })),
    };
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

