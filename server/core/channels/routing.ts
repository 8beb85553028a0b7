import { connectorFor } from "@/server/channels/registry";
import type { PaymentElement, ProductCode } from "@/server/channels/types";
import { recordAudit } from "@/server/core/audit/service";
import { businessDate } from "@/server/core/calendar/rules";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { compileConfig, type CompiledConfig } from "@/server/core/routing/compile";
import { route } from "@/server/core/routing/engine";
import { productsFor, type OfferRequest } from "@/server/core/routing/products";
import type { AccountLive, ChannelAccountCandidate, Decision, LiveState, RoutingConfig, RoutingOrderType, RoutingRule, RoutingStrategy } from "@/server/core/routing/types";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { effectiveHealth, recentStats } from "./health";
import { usageOn } from "./limits";

// The routing service: loads a tenant's configuration into the pure engine (server/core/routing),
// compiled once per configuration version and reused until anything changes, reads the live
// counters (today's totals, health, recent success rate) per decision, and stores every decision
// with its trace. Rule sets are versioned: drafts are validated and published, and a rollback
// publishes an old version again as a new one.

const compiled = new Map<string, { version: string; config: CompiledConfig }>();

/** Changes whenever any routing input changes (counters excepted: they are read per decision). */
async function configVersion(tx: Tx, ctx: TenantContext): Promise<string> {
  const rows = await tx.$queryRaw<{ v: string }[]>`
    SELECT concat_ws('|',
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM channel_account WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM merchant_channel_registration WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM fee_rule WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM product_rule WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM merchant_limit WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT coalesce(max(version), 0)::text FROM routing_rule_set WHERE tenant_id = ${ctx.tenantId}::uuid AND status = 'PUBLISHED')) AS v`;
  return rows[0]!.v;
}

const opt = <T,>(v: T | null): T | undefined => (v === null ? undefined : v);

function ruleSetRules(json: Prisma.JsonValue): RoutingRule[] {
  return parseRules(json);
}

/** Rules as stored (amounts as strings) → the engine's form. */
export function parseRules(json: unknown): RoutingRule[] {
  if (!Array.isArray(json)) return [];
  return json.map((raw) => {
    const r = raw as Record<string, unknown> & { conditions?: Record<string, unknown> };
    const c = r.conditions ?? {};
    return {
      id: String(r.id),
      name: String(r.name ?? ""),
      enabled: r.enabled !== false,
      action: r.action === "EXCLUDE" ? "EXCLUDE" : "FORCE",
      targetChannelAccountIds: (r.targetChannelAccountIds as string[] | undefined) ?? [],
      order: Number(r.order ?? 0),
      conditions: {
        ...(c.merchantIds ? { merchantIds: c.merchantIds as string[] } : {}),
        ...(c.storeIds ? { storeIds: c.storeIds as string[] } : {}),
        ...(c.orderTypes ? { orderTypes: c.orderTypes as RoutingOrderType[] } : {}),
        ...(c.products ? { products: c.products as ProductCode[] } : {}),
        ...(c.minAmountMinor != null && c.minAmountMinor !== "" ? { minAmountMinor: BigInt(c.minAmountMinor as string) } : {}),
        ...(c.maxAmountMinor != null && c.maxAmountMinor !== "" ? { maxAmountMinor: BigInt(c.maxAmountMinor as string) } : {}),
        ...(c.metadata ? { metadata: c.metadata as Record<string, string> } : {}),
      },
    };
  });
}

/** The engine's rules → stored JSON (amounts as strings). */
export function serialiseRules(rules: readonly RoutingRule[]): Prisma.InputJsonValue {
  return rules.map((r) => ({
    ...r,
    conditions: {
      ...r.conditions,
      ...(r.conditions.minAmountMinor !== undefined ? { minAmountMinor: r.conditions.minAmountMinor.toString() } : {}),
      ...(r.conditions.maxAmountMinor !== undefined ? { maxAmountMinor: r.conditions.maxAmountMinor.toString() } : {}),
    },
  })) as unknown as Prisma.InputJsonValue;
}

