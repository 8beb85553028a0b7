// Properties over random configurations, checked against an oracle written here from the rules in
// the brief (not from the engine's helpers): the chosen registration is always the merchant's own,
// the chosen account is always eligible and not excluded, the fee is the applicable rule's, and the
// compiled index answers exactly as the plain scan does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NO_FALLBACK_PRODUCTS, type PaymentElement, type ProductCode } from "@/server/channels/types";
import { feeFor } from "@/server/core/ledger/money";
import { compileConfig } from "./compile";
import { route, routeUncompiled } from "./engine";
import type { ChannelAccountCandidate, FeeRule, ProductRule, Registration, RoutingConfig, RoutingRequest, RoutingRule, RouteOption } from "./types";

const MERCHANTS = ["m1", "m2", "m3"] as const;
const STORES = ["s1", "s2"] as const;
const PRODUCTS = ["WECHAT_FACE", "WECHAT_QR", "ALIPAY_QR"] as const satisfies readonly ProductCode[];
const ELEMENTS = ["FACE_CODE", "AUTH_CODE", "DEVICE"] as const satisfies readonly PaymentElement[];
const ACCOUNT_IDS = ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"];

const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30)).map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
const amount = fc.bigInt({ min: 1n, max: 20_000n });
/** undefined three times in four. */
const rarely = <T,>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 });

const accountArb = (id: string) =>
  fc
    .record({
      enabledRoll: fc.integer({ min: 0, max: 9 }), // 80% enabled
      health: fc.constantFrom("HEALTHY", "HEALTHY", "HEALTHY", "PAUSED", "HALF_OPEN"),
      products: fc.subarray([...PRODUCTS], { minLength: 1 }),
      faceElements: fc.subarray([...ELEMENTS]),
      min: fc.bigInt({ min: 1n, max: 500n }),
      span: fc.oneof(fc.bigInt({ min: 0n, max: 20_000n }), fc.constant(100_000n)),
      priority: fc.integer({ min: 0, max: 4 }),
      weight: fc.integer({ min: 0, max: 3 }),
      window: rarely(fc.record({ startLocal: clock, endLocal: clock })),
      cap: rarely(fc.bigInt({ min: 0n, max: 40_000n })),
      countCap: rarely(fc.integer({ min: 0, max: 5 })),
      today: fc.bigInt({ min: 0n, max: 20_000n }),
      todayCount: fc.integer({ min: 0, max: 5 }),
      cost: fc.record({ feeRatePpm: fc.integer({ min: 0, max: 6000 }), fixedMinor: fc.option(fc.bigInt({ min: 0n, max: 5n }), { nil: undefined }) }),
      rate: fc.integer({ min: 900_000, max: 1_000_000 }),
      sample: fc.integer({ min: 0, max: 40 }),
    })
    .map(
      (a): ChannelAccountCandidate => ({
        id,
        channelType: "WECHAT",
        name: id,
        enabled: a.enabledRoll > 1,
        health: a.health,
        products: a.products,
        elements: { WECHAT_FACE: a.faceElements, WECHAT_QR: [], ALIPAY_QR: a.faceElements.includes("AUTH_CODE") ? ["AUTH_CODE"] : [] },
        minAmountMinor: a.min,
        maxAmountMinor: a.min + a.span,
        priority: a.priority,
        weight: a.weight,
        ...(a.window ? { timeWindow: a.window } : {}),
        ...(a.cap !== undefined ? { dailyAmountCapMinor: a.cap } : {}),
        ...(a.countCap !== undefined ? { dailyCountCap: a.countCap } : {}),
        todayAmountMinor: a.today,
        todayCount: a.todayCount,
        cost: a.cost.fixedMinor !== undefined ? { feeRatePpm: a.cost.feeRatePpm, fixedMinor: a.cost.fixedMinor } : { feeRatePpm: a.cost.feeRatePpm },
        recentSuccessRatePpm: a.rate,
        recentSampleSize: a.sample,
      }),
    );

