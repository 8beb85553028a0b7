import { z } from "zod";
import { accountFieldsFor, connectorFor } from "@/server/channels/registry";
import { CHANNEL_TYPES, PAYMENT_ELEMENTS, PRODUCT_CODES } from "@/server/channels/types";
import { ROUTING_STRATEGIES } from "@/server/core/routing/types";
import {
  discardDraft,
  configurationIssues,
  dryRunRuleSet,
  findDecisions,
  getDecision,
  getRuleSet,
  listRuleSets,
  offerProducts,
  previewRoute,
  publishRuleSet,
  rollbackRuleSet,
  saveDraft,
  validateDraft,
} from "@/server/core/channels/routing";
import {
  configureChannelAccount,
  createChannelAccount,
  findChannelAccounts,
  getChannelAccount,
  setChannelAccountEnabled,
  updateChannelAccount,
} from "@/server/core/channels/accounts";
import { channelHealthReport, effectiveHealth, recentStats, setChannelHealth } from "@/server/core/channels/health";
import { findNotifications } from "@/server/core/channels/notify";
import { deleteFeeRule, deleteProductRule, getMerchantLimit, listFeeRules, listProductRules, saveFeeRule, saveMerchantLimit, saveProductRule } from "@/server/core/channels/pricing";
import { createRegistration, findRegistrations, updateRegistration } from "@/server/core/channels/registrations";
import {
  ZChannelAccountConfigure,
  ZChannelAccountCreate,
  ZChannelAccountEnable,
  ZChannelAccountUpdate,
  ZChannelHealthSet,
  ZFeeRuleInput,
  ZMerchantLimitInput,
  ZProductRuleInput,
  ZRegistrationFind,
  ZRegistrationInput,
  ZRegistrationUpdate,
} from "@/server/core/channels/schema";
import { permissionProcedure, router, tenantProcedure } from "../trpc";

const ZId = z.object({ id: z.string().uuid() });

export const channelsRouter = router({
  /** The channel types with their connector attributes and the fields an account needs. */
  types: tenantProcedure.query(() =>
    CHANNEL_TYPES.map((type) => {
      const a = connectorFor(type).attributes;
      return {
        type,
        fields: accountFieldsFor(type),
        attributes: { ...a, minAmountMinor: a.minAmountMinor, maxAmountMinor: a.maxAmountMinor },
      };
    }),
  ),
  list: tenantProcedure.query(async ({ ctx }) => {
    const accounts = await findChannelAccounts(ctx.tx, ctx.tctx);
    const stats = await recentStats(ctx.tx, ctx.tctx);
    const now = new Date();
    // The state routing uses now: an automatic pause past its cool-down shows as half-open.
    return accounts.map(({ healthManual, ...a }) => ({
      ...a,
      healthManual,
      healthState: effectiveHealth({ ...a, healthManual }, now),
      stats: stats.get(a.id) ?? { calls: 0, failures: 0, successRate: null, avgLatencyMs: null },
    }));
  }),
  get: tenantProcedure.input(ZId).query(({ ctx, input }) => getChannelAccount(ctx.tx, ctx.tctx, input.id)),
  health: tenantProcedure.input(ZId).query(({ ctx, input }) => channelHealthReport(ctx.tx, ctx.tctx, input.id)),
  notifications: tenantProcedure
    .input(z.object({ channelAccountId: z.string().uuid().optional(), limit: z.number().int().min(1).max(200).optional() }))
    .query(({ ctx, input }) => findNotifications(ctx.tx, ctx.tctx, input)),
  create: permissionProcedure("channels.manage").input(ZChannelAccountCreate).mutation(({ ctx, input }) => createChannelAccount(ctx.tx, ctx.tctx, input)),
  configure: permissionProcedure("channels.manage").input(ZChannelAccountConfigure).mutation(({ ctx, input }) => configureChannelAccount(ctx.tx, ctx.tctx, input)),
  update: permissionProcedure("channels.manage").input(ZChannelAccountUpdate).mutation(({ ctx, input }) => updateChannelAccount(ctx.tx, ctx.tctx, input)),
  setEnabled: permissionProcedure("channels.manage").input(ZChannelAccountEnable).mutation(({ ctx, input }) => setChannelAccountEnabled(ctx.tx, ctx.tctx, input)),
  setHealth: permissionProcedure("channels.manage").input(ZChannelHealthSet).mutation(({ ctx, input }) => setChannelHealth(ctx.tx, ctx.tctx, input)),
});

export const registrationsRouter = router({
  find: tenantProcedure.input(ZRegistrationFind).query(({ ctx, input }) => findRegistrations(ctx.tx, ctx.tctx, input)),
  create: permissionProcedure("registrations.manage").input(ZRegistrationInput).mutation(({ ctx, input }) => createRegistration(ctx.tx, ctx.tctx, input)),
  update: permissionProcedure("registrations.manage").input(ZRegistrationUpdate).mutation(({ ctx, input }) => updateRegistration(ctx.tx, ctx.tctx, input)),
});