async function loadConfig(tx: Tx, ctx: TenantContext, version: string): Promise<RoutingConfig> {
  const [accounts, registrations, feeRules, productRules, merchantLimits, ruleSet] = await Promise.all([
    tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId } }),
    tx.merchantChannelRegistration.findMany({ where: { tenantId: ctx.tenantId }, select: { id: true, merchantId: true, storeId: true, channelAccountId: true, status: true, channelRatePpm: true } }),
    tx.feeRule.findMany({ where: { tenantId: ctx.tenantId } }),
    tx.productRule.findMany({ where: { tenantId: ctx.tenantId } }),
    tx.merchantLimit.findMany({ where: { tenantId: ctx.tenantId } }),
    tx.routingRuleSet.findFirst({ where: { tenantId: ctx.tenantId, status: "PUBLISHED" } }),
  ]);
  return {
    tenantId: ctx.tenantId,
    version,
    accounts: accounts.map((a): ChannelAccountCandidate => {
      const attrs = connectorFor(a.channelType).attributes;
      const min = a.minAmountMinor !== null && a.minAmountMinor > attrs.minAmountMinor ? a.minAmountMinor : attrs.minAmountMinor;
      const max = a.maxAmountMinor !== null && a.maxAmountMinor < attrs.maxAmountMinor ? a.maxAmountMinor : attrs.maxAmountMinor;
      return {
        id: a.id,
        channelType: a.channelType,
        name: a.name,
        enabled: a.enabled,
        health: a.healthState,
        products: attrs.products,
        elements: attrs.elements,
        minAmountMinor: min,
        maxAmountMinor: max,
        priority: a.priority,
        weight: a.weight,
        ...(a.windowStart && a.windowEnd ? { timeWindow: { startLocal: a.windowStart, endLocal: a.windowEnd } } : {}),
        ...(a.dailyAmountCap !== null ? { dailyAmountCapMinor: a.dailyAmountCap } : {}),
        ...(a.dailyCountCap !== null ? { dailyCountCap: a.dailyCountCap } : {}),
        todayAmountMinor: 0n,
        todayCount: 0,
        cost: { feeRatePpm: a.costRatePpm, fixedMinor: a.costFixedMinor, minMinor: a.costMinMinor, ...(a.costMaxMinor !== null ? { maxMinor: a.costMaxMinor } : {}) },
        recentSuccessRatePpm: 0,
        recentSampleSize: 0,
      };
    }),
    registrations: registrations.map((r) => ({
      id: r.id,
      merchantId: r.merchantId,
      ...(r.storeId ? { storeId: r.storeId } : {}),
      channelAccountId: r.channelAccountId,
      status: r.status,
      ...(r.channelRatePpm !== null ? { channelRatePpm: r.channelRatePpm } : {}),
    })),
    feeRules: feeRules.map((f) => ({
      id: f.id,
      product: f.product,
      feeRatePpm: f.feeRatePpm,
      fixedMinor: f.fixedMinor,
      minMinor: f.minFeeMinor,
      ...(f.maxFeeMinor !== null ? { maxMinor: f.maxFeeMinor } : {}),
      ...(f.merchantId ? { merchantId: f.merchantId } : {}),
    })),
    merchantLimits: merchantLimits.map((m) => ({
      merchantId: m.merchantId,
      ...(m.perTxnMaxMinor !== null ? { perTransactionMaxMinor: m.perTxnMaxMinor } : {}),
      ...(m.dailyAmountCap !== null ? { dailyAmountCapMinor: m.dailyAmountCap } : {}),
      ...(m.dailyCountCap !== null ? { dailyCountCap: m.dailyCountCap } : {}),
      todayAmountMinor: 0n,
      todayCount: 0,
    })),
    productRules: productRules.map((p) => ({
      id: p.id,
      product: p.product,
      orderType: p.orderType,
      enabled: p.enabled,
      minAmountMinor: p.minAmountMinor,
      ...(p.maxAmountMinor !== null ? { maxAmountMinor: p.maxAmountMinor } : {}),
      ...(p.merchantId ? { merchantId: p.merchantId } : {}),
    })),
    ruleSet: ruleSet
      ? { version: ruleSet.version, strategy: ruleSet.strategy as RoutingStrategy, fallbackEnabled: ruleSet.fallbackEnabled, rules: ruleSetRules(ruleSet.rules) }
      : { version: 0, strategy: "LOWEST_COST", fallbackEnabled: false, rules: [] },
  };
}

