import { connectorFor } from "@/server/channels/registry";
import { TENANT_SETTINGS_COLUMNS, tenantSettings, type TenantSettings } from "@/server/core/tenancy/settings";
import type { PaymentElement, ProductCode } from "@/server/channels/types";
import { recordAudit } from "@/server/core/audit/service";
import { businessDate } from "@/server/core/calendar/rules";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { compileConfig, type CompiledConfig } from "@/server/core/routing/compile";
import { route } from "@/server/core/routing/engine";
import { dryRun, historyItemFromStored, type HistoryItem } from "@/server/core/routing/dry-run";
import { productsFor, type OfferRequest } from "@/server/core/routing/products";
import { parseRoutingRule, toJson } from "@/server/core/routing/schema";
import { validateConfig, validateRuleSet } from "@/server/core/routing/validate";
import type { AccountLive, ChannelAccountCandidate, ChannelFilter, ConfigIssue, Decision, LiveState, RoutingConfig, RoutingOrderType, RoutingRule, RoutingStrategy, RuleSet } from "@/server/core/routing/types";
import { Prisma } from "@/server/db/generated/prisma/client";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { isRawOnly } from "@/server/db/tx-connection";
import { logger } from "@/server/lib/logger";
import { effectiveHealth, type HealthRow } from "./health";
import { assessRisk, RISK_LIMIT_COLUMNS, type MerchantRiskLimits, type RiskRefusal } from "./risk";

// The routing service: loads a tenant's configuration into the pure engine (server/core/routing),
// compiled once per configuration version and reused until anything changes, reads the live
// counters (today's totals, health, recent success rate) per decision, and stores every decision
// with its trace. Rule sets are versioned: drafts are validated and published, and a rollback
// publishes an old version again as a new one.

const compiled = new Map<string, { version: string; config: CompiledConfig }>();

/** Changes whenever any routing input changes (counters excepted: they are read per decision). As SQL, to read beside other things. */
function configVersionSql(ctx: TenantContext): Prisma.Sql {
  return Prisma.sql`concat_ws('|',
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM channel_account WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM merchant_channel_registration WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM fee_rule WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM product_rule WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM merchant_limit WHERE tenant_id = ${ctx.tenantId}::uuid),
      (SELECT coalesce(max(version), 0)::text FROM routing_rule_set WHERE tenant_id = ${ctx.tenantId}::uuid AND status = 'PUBLISHED'))`;
}

async function configVersion(tx: Tx, ctx: TenantContext): Promise<string> {
  const rows = await tx.$queryRaw<{ v: string }[]>`SELECT ${configVersionSql(ctx)} AS v`;
  return rows[0]!.v;
}

/**
 * What a decision reads of the tenant and the merchant before its live state, in one statement:
 * the tenant's settings, the routing configuration's version and the merchant's risk limits.
 */
async function routingFacts(tx: Tx, ctx: TenantContext, merchantId: string): Promise<{ tenant: TenantSettings; version: string; riskLimits: MerchantRiskLimits | null }> {
  const [row] = await tx.$queryRaw<Array<TenantSettings & MerchantRiskLimits & { version: string; hasRiskLimits: boolean }>>`
    SELECT ${TENANT_SETTINGS_COLUMNS}, ${configVersionSql(ctx)} AS version, l.merchant_id IS NOT NULL AS "hasRiskLimits", ${RISK_LIMIT_COLUMNS}
      FROM tenant t LEFT JOIN merchant_limit l ON l.tenant_id = t.id AND l.merchant_id = ${merchantId}::uuid
     WHERE t.id = ${ctx.tenantId}::uuid`;
  if (!row) throw notFound("Service provider");
  const { timeZone, settlementMode, autoRefundLateSuccess, version, hasRiskLimits, devicePerMinuteMax, payerPerMinuteMax, nightLargeAmountMinor } = row;
  return { tenant: { timeZone, settlementMode, autoRefundLateSuccess }, version, riskLimits: hasRiskLimits ? { devicePerMinuteMax, payerPerMinuteMax, nightLargeAmountMinor } : null };
}

/** Rules as stored (amounts as strings) → the engine's form. */
export function parseRules(json: unknown): RoutingRule[] {
  return Array.isArray(json) ? json.map((r) => parseRoutingRule(r)) : [];
}

function ruleSetRules(json: Prisma.JsonValue): RoutingRule[] {
  return parseRules(json);
}

