import {
  ZWebhookEndpointCreate,
  ZWebhookEndpointGet,
  ZWebhookEndpointUpdate,
  ZWebhookEventFind,
  ZWebhookEventGet,
  ZWebhookObjectEvents,
  ZWebhookResend,
  ZWebhookSecretRotate,
} from "@/server/core/webhooks/schema";
import {
  createWebhookEndpoint,
  findWebhookEvents,
  getWebhookEndpoint,
  getWebhookEvent,
  listObjectWebhookEvents,
  resendWebhookEvent,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from "@/server/core/webhooks/service";
import { channelCallProcedure, permissionProcedure, router, tenantProcedure } from "../trpc";

// Merchant webhooks in the console: the endpoint (its secret only in createEndpoint's and
// rotateSecret's answers), the delivery log, and resending one event.
export const webhooksRouter = router({
  endpoint: tenantProcedure.input(ZWebhookEndpointGet).query(({ ctx, input }) => getWebhookEndpoint(ctx.tx, ctx.tctx, input)),
  createEndpoint: permissionProcedure("webhooks.manage").input(ZWebhookEndpointCreate).mutation(({ ctx, input }) => createWebhookEndpoint(ctx.tx, ctx.tctx, input)),
  updateEndpoint: permissionProcedure("webhooks.manage").input(ZWebhookEndpointUpdate).mutation(({ ctx, input }) => updateWebhookEndpoint(ctx.tx, ctx.tctx, input)),
  rotateSecret: permissionProcedure("webhooks.manage").input(ZWebhookSecretRotate).mutation(({ ctx, input }) => rotateWebhookSecret(ctx.tx, ctx.tctx, input)),
  find: tenantProcedure.input(ZWebhookEventFind).query(({ ctx, input }) => findWebhookEvents(ctx.tx, ctx.tctx, input)),
  /** Every event about one payment, refund or withdrawal (the payment page embeds these). */
  forObject: tenantProcedure.input(ZWebhookObjectEvents).query(({ ctx, input }) => listObjectWebhookEvents(ctx.tx, ctx.tctx, input)),
  get: tenantProcedure.input(ZWebhookEventGet).query(({ ctx, input }) => getWebhookEvent(ctx.tx, ctx.tctx, input)),
  // An HTTP call to the merchant: outside the request transaction (channelCallProcedure).
  resend: channelCallProcedure("webhooks.manage").input(ZWebhookResend).mutation(({ ctx, input }) => resendWebhookEvent(ctx.tctx, input)),
});