/** The compiled configuration for the tenant as it stands now. */
export async function routingConfig(tx: Tx, ctx: TenantContext): Promise<CompiledConfig> {
  const version = await configVersion(tx, ctx);
  const hit = compiled.get(ctx.tenantId);
  if (hit && hit.version === version) return hit.config;
  const config = compileConfig(await loadConfig(tx, ctx, version));
  compiled.set(ctx.tenantId, { version, config });
  return config;
}

/** Today's totals, health and recent success rate, read fresh for one decision. */
export async function liveState(tx: Tx, ctx: TenantContext, date: string, now: Date): Promise<LiveState> {
  const [usage, healthRows, stats] = await Promise.all([
    usageOn(tx, ctx, date),
    tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId }, select: { id: true, healthState: true, healthChangedAt: true, healthManual: true, healthCooldownSeconds: true } }),
    recentStats(tx, ctx, 3600, now),
  ]);
  const accounts = new Map<string, AccountLive>();
  for (const h of healthRows) {
    const u = usage.channelAccounts.get(h.id);
    const s = stats.get(h.id);
    accounts.set(h.id, {
      health: effectiveHealth(h, now),
      todayAmountMinor: u?.amountMinor ?? 0n,
      todayCount: u?.count ?? 0,
      recentSuccessRatePpm: s?.successRate == null ? 0 : Math.round(s.successRate * 1_000_000),
      recentSampleSize: s?.calls ?? 0,
    });
  }
  return {
    account: (id) => accounts.get(id),
    merchant: (id) => {
      const u = usage.merchants.get(id);
      return { todayAmountMinor: u?.amountMinor ?? 0n, todayCount: u?.count ?? 0 };
    },
  };
}

async function tenantClock(tx: Tx, ctx: TenantContext) {
  const t = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { timeZone: true, settlementMode: true } });
  return t;
}

export interface DecideInput {
  readonly merchantId: string;
  readonly storeId?: string;
  readonly deviceId?: string;
  readonly orderType: RoutingOrderType;
  readonly product: ProductCode;
  readonly amountMinor: bigint;
  readonly elements: readonly PaymentElement[];
  readonly metadata?: Record<string, string>;
  readonly at?: Date;
  readonly random?: number;
}