async function loadConfig(tx: Tx, ctx: TenantContext, version: string): Promise<RoutingConfig> {
  // One connection per transaction: the queries run one after another.
  const accounts = await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId } });
  const registrations = await tx.merchantChannelRegistration.findMany({
    where: { tenantId: ctx.tenantId },
    select: { id: true, merchantId: true, storeId: true, channelAccountId: true, status: true, channelRatePpm: true },
  });
  const feeRules = await tx.feeRule.findMany({ where: { tenantId: ctx.tenantId } });
  const productRules = await tx.productRule.findMany({ where: { tenantId: ctx.tenantId } });
  const merchantLimits = await tx.merchantLimit.findMany({ where: { tenantId: ctx.tenantId } });
  const ruleSet = await tx.routingRuleSet.findFirst({ where: { tenantId: ctx.tenantId, status: "PUBLISHED" } });
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

/**
 * A raw-only transaction (withTenantTx rawOnly) found the process's routing configuration stale:
 * loading it takes model queries. The caller loads it (routingConfig in a transaction of its own)
 * and runs its transaction again; withRoutingConfig does both.
 */
export class RoutingConfigStale extends Error {
  constructor() {
    super("The routing configuration changed: load it, then route again");
  }
}

/** The compiled configuration for the tenant as it stands now. */
export async function routingConfig(tx: Tx, ctx: TenantContext, knownVersion?: string): Promise<CompiledConfig> {
  const version = knownVersion ?? (await configVersion(tx, ctx));
  const hit = compiled.get(ctx.tenantId);
  if (hit && hit.version === version) return hit.config;
  if (isRawOnly(tx)) throw new RoutingConfigStale();
  const config = compileConfig(await loadConfig(tx, ctx, version));
  compiled.set(ctx.tenantId, { version, config });
  return config;
}

/**
 * Runs `route` (which opens a raw-only transaction that routes) with the routing configuration
 * loaded: when it finds the configuration stale, the configuration is loaded in a transaction of
 * its own — never while `route`'s transaction holds a connection — and `route` runs again. At READ
 * COMMITTED each statement sees what was committed when it began, so this reads what loading it
 * inside `route`'s transaction would have; the version is checked again in the second run.
 */
export async function withRoutingConfig<T>(ctx: TenantContext, route: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await route();
    } catch (e) {
      if (!(e instanceof RoutingConfigStale)) throw e;
      // Edited again between each load and the route that followed it, three times over.
      if (attempt >= 3) throw new DomainError("CONFLICT", "ROUTING_CONFIG_CHANGING", "The routing configuration is being changed right now; try again");
      await withTenantTx(ctx.tenantId, (tx) => routingConfig(tx, ctx));
    }
  }
}

/** The window of channel calls whose success rate routing weighs. */
const RECENT_CALLS_SECONDS = 3600;

type LiveRow = { kind: "ACCOUNT" | "MERCHANT"; id: string; amountMinor: bigint | null; count: number | null; calls: bigint | null; failures: bigint | null } & Pick<
  HealthRow,
  "healthState" | "healthChangedAt" | "healthManual" | "healthCooldownSeconds"
>;

/**
 * Today's totals, health and recent success rate, read fresh for one decision: one statement (routing
 * reads this for every payment) with a row per channel account — its health, today's totals and the
 * last hour's calls — and one per merchant with totals today.
 */