const configArb = fc.integer({ min: 1, max: 8 }).chain((n) => {
  const ids = ACCOUNT_IDS.slice(0, n);
  const accountId = fc.constantFrom(...ids, "ghost");
  const merchant = fc.constantFrom(...MERCHANTS);
  const product = fc.constantFrom(...PRODUCTS);
  return fc.record({
    accounts: fc.tuple(...ids.map(accountArb)),
    // Most merchants registered at most accounts, plus some store-level and stray ones.
    registrations: fc.tuple(
      fc.array(
        fc.record({
          storeId: rarely(fc.constantFrom(...STORES)),
          status: fc.constantFrom("ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "PENDING", "SUSPENDED"),
          channelRatePpm: fc.option(fc.integer({ min: 2000, max: 6000 }), { nil: undefined, freq: 8 }),
          present: fc.integer({ min: 0, max: 2 }).map((x) => x > 0),
        }),
        { minLength: ids.length * MERCHANTS.length, maxLength: ids.length * MERCHANTS.length },
      ),
      fc.array(
        fc.record({
          merchantId: merchant,
          channelAccountId: accountId,
          storeId: fc.option(fc.constantFrom(...STORES), { nil: undefined }),
          status: fc.constantFrom("ACTIVE", "PENDING", "SUSPENDED"),
          channelRatePpm: fc.option(fc.integer({ min: 2000, max: 6000 }), { nil: undefined, freq: 8 }),
          present: fc.constant(true),
        }),
        { maxLength: 4 },
      ),
    ).map(([grid, extra]) => [
      ...grid.map((g, i) => ({ ...g, merchantId: MERCHANTS[i % MERCHANTS.length] ?? "m1", channelAccountId: ids[Math.floor(i / MERCHANTS.length)] ?? "ghost" })),
      ...extra,
    ].filter((r) => r.present)),
    defaultFees: fc.integer({ min: 0, max: 9 }).map((x) => x > 0),
    feeRules: fc.array(
      fc.record({
        product,
        merchantId: fc.option(merchant, { nil: undefined }),
        feeRatePpm: fc.integer({ min: 0, max: 10_000 }),
        fixedMinor: fc.option(fc.bigInt({ min: 0n, max: 10n }), { nil: undefined }),
        minMinor: fc.option(fc.bigInt({ min: 0n, max: 5n }), { nil: undefined }),
        maxMinor: fc.option(fc.bigInt({ min: 5n, max: 100n }), { nil: undefined }),
      }),
      { maxLength: 4 },
    ),
    limits: fc.array(
      fc.record({
        merchantId: merchant,
        perTransactionMaxMinor: rarely(fc.bigInt({ min: 1n, max: 30_000n })),
        dailyAmountCapMinor: rarely(fc.bigInt({ min: 1n, max: 100_000n })),
        dailyCountCap: rarely(fc.integer({ min: 0, max: 10 })),
        todayAmountMinor: fc.bigInt({ min: 0n, max: 50_000n }),
        todayCount: fc.integer({ min: 0, max: 8 }),
      }),
      { maxLength: 3 },
    ),
    productRules: fc.array(
      fc.record({
        product,
        orderType: fc.constantFrom("CONSUMPTION", "RECHARGE"),
        enabled: fc.integer({ min: 0, max: 5 }).map((x) => x > 0),
        minAmountMinor: rarely(fc.bigInt({ min: 1n, max: 100n })),
        maxAmountMinor: rarely(fc.bigInt({ min: 100n, max: 30_000n })),
        merchantId: fc.option(merchant, { nil: undefined, freq: 3 }),
      }),
      { maxLength: 4 },
    ),
    rules: fc.array(
      fc.record({
        enabled: fc.integer({ min: 0, max: 4 }).map((x) => x > 0),
        action: fc.constantFrom("FORCE", "EXCLUDE"),
        targets: fc.subarray([...ids, "ghost"], { minLength: 1, maxLength: Math.min(3, ids.length + 1) }),
        merchantIds: fc.option(fc.subarray([...MERCHANTS], { minLength: 1 }), { nil: undefined }),
        storeIds: rarely(fc.subarray([...STORES], { minLength: 1 })),
        products: fc.option(fc.subarray([...PRODUCTS], { minLength: 1 }), { nil: undefined }),
        orderTypes: fc.option(fc.subarray(["CONSUMPTION", "RECHARGE"] as const, { minLength: 1 }), { nil: undefined }),
        minAmountMinor: rarely(fc.bigInt({ min: 1n, max: 10_000n })),
        maxAmountMinor: rarely(fc.bigInt({ min: 1n, max: 20_000n })),
        metadata: rarely(fc.constantFrom({ scene: "canteen" }, { scene: "shop" })),
        order: fc.integer({ min: 0, max: 5 }),
      }),
      { maxLength: 6 },
    ),
    strategy: fc.constantFrom("LOWEST_COST", "PRIORITY", "WEIGHTED", "SUCCESS_RATE"),
    fallbackEnabled: fc.boolean(),
    minSample: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
  });
}).map(
  (g): RoutingConfig => ({
    tenantId: "t",
    version: "p",
    accounts: g.accounts,
    registrations: g.registrations.map((r, i): Registration => ({
      id: `r${String(i).padStart(2, "0")}`,
      merchantId: r.merchantId,
      channelAccountId: r.channelAccountId,
      status: r.status,
      ...(r.storeId !== undefined ? { storeId: r.storeId } : {}),
      ...(r.channelRatePpm !== undefined ? { channelRatePpm: r.channelRatePpm } : {}),
    })),
    feeRules: [
      ...(g.defaultFees ? PRODUCTS.map((product): FeeRule => ({ id: `fd-${product}`, product, feeRatePpm: 3800 })) : []),
      ...g.feeRules.map((f, i): FeeRule => {
      const { merchantId, fixedMinor, minMinor, maxMinor, ...rest } = f;
      return {
        id: `f${i}`,
        ...rest,
        ...(merchantId !== undefined ? { merchantId } : {}),
        ...(fixedMinor !== undefined ? { fixedMinor } : {}),
        ...(minMinor !== undefined ? { minMinor } : {}),
        ...(maxMinor !== undefined ? { maxMinor } : {}),
      };
      }),
    ],
    merchantLimits: g.limits.map((l) => {
      const { perTransactionMaxMinor, dailyAmountCapMinor, dailyCountCap, ...rest } = l;
      return {
        ...rest,
        ...(perTransactionMaxMinor !== undefined ? { perTransactionMaxMinor } : {}),
        ...(dailyAmountCapMinor !== undefined ? { dailyAmountCapMinor } : {}),
        ...(dailyCountCap !== undefined ? { dailyCountCap } : {}),
      };
    }),
    // Everything offered by default; the random rules override per merchant or switch products off.
    productRules: [
      ...PRODUCTS.flatMap((product) => (["CONSUMPTION", "RECHARGE"] as const).map((orderType): ProductRule => ({ id: `pd-${product}-${orderType}`, product, orderType, enabled: true }))),
      ...g.productRules.map((p, i): ProductRule => {
      const { minAmountMinor, maxAmountMinor, merchantId, ...rest } = p;
      return {
        id: `p${i}`,
        ...rest,
        ...(minAmountMinor !== undefined ? { minAmountMinor } : {}),
        ...(maxAmountMinor !== undefined ? { maxAmountMinor } : {}),
        ...(merchantId !== undefined ? { merchantId } : {}),
      };
      }),
    ],
    ruleSet: {
      version: 1,
      strategy: g.strategy,
      fallbackEnabled: g.fallbackEnabled,
      ...(g.minSample !== undefined ? { successRateMinSample: g.minSample } : {}),
      rules: g.rules.map((r, i): RoutingRule => ({
        id: `rule${i}`,
        name: `rule ${i}`,
        enabled: r.enabled,
        action: r.action,
        targetChannelAccountIds: r.targets,
        order: r.order,
        conditions: {
          ...(r.merchantIds ? { merchantIds: r.merchantIds } : {}),
          ...(r.storeIds ? { storeIds: r.storeIds } : {}),
          ...(r.products ? { products: r.products } : {}),
          ...(r.orderTypes ? { orderTypes: r.orderTypes } : {}),
          ...(r.minAmountMinor !== undefined ? { minAmountMinor: r.minAmountMinor } : {}),
          ...(r.maxAmountMinor !== undefined ? { maxAmountMinor: r.maxAmountMinor } : {}),
          ...(r.metadata ? { metadata: r.metadata } : {}),
        },
      })),
    },
  }),
);

const requestArb = fc
  .record({
    settlementMode: fc.constantFrom("DIRECT", "CUSTODIAL"),
    merchantId: fc.constantFrom(...MERCHANTS),
    storeId: fc.option(fc.constantFrom(...STORES, "s3"), { nil: undefined }),
    deviceId: fc.option(fc.constant("dev"), { nil: undefined }),
    orderType: fc.constantFrom("CONSUMPTION", "RECHARGE"),
    product: fc.constantFrom(...PRODUCTS),
    amountMinor: amount,
    minuteOfDay: fc.integer({ min: 0, max: 1439 }),
    timeZone: fc.option(fc.constant("UTC"), { nil: undefined }),
    elements: fc.oneof({ arbitrary: fc.constant([...ELEMENTS]), weight: 2 }, { arbitrary: fc.subarray([...ELEMENTS]), weight: 1 }),
    metadata: fc.option(fc.constantFrom({ scene: "canteen" }, { scene: "shop" }), { nil: undefined }),
    random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  })
  .map(({ minuteOfDay, storeId, deviceId, timeZone, metadata, ...r }): RoutingRequest => ({
    ...r,
    at: new Date(Date.UTC(2026, 10, 27, 0, minuteOfDay)),
    ...(storeId !== undefined ? { storeId } : {}),
    ...(deviceId !== undefined ? { deviceId } : {}),
    ...(timeZone !== undefined ? { timeZone } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
  }));

// ---------------------------------------------------------------------------------------------
// The oracle: the brief's rules, written out plainly.

function oracleRegistration(cfg: RoutingConfig, req: RoutingRequest, accountId: string): Registration | undefined {
  const mine = cfg.registrations.filter((r) => r.merchantId === req.merchantId && r.channelAccountId === accountId);
  const storeLevel = mine.filter((r) => r.storeId !== undefined && r.storeId === req.storeId);
  const pool = storeLevel.length > 0 ? storeLevel : mine.filter((r) => r.storeId === undefined);
  const sorted = [...pool].sort((a, b) => (a.status === "ACTIVE" ? 0 : 1) - (b.status === "ACTIVE" ? 0 : 1) || a.id.localeCompare(b.id));
  return sorted[0];
}

function localMinute(req: RoutingRequest): number {
  const offset = req.timeZone === "UTC" ? 0 : 8 * 60;
  return (((req.at.getUTCHours() * 60 + req.at.getUTCMinutes() + offset) % 1440) + 1440) % 1440;
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function oracleEligible(cfg: RoutingConfig, req: RoutingRequest, a: ChannelAccountCandidate): boolean {
  if (!a.products.includes(req.product)) return false;
  const reg = oracleRegistration(cfg, req, a.id);
  if (!reg || reg.status !== "ACTIVE") return false;
  if (req.settlementMode === "DIRECT" && reg.channelRatePpm === undefined) return false;
  if (!a.enabled || a.health === "PAUSED") return false;
  if (req.amountMinor < a.minAmountMinor || req.amountMinor > a.maxAmountMinor) return false;
  if (a.dailyAmountCapMinor !== undefined && a.todayAmountMinor + req.amountMinor > a.dailyAmountCapMinor) return false;
  if (a.dailyCountCap !== undefined && a.todayCount + 1 > a.dailyCountCap) return false;
  if (a.timeWindow) {
    const t = localMinute(req);
    const s = toMinutes(a.timeWindow.startLocal);
    const e = toMinutes(a.timeWindow.endLocal);
    const open = s === e || (s < e ? t >= s && t < e : t >= s || t < e);
    if (!open) return false;
  }
  const have = new Set<string>([...req.elements, ...(req.deviceId ? ["DEVICE"] : [])]);
  return (a.elements[req.product] ?? []).every((e) => have.has(e));
}

function ruleMatches(r: RoutingRule, req: RoutingRequest): boolean {
  const c = r.conditions;
  const inList = <T,>(list: readonly T[] | undefined, v: T | undefined) => !list || list.length === 0 || (v !== undefined && list.includes(v));
  return (
    r.enabled &&
    inList(c.merchantIds, req.merchantId) &&
    inList(c.storeIds, req.storeId) &&
    inList(c.products, req.product) &&
    inList(c.orderTypes, req.orderType) &&
    (c.minAmountMinor === undefined || req.amountMinor >= c.minAmountMinor) &&
    (c.maxAmountMinor === undefined || req.amountMinor <= c.maxAmountMinor) &&
    Object.entries(c.metadata ?? {}).every(([k, v]) => req.metadata?.[k] === v)
  );
}

function oracleFeeRule(cfg: RoutingConfig, req: RoutingRequest): FeeRule | undefined {
  const byId = (a: FeeRule, b: FeeRule) => a.id.localeCompare(b.id);
  const own = cfg.feeRules.filter((f) => f.product === req.product && f.merchantId === req.merchantId).sort(byId)[0];
  return own ?? cfg.feeRules.filter((f) => f.product === req.product && f.merchantId === undefined).sort(byId)[0];
}

function oraclePrechecksPass(cfg: RoutingConfig, req: RoutingRequest): boolean {
  const byId = (a: ProductRule, b: ProductRule) => a.id.localeCompare(b.id);
  const match = (p: ProductRule) => p.product === req.product && p.orderType === req.orderType;
  const pr = cfg.productRules.filter((p) => match(p) && p.merchantId === req.merchantId).sort(byId)[0] ?? cfg.productRules.filter((p) => match(p) && p.merchantId === undefined).sort(byId)[0];
  if (!pr || !pr.enabled) return false;
  if ((pr.minAmountMinor !== undefined && req.amountMinor < pr.minAmountMinor) || (pr.maxAmountMinor !== undefined && req.amountMinor > pr.maxAmountMinor)) return false;
  const lim = cfg.merchantLimits.find((l) => l.merchantId === req.merchantId);
  if (lim) {
    if (lim.perTransactionMaxMinor !== undefined && req.amountMinor > lim.perTransactionMaxMinor) return false;
    if (lim.dailyAmountCapMinor !== undefined && lim.todayAmountMinor + req.amountMinor > lim.dailyAmountCapMinor) return false;
    if (lim.dailyCountCap !== undefined && lim.todayCount + 1 > lim.dailyCountCap) return false;
  }
  if (!cfg.accounts.some((a) => a.products.includes(req.product))) return false;
  return req.settlementMode === "DIRECT" || oracleFeeRule(cfg, req) !== undefined;
}

function expectedFee(cfg: RoutingConfig, req: RoutingRequest, opt: RouteOption): bigint {
  const reg = cfg.registrations.find((r) => r.id === opt.registrationId);
  if (req.settlementMode === "DIRECT") return feeFor(req.amountMinor, { feeRatePpm: reg?.channelRatePpm ?? -1 });
  const rule = oracleFeeRule(cfg, req);
  if (!rule) throw new Error("routed without a fee rule");
  return feeFor(req.amountMinor, rule);
}

const RUNS = Number(process.env.ROUTING_PROPERTY_RUNS ?? 400);

describe("route: properties over random configurations", () => {
  it("only ever uses the merchant's own, eligible, non-excluded registration, priced by the applicable rule", () => {
    let routedCount = 0;
    fc.assert(
      fc.property(configArb, requestArb, (cfg, req) => {
        const d = route(req, compileConfig(cfg));
        const excluded = new Set(cfg.ruleSet.rules.filter((r) => r.action === "EXCLUDE" && ruleMatches(r, req)).flatMap((r) => r.targetChannelAccountIds));
        const eligible = cfg.accounts.filter((a) => oracleEligible(cfg, req, a));
        const remaining = eligible.filter((a) => !excluded.has(a.id));

        if (!oraclePrechecksPass(cfg, req)) {
          expect(d.outcome).toBe("NO_ROUTE");
          return;
        }
        if (remaining.length === 0) {
          expect(d.outcome).toBe("NO_ROUTE");
          if (d.outcome === "NO_ROUTE") expect(eligible.length === 0 ? d.reason.code !== "ALL_EXCLUDED" : d.reason.code === "ALL_EXCLUDED").toBe(true);
          return;
        }
        expect(d.outcome).toBe("ROUTED");
        if (d.outcome !== "ROUTED") return;
        routedCount++;
        for (const opt of [d.chosen, ...d.fallbacks]) {
          const reg = cfg.registrations.find((r) => r.id === opt.registrationId);
          expect(reg?.merchantId).toBe(req.merchantId);
          expect(reg?.channelAccountId).toBe(opt.channelAccountId);
          expect(reg).toBe(oracleRegistration(cfg, req, opt.channelAccountId));
          expect(remaining.map((a) => a.id)).toContain(opt.channelAccountId);
          expect(opt.feeMinor).toBe(expectedFee(cfg, req, opt));
          const acct = cfg.accounts.find((a) => a.id === opt.channelAccountId);
          expect(opt.costMinor).toBe(acct ? feeFor(req.amountMinor, acct.cost) : -1n);
          expect(opt.marginMinor).toBe(opt.feeMinor - opt.costMinor);
        }
        expect([d.feeMinor, d.costMinor, d.marginMinor]).toEqual([d.chosen.feeMinor, d.chosen.costMinor, d.chosen.marginMinor]);
        if (NO_FALLBACK_PRODUCTS.has(req.product) || !cfg.ruleSet.fallbackEnabled) expect(d.fallbacks).toEqual([]);
        // A FORCE that matched with an eligible target decides: the choice is one of its targets.
        const firstForce = cfg.ruleSet.rules
          .filter((r) => r.action === "FORCE" && ruleMatches(r, req))
          .sort((a, b) => a.order - b.order || a.id.localeCompare(b.id))
          .find((r) => remaining.some((a) => r.targetChannelAccountIds.includes(a.id)));
        if (firstForce) expect(firstForce.targetChannelAccountIds).toContain(d.chosen.channelAccountId);
        // Every option is distinct.
        expect(new Set([d.chosen, ...d.fallbacks].map((o) => o.channelAccountId)).size).toBe(1 + d.fallbacks.length);
      }),
      { numRuns: RUNS },
    );
    // The generator must actually reach the interesting branch.
    expect(routedCount).toBeGreaterThan(RUNS / 20);
  });

  it("answers identically through the compiled index and the plain scan, and the trace is plain JSON", () => {
    fc.assert(
      fc.property(configArb, requestArb, (cfg, req) => {
        const compiled = route(req, compileConfig(cfg));
        expect(routeUncompiled(req, cfg)).toEqual(compiled);
        expect(JSON.parse(JSON.stringify(compiled.trace))).toEqual(compiled.trace);
      }),
      { numRuns: RUNS },
    );
  });
});