/** Routes one payment and stores the decision with its trace; the payment points at the decision. */
export async function decideRoute(tx: Tx, ctx: TenantContext, input: DecideInput): Promise<{ decisionId: string; decision: Decision; businessDate: string }> {
  const at = input.at ?? new Date();
  const tenant = await tenantClock(tx, ctx);
  const date = businessDate(at, tenant.timeZone);
  const [config, live] = await Promise.all([routingConfig(tx, ctx), liveState(tx, ctx, date, at)]);
  const request = {
    settlementMode: tenant.settlementMode,
    merchantId: input.merchantId,
    ...(input.storeId ? { storeId: input.storeId } : {}),
    ...(input.deviceId ? { deviceId: input.deviceId } : {}),
    orderType: input.orderType,
    product: input.product,
    amountMinor: input.amountMinor,
    at,
    timeZone: tenant.timeZone,
    elements: input.elements,
    ...(input.metadata ? { metadata: input.metadata } : {}),
    random: input.random ?? Math.random(),
  };
  const decision = route(request, config, live);
  const routed = decision.outcome === "ROUTED" ? decision : undefined;
  const row = await tx.routingDecision.create({
    data: {
      tenantId: ctx.tenantId,
      createdAt: at,
      ruleSetVersion: decision.trace.ruleSetVersion,
      merchantId: input.merchantId,
      storeId: input.storeId ?? null,
      orderType: input.orderType,
      product: input.product,
      amountMinor: input.amountMinor,
      request: { ...request, amountMinor: input.amountMinor.toString(), at: at.toISOString() } as unknown as Prisma.InputJsonValue,
      outcome: decision.outcome,
      reason: decision.outcome === "NO_ROUTE" ? decision.reason.code : null,
      channelAccountId: routed?.chosen.channelAccountId ?? null,
      registrationId: routed?.chosen.registrationId ?? null,
      feeMinor: routed?.feeMinor ?? null,
      costMinor: routed?.costMinor ?? null,
      marginMinor: routed?.marginMinor ?? null,
      trace: decision.trace as unknown as Prisma.InputJsonValue,
    },
    select: { id: true },
  });
  return { decisionId: row.id, decision, businessDate: date };
}

/** The products to offer for an order type and amount, with the elements each needs (step 2 of a payment). */
export async function offerProducts(tx: Tx, ctx: TenantContext, input: Omit<OfferRequest, "settlementMode" | "at" | "timeZone"> & { at?: Date }) {
  const at = input.at ?? new Date();
  const tenant = await tenantClock(tx, ctx);
  const [config, live] = await Promise.all([routingConfig(tx, ctx), liveState(tx, ctx, businessDate(at, tenant.timeZone), at)]);
  return productsFor({ ...input, settlementMode: tenant.settlementMode, at, timeZone: tenant.timeZone }, config.config.productRules, config, live);
}

export async function getDecision(tx: Tx, ctx: TenantContext, id: string) {
  const row = await tx.routingDecision.findFirst({ where: { tenantId: ctx.tenantId, id } });
  if (!row) throw notFound("Routing decision");
  return row;
}

export async function findDecisions(tx: Tx, ctx: TenantContext, input: { limit?: number; outcome?: "ROUTED" | "NO_ROUTE" }) {
  return tx.routingDecision.findMany({
    where: { tenantId: ctx.tenantId, ...(input.outcome ? { outcome: input.outcome } : {}) },
    orderBy: { createdAt: "desc" },
    take: Math.min(input.limit ?? 50, 200),
    select: { id: true, createdAt: true, merchantId: true, storeId: true, orderType: true, product: true, amountMinor: true, outcome: true, reason: true, channelAccountId: true, feeMinor: true, costMinor: true, marginMinor: true, ruleSetVersion: true, succeeded: true },
  });
}

// ---------------------------------------------------------------------------------------------
// Rule sets

export async function listRuleSets(tx: Tx, ctx: TenantContext) {
  const rows = await tx.routingRuleSet.findMany({ where: { tenantId: ctx.tenantId }, orderBy: { version: "desc" } });
  return rows.map((r) => ({ ...r, rules: parseRules(r.rules) }));
}

export async function getRuleSet(tx: Tx, ctx: TenantContext, version: number) {
  const r = await tx.routingRuleSet.findUnique({ where: { tenantId_version: { tenantId: ctx.tenantId, version } } });
  if (!r) throw new DomainError("NOT_FOUND", "RULE_SET_NOT_FOUND", `Rule set version ${version} not found`, { params: { version } });
  return { ...r, rules: parseRules(r.rules) };
}

async function lockRuleSets(tx: Tx, ctx: TenantContext) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('routing_rule_set:' || ${ctx.tenantId}, 0))`;
}