export async function liveState(tx: Tx, ctx: TenantContext, date: string, now: Date): Promise<LiveState> {
  const since = new Date(now.getTime() - RECENT_CALLS_SECONDS * 1000);
  const rows = await tx.$queryRaw<LiveRow[]>`
    SELECT 'ACCOUNT' AS kind, a.id, a.health_state::text AS "healthState", a.health_changed_at AS "healthChangedAt", a.health_manual AS "healthManual",
           a.health_cooldown_seconds AS "healthCooldownSeconds", u.amount_minor AS "amountMinor", u.count, s.calls, s.failures
      FROM channel_account a
      LEFT JOIN limit_usage u ON u.tenant_id = a.tenant_id AND u.scope = 'CHANNEL_ACCOUNT' AND u.scope_id = a.id AND u.business_date = ${date}::date
      LEFT JOIN (SELECT channel_account_id, sum(calls)::int8 AS calls, sum(failures)::int8 AS failures
                   FROM channel_call_stat WHERE tenant_id = ${ctx.tenantId}::uuid AND minute >= ${since}::timestamptz
                  GROUP BY channel_account_id) s ON s.channel_account_id = a.id
     WHERE a.tenant_id = ${ctx.tenantId}::uuid
    UNION ALL
    SELECT 'MERCHANT', u.scope_id, NULL, NULL, NULL, NULL, u.amount_minor, u.count, NULL, NULL
      FROM limit_usage u WHERE u.tenant_id = ${ctx.tenantId}::uuid AND u.scope = 'MERCHANT' AND u.business_date = ${date}::date`;
  const accounts = new Map<string, AccountLive>();
  const merchants = new Map<string, { todayAmountMinor: bigint; todayCount: number }>();
  for (const r of rows) {
    if (r.kind === "MERCHANT") {
      merchants.set(r.id, { todayAmountMinor: r.amountMinor ?? 0n, todayCount: r.count ?? 0 });
      continue;
    }
    const calls = Number(r.calls ?? 0n);
    const failures = Number(r.failures ?? 0n);
    accounts.set(r.id, {
      health: effectiveHealth(r, now),
      todayAmountMinor: r.amountMinor ?? 0n,
      todayCount: r.count ?? 0,
      recentSuccessRatePpm: calls ? Math.round(((calls - failures) / calls) * 1_000_000) : 0,
      recentSampleSize: calls,
    });
  }
  return {
    account: (id) => accounts.get(id),
    merchant: (id) => merchants.get(id) ?? { todayAmountMinor: 0n, todayCount: 0 },
  };
}

export interface DecideInput {
  readonly merchantId: string;
  readonly storeId?: string;
  readonly deviceId?: string;
  /** Who pays, where known before the channel call (a wallet, a bank contract): for the velocity rule. */
  readonly payerId?: string;
  readonly orderType: RoutingOrderType;
  readonly product: ProductCode;
  readonly amountMinor: bigint;
  readonly elements: readonly PaymentElement[];
  readonly metadata?: Record<string, string>;
  readonly at?: Date;
  readonly random?: number;
  /** Only this channel account may be chosen (a face device's binding, issue 7). */
  readonly onlyChannelAccountId?: string;
  /**
   * The payment's own forceChannel / excludeChannels (the merchant API's `routing`): applied by the
   * engine to the candidates before eligibility and rules, stored with the decision's request and
   * trace; the fallbacks come from the same filtered ranking.
   */
  readonly channelFilter?: ChannelFilter;
}

async function evaluateRoute(tx: Tx, ctx: TenantContext, input: DecideInput) {
  const at = input.at ?? new Date();
  const { tenant, version, riskLimits } = await routingFacts(tx, ctx, input.merchantId);
  const date = businessDate(at, tenant.timeZone);
  const compiled = await routingConfig(tx, ctx, version);
  const pinned = input.onlyChannelAccountId;
  const config: CompiledConfig =
    pinned === undefined
      ? compiled
      : { ...compiled, lookup: { ...compiled.lookup, registeredCandidates: (m, s, p) => compiled.lookup.registeredCandidates(m, s, p).filter((c) => c.account.id === pinned) } };
  const live = await liveState(tx, ctx, date, at);
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
    ...(input.channelFilter ? { channelFilter: input.channelFilter } : {}),
  };
  return { decision: route(request, config, live), request, at, date, riskLimits };
}

/** Routes a hypothetical payment against the live configuration; nothing is stored (the console's "try it"). */
export async function previewRoute(tx: Tx, ctx: TenantContext, input: DecideInput) {
  const { decision, date } = await evaluateRoute(tx, ctx, input);
  return { decision: toJson(decision), businessDate: date };
}

/** A payment the risk rules refused before routing (velocity); its decision is stored for the alert. */
export interface RiskRefusedDecision {
  readonly outcome: "RISK_REFUSED";
  readonly reason: RiskRefusal;
  readonly trace: Decision["trace"];
}

export type RoutingOutcome = Decision | RiskRefusedDecision;

/**
 * Routes one payment and stores the decision with its trace and risk flags; the payment points at
 * the decision. A velocity rule refuses (outcome RISK_REFUSED); a large amount at night only flags.
 */