export const pricingRouter = router({
  feeRules: tenantProcedure.query(({ ctx }) => listFeeRules(ctx.tx, ctx.tctx)),
  saveFeeRule: permissionProcedure("pricing.manage").input(ZFeeRuleInput).mutation(({ ctx, input }) => saveFeeRule(ctx.tx, ctx.tctx, input)),
  deleteFeeRule: permissionProcedure("pricing.manage").input(ZId).mutation(({ ctx, input }) => deleteFeeRule(ctx.tx, ctx.tctx, input.id)),
  productRules: tenantProcedure.query(({ ctx }) => listProductRules(ctx.tx, ctx.tctx)),
  saveProductRule: permissionProcedure("pricing.manage").input(ZProductRuleInput).mutation(({ ctx, input }) => saveProductRule(ctx.tx, ctx.tctx, input)),
  deleteProductRule: permissionProcedure("pricing.manage").input(ZId).mutation(({ ctx, input }) => deleteProductRule(ctx.tx, ctx.tctx, input.id)),
  merchantLimit: tenantProcedure.input(z.object({ merchantId: z.string().uuid() })).query(({ ctx, input }) => getMerchantLimit(ctx.tx, ctx.tctx, input.merchantId)),
  saveMerchantLimit: permissionProcedure("pricing.manage").input(ZMerchantLimitInput).mutation(({ ctx, input }) => saveMerchantLimit(ctx.tx, ctx.tctx, input)),
});

const ZRuleSetDraft = z.object({
  strategy: z.enum(ROUTING_STRATEGIES),
  fallbackEnabled: z.boolean(),
  rules: z.array(z.unknown()).max(500),
  note: z.string().trim().max(200).optional(),
});

export const routingRouter = router({
  ruleSets: tenantProcedure.query(({ ctx }) => listRuleSets(ctx.tx, ctx.tctx)),
  ruleSet: tenantProcedure.input(z.object({ version: z.number().int().positive() })).query(({ ctx, input }) => getRuleSet(ctx.tx, ctx.tctx, input.version)),
  validate: tenantProcedure.input(ZRuleSetDraft).query(({ ctx, input }) => validateDraft(ctx.tx, ctx.tctx, input)),
  saveDraft: permissionProcedure("routing.manage").input(ZRuleSetDraft).mutation(({ ctx, input }) => saveDraft(ctx.tx, ctx.tctx, input)),
  discardDraft: permissionProcedure("routing.manage").input(z.object({ version: z.number().int().positive() })).mutation(({ ctx, input }) => discardDraft(ctx.tx, ctx.tctx, input)),
  publish: permissionProcedure("routing.manage").input(z.object({ version: z.number().int().positive() })).mutation(({ ctx, input }) => publishRuleSet(ctx.tx, ctx.tctx, input)),
  rollback: permissionProcedure("routing.manage")
    .input(z.object({ version: z.number().int().positive(), note: z.string().trim().max(200).optional() }))
    .mutation(({ ctx, input }) => rollbackRuleSet(ctx.tx, ctx.tctx, input)),
  dryRun: tenantProcedure
    .input(z.object({ days: z.number().int().min(1).max(90), version: z.number().int().positive().optional(), draft: ZRuleSetDraft.optional() }))
    .query(({ ctx, input }) => dryRunRuleSet(ctx.tx, ctx.tctx, input)),
  decisions: tenantProcedure
    .input(z.object({ limit: z.number().int().min(1).max(200).optional(), outcome: z.enum(["ROUTED", "NO_ROUTE", "RISK_REFUSED"]).optional() }))
    .query(({ ctx, input }) => findDecisions(ctx.tx, ctx.tctx, input)),
  decision: tenantProcedure.input(ZId).query(({ ctx, input }) => getDecision(ctx.tx, ctx.tctx, input.id)),
  /** Try a hypothetical payment against the live configuration; nothing is stored. */
  preview: tenantProcedure
    .input(
      z.object({
        merchantId: z.string().uuid(),
        storeId: z.string().uuid().optional(),
        orderType: z.enum(["CONSUMPTION", "RECHARGE"]),
        product: z.enum(PRODUCT_CODES),
        amountMinor: z.coerce.bigint().refine((v) => v > 0n, { message: "validation.positive" }),
        elements: z.array(z.enum(PAYMENT_ELEMENTS)).max(10),
        deviceId: z.string().trim().min(1).max(64).optional(),
        metadata: z.record(z.string().max(64), z.string().max(200)).optional(),
        /** Try the payment at another moment (time windows, business hours). */
        at: z.coerce.date().optional(),
      }),
    )
    .query(({ ctx, input }) => previewRoute(ctx.tx, ctx.tctx, input)),
  /** Configuration errors: DIRECT-mode fee conflicts and rule-set issues against today's accounts. */
  issues: tenantProcedure.query(({ ctx }) => configurationIssues(ctx.tx, ctx.tctx)),
  offer: tenantProcedure
    .input(
      z.object({
        merchantId: z.string().uuid(),
        storeId: z.string().uuid().optional(),
        orderType: z.enum(["CONSUMPTION", "RECHARGE"]),
        amountMinor: z.coerce.bigint().refine((v) => v > 0n, { message: "validation.positive" }),
        /** Elements already known (e.g. the device), so the answer says what is still missing. */
        elements: z.array(z.enum(PAYMENT_ELEMENTS)).max(10).optional(),
        deviceId: z.string().trim().min(1).max(64).optional(),
      }),
    )
    .query(({ ctx, input }) => offerProducts(ctx.tx, ctx.tctx, input)),
});