export async function decideRoute(tx: Tx, ctx: TenantContext, input: DecideInput): Promise<{ decisionId: string; decision: RoutingOutcome; businessDate: string; riskFlags: readonly string[] }> {
  const { decision: routed0, request, at, date, riskLimits } = await evaluateRoute(tx, ctx, input);
  const risk = await assessRisk(
    tx,
    ctx,
    { merchantId: input.merchantId, ...(input.deviceId ? { deviceId: input.deviceId } : {}), ...(input.payerId ? { payerId: input.payerId } : {}), amountMinor: input.amountMinor, at, timeZone: request.timeZone },
    riskLimits,
  );
  const decision: RoutingOutcome = risk.refusal ? { outcome: "RISK_REFUSED", reason: risk.refusal, trace: routed0.trace } : routed0;
  const routed = decision.outcome === "ROUTED" ? decision : undefined;
  if (risk.flags.length > 0) {
    logger.warn({ tenantId: ctx.tenantId, merchantId: input.merchantId, deviceId: input.deviceId, flags: risk.flags }, "risk rule fired");
    await recordAudit(tx, ctx, { action: "risk.alert", entityType: "merchant", entityId: input.merchantId, after: { flags: risk.flags, amountMinor: input.amountMinor, deviceId: input.deviceId ?? null, refused: Boolean(risk.refusal) } });
  }
  // One raw INSERT (every payment records its decision; a model create cost several times the statement).
  const minor = (v: bigint | undefined) => (v === undefined ? null : v.toString());
  const [row] = await tx.$queryRaw<Array<{ id: string }>>`
    INSERT INTO routing_decision (tenant_id, created_at, rule_set_version, merchant_id, store_id, device_id, payer_id, risk_flags, order_type, product, amount_minor,
                                  request, outcome, reason, channel_account_id, registration_id, fee_minor, cost_minor, margin_minor, trace)
    VALUES (${ctx.tenantId}::uuid, ${at}::timestamptz, ${decision.trace.ruleSetVersion ?? null}::int, ${input.merchantId}::uuid, ${input.storeId ?? null}::uuid,
            ${input.deviceId ?? null}, ${input.payerId ?? null}, ${[...risk.flags]}::text[], ${input.orderType}::"OrderType", ${input.product}::"ProductCode",
            ${input.amountMinor.toString()}::int8, ${JSON.stringify(toJson(request))}::jsonb, ${decision.outcome}, ${decision.outcome === "ROUTED" ? null : decision.reason.code},
            ${routed?.chosen.channelAccountId ?? null}::uuid, ${routed?.chosen.registrationId ?? null}::uuid,
            ${minor(routed?.feeMinor)}::int8, ${minor(routed?.costMinor)}::int8, ${minor(routed?.marginMinor)}::int8, ${JSON.stringify(decision.trace)}::jsonb)
    RETURNING id`;
  if (!row) throw new Error("routing decision not recorded");
  return { decisionId: row.id, decision, businessDate: date, riskFlags: risk.flags };
}

/** The products to offer for an order type and amount, with the elements each needs (step 2 of a payment). */
export async function offerProducts(tx: Tx, ctx: TenantContext, input: Omit<OfferRequest, "settlementMode" | "at" | "timeZone"> & { at?: Date }) {
  const at = input.at ?? new Date();
  const tenant = await tenantSettings(tx, ctx);
  const config = await routingConfig(tx, ctx);
  const live = await liveState(tx, ctx, businessDate(at, tenant.timeZone), at);
  return productsFor({ ...input, settlementMode: tenant.settlementMode, at, timeZone: tenant.timeZone }, config.config.productRules, config, live);
}

export async function getDecision(tx: Tx, ctx: TenantContext, id: string) {
  const row = await tx.routingDecision.findFirst({ where: { tenantId: ctx.tenantId, id } });
  if (!row) throw notFound("Routing decision");
  return row;
}

export async function findDecisions(tx: Tx, ctx: TenantContext, input: { limit?: number; outcome?: "ROUTED" | "NO_ROUTE" | "RISK_REFUSED" }) {
  return tx.routingDecision.findMany({
    where: { tenantId: ctx.tenantId, ...(input.outcome ? { outcome: input.outcome } : {}) },
    orderBy: { createdAt: "desc" },
    take: Math.min(input.limit ?? 50, 200),
    select: { id: true, createdAt: true, merchantId: true, storeId: true, deviceId: true, riskFlags: true, orderType: true, product: true, amountMinor: true, outcome: true, reason: true, channelAccountId: true, feeMinor: true, costMinor: true, marginMinor: true, ruleSetVersion: true, succeeded: true },
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

export interface RuleSetDraft {
  readonly strategy: RoutingStrategy;
  readonly fallbackEnabled: boolean;
  readonly rules: readonly unknown[];
  readonly note?: string;
}

function checkRuleSet(ruleSet: RuleSet, config: CompiledConfig): ConfigIssue[] {
  return validateRuleSet(ruleSet, config.config.accounts);
}

function refuseErrors(issues: readonly ConfigIssue[]): void {
  const errors = issues.filter((i) => i.severity === "ERROR");
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new DomainError("BAD_INPUT", "RULE_SET_INVALID", `${errors.length} problem(s) in the rule set: ${first.message}`, {
      field: first.path,
      params: { count: errors.length, first: first.message },
    });
  }
}

function parseDraft(draft: RuleSetDraft): RuleSet {
  let rules: RoutingRule[];
  try {
    rules = draft.rules.map((r) => parseRoutingRule(r));
  } catch (e) {
    throw new DomainError("BAD_INPUT", "RULE_SET_MALFORMED", `A rule is malformed: ${(e as Error).message.slice(0, 300)}`, { field: "rules" });
  }
  return { version: 0, strategy: draft.strategy, fallbackEnabled: draft.fallbackEnabled, rules };
}

/** Validation issues of a draft against the tenant's accounts (errors and warnings), without saving. */
export async function validateDraft(tx: Tx, ctx: TenantContext, draft: RuleSetDraft): Promise<ConfigIssue[]> {
  return checkRuleSet(parseDraft(draft), await routingConfig(tx, ctx));
}

/** Saves the draft: the open draft is replaced, or a new version is opened. Errors are refused. */
export async function saveDraft(tx: Tx, ctx: TenantContext, draft: RuleSetDraft) {
  await lockRuleSets(tx, ctx);
  const ruleSet = parseDraft(draft);
  const issues = checkRuleSet(ruleSet, await routingConfig(tx, ctx));
  refuseErrors(issues);
  const latest = await tx.routingRuleSet.findFirst({ where: { tenantId: ctx.tenantId }, orderBy: { version: "desc" } });
  const data = {
    strategy: ruleSet.strategy,
    fallbackEnabled: ruleSet.fallbackEnabled,
    rules: toJson(ruleSet.rules) as unknown as Prisma.InputJsonValue,
    note: draft.note ?? null,
    createdBy: ctx.actor.kind === "USER" ? ctx.actor.userId : null,
  };
  const saved =
    latest?.status === "DRAFT"
      ? await tx.routingRuleSet.update({ where: { tenantId_version: { tenantId: ctx.tenantId, version: latest.version } }, data })
      : await tx.routingRuleSet.create({ data: { tenantId: ctx.tenantId, version: (latest?.version ?? 0) + 1, status: "DRAFT", ...data } });
  await recordAudit(tx, ctx, { action: "routing.save_draft", entityType: "routing_rule_set", entityId: String(saved.version), after: { ...saved, rules: ruleSet.rules.length } });
  return { version: saved.version, issues };
}

/** Publishes a draft (or, for a rollback, a copy of an older version): effective at once. */
export async function publishRuleSet(tx: Tx, ctx: TenantContext, input: { version: number }) {
  await lockRuleSets(tx, ctx);
  const target = await getRuleSet(tx, ctx, input.version);
  if (target.status !== "DRAFT") throw new DomainError("PRECONDITION", "RULE_SET_NOT_DRAFT", "Only a draft can be published; roll back to republish an older version", { params: { version: input.version } });
  refuseErrors(checkRuleSet({ version: target.version, strategy: target.strategy as RoutingStrategy, fallbackEnabled: target.fallbackEnabled, rules: target.rules }, await routingConfig(tx, ctx)));
  const previous = await tx.routingRuleSet.findFirst({ where: { tenantId: ctx.tenantId, status: "PUBLISHED" } });
  if (previous) await tx.routingRuleSet.update({ where: { tenantId_version: { tenantId: ctx.tenantId, version: previous.version } }, data: { status: "SUPERSEDED" } });
  const published = await tx.routingRuleSet.update({
    where: { tenantId_version: { tenantId: ctx.tenantId, version: target.version } },
    data: { status: "PUBLISHED", publishedAt: new Date(), publishedBy: ctx.actor.kind === "USER" ? ctx.actor.userId : null },
  });
  await recordAudit(tx, ctx, { action: "routing.publish", entityType: "routing_rule_set", entityId: String(published.version), before: previous ? { version: previous.version } : null, after: { version: published.version, strategy: published.strategy, rules: target.rules.length } });
  return { version: published.version };
}

/** Rolls back: an older version's rules become a new version, published at once. */
export async function rollbackRuleSet(tx: Tx, ctx: TenantContext, input: { version: number; note?: string }) {
  await lockRuleSets(tx, ctx);
  const old = await getRuleSet(tx, ctx, input.version);
  const latest = await tx.routingRuleSet.findFirst({ where: { tenantId: ctx.tenantId }, orderBy: { version: "desc" } });
  if (latest?.status === "DRAFT") throw new DomainError("PRECONDITION", "RULE_SET_DRAFT_OPEN", "Discard or publish the open draft before rolling back", { params: { version: latest.version } });
  const version = (latest?.version ?? 0) + 1;
  await tx.routingRuleSet.create({
    data: {
      tenantId: ctx.tenantId,
      version,
      status: "DRAFT",
      strategy: old.strategy,
      fallbackEnabled: old.fallbackEnabled,
      rules: toJson(old.rules) as unknown as Prisma.InputJsonValue,
      note: input.note ?? `rollback to version ${old.version}`,
      createdBy: ctx.actor.kind === "USER" ? ctx.actor.userId : null,
    },
  });
  await recordAudit(tx, ctx, { action: "routing.rollback", entityType: "routing_rule_set", entityId: String(version), after: { from: old.version, version } });
  return publishRuleSet(tx, ctx, { version });
}

export async function discardDraft(tx: Tx, ctx: TenantContext, input: { version: number }) {
  await lockRuleSets(tx, ctx);
  const target = await getRuleSet(tx, ctx, input.version);
  if (target.status !== "DRAFT") throw new DomainError("PRECONDITION", "RULE_SET_NOT_DRAFT", "Only a draft can be discarded", { params: { version: input.version } });
  await tx.$executeRaw`DELETE FROM routing_rule_set WHERE tenant_id = ${ctx.tenantId}::uuid AND version = ${input.version} AND status = 'DRAFT'`;
  await recordAudit(tx, ctx, { action: "routing.discard_draft", entityType: "routing_rule_set", entityId: String(input.version) });
  return { version: input.version };
}

/**
 * Replays the last `days` days of routing decisions in time order, with the totals and health as
 * they stood, under the published rule set and under `version` (or an unsaved draft), and reports
 * the changes per rule and channel account in count, amount, cost and margin.
 */
export async function dryRunRuleSet(tx: Tx, ctx: TenantContext, input: { days: number; version?: number; draft?: RuleSetDraft }) {
  const current = await routingConfig(tx, ctx);
  const proposedSet =
    input.draft !== undefined
      ? parseDraft(input.draft)
      : input.version !== undefined
        ? await (async () => {
            const r = await getRuleSet(tx, ctx, input.version!);
            return { version: r.version, strategy: r.strategy as RoutingStrategy, fallbackEnabled: r.fallbackEnabled, rules: r.rules };
          })()
        : current.config.ruleSet;
  const proposed = compileConfig({ ...current.config, version: `${current.config.version}|dry-run`, ruleSet: proposedSet });
  const since = new Date(Date.now() - Math.min(Math.max(input.days, 1), 90) * 86_400_000);
  const rows = await tx.routingDecision.findMany({
    where: { tenantId: ctx.tenantId, createdAt: { gte: since } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: 50_000,
    select: { id: true, request: true, trace: true, channelAccountId: true, amountMinor: true, succeeded: true },
  });
  const history: HistoryItem[] = [];
  const errors: { historyId: string; message: string }[] = [];
  for (const row of rows) {
    try {
      history.push(historyItemFromStored(row));
    } catch (e) {
      errors.push({ historyId: row.id, message: (e as Error).message.slice(0, 200) });
    }
  }
  const report = dryRun(history, current, proposed);
  return { ...report, errors: [...errors, ...report.errors], since, proposedVersion: input.version ?? null, currentVersion: current.config.ruleSet.version };
}

/**
 * Configuration errors the console shows: in DIRECT mode a fee rule that disagrees with the rate
 * registered at the channel (never charged twice: DIRECT charges the registered rate), plus the
 * published rule set's own issues against today's accounts.
 */
export async function configurationIssues(tx: Tx, ctx: TenantContext): Promise<ConfigIssue[]> {
  const { config } = await routingConfig(tx, ctx);
  const tenant = await tenantSettings(tx, ctx);
  return validateConfig(config, tenant.settlementMode);
}
