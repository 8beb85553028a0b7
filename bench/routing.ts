// Routing decision latency (a benchmark, not a test). Builds one tenant's configuration of 200
// channel accounts, 1,000 registrations and 100 rules, then times BENCH_DECISIONS decisions two
// ways in the same run, interleaved in blocks so both see the same machine:
//   subject:  route(request, compiled)       — compileConfig once, indexed look-ups per decision
//   baseline: routeUncompiled(request, raw)  — the same engine filtering the raw arrays per decision
// Target: subject p99 < 1000 µs per decision. Prints one JSON object and writes bench/out/routing.json.
//
//   npx tsx bench/routing.ts            (or bash bench/routing.sh)
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import type { PaymentElement, ProductCode } from "@/server/channels/types";
import { compileConfig } from "@/server/core/routing/compile";
import { route, routeUncompiled } from "@/server/core/routing/engine";
import type {
  ChannelAccountCandidate,
  Decision,
  FeeRule,
  MerchantLimit,
  ProductRule,
  Registration,
  RoutingConfig,
  RoutingRequest,
  RoutingRule,
} from "@/server/core/routing/types";

const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 20_000);
const BLOCK = 500;
const TARGET_P99_US = 1000;
const ACCOUNTS = 200;
const REGISTRATIONS = 1000;
const RULES = 100;
const MERCHANTS = 250;

// mulberry32: a fixed seed so every run routes the same requests over the same configuration.
let seed = Number(process.env.BENCH_SEED ?? 20261127) >>> 0;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => {
  const x = xs[Math.floor(rnd() * xs.length)];
  if (x === undefined) throw new Error("empty");
  return x;
};
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const id = (p: string, n: number) => `${p}-${String(n).padStart(4, "0")}`;

const WECHAT: readonly ProductCode[] = ["WECHAT_FACE", "WECHAT_CODE", "WECHAT_QR"];
const ALIPAY: readonly ProductCode[] = ["ALIPAY_FACE", "ALIPAY_CODE", "ALIPAY_QR"];
const ELEMENTS: Partial<Record<ProductCode, readonly PaymentElement[]>> = {
  WECHAT_FACE: ["FACE_CODE", "DEVICE"],
  ALIPAY_FACE: ["FACE_CODE", "DEVICE"],
  WECHAT_CODE: ["AUTH_CODE"],
  ALIPAY_CODE: ["AUTH_CODE"],
  WECHAT_QR: [],
  ALIPAY_QR: [],
};

function buildConfig(): RoutingConfig {
  const accounts: ChannelAccountCandidate[] = Array.from({ length: ACCOUNTS }, (_, i) => {
    const wechat = i % 2 === 0;
    const products = wechat ? WECHAT : ALIPAY;
    return {
      id: id("acct", i),
      channelType: wechat ? "WECHAT" : "ALIPAY",
      name: `${wechat ? "WeChat" : "Alipay"} ${i}`,
      enabled: rnd() > 0.05,
      health: rnd() < 0.05 ? "PAUSED" : rnd() < 0.05 ? "HALF_OPEN" : "HEALTHY",
      products,
      elements: Object.fromEntries(products.map((p) => [p, ELEMENTS[p] ?? []])),
      minAmountMinor: 1n,
      maxAmountMinor: BigInt(pick([500_000, 2_000_000, 5_000_000])),
      priority: int(1, 100),
      weight: int(0, 10),
      ...(rnd() < 0.2 ? { timeWindow: { startLocal: "06:00", endLocal: "23:00" } } : {}),
      ...(rnd() < 0.3 ? { dailyAmountCapMinor: BigInt(int(1, 50)) * 1_000_000n, dailyCountCap: int(1000, 50_000) } : {}),
      todayAmountMinor: BigInt(int(0, 5_000_000)),
      todayCount: int(0, 800),
      cost: { feeRatePpm: int(1800, 3000), ...(rnd() < 0.3 ? { fixedMinor: 1n } : {}) },
      recentSuccessRatePpm: int(900_000, 999_000),
      recentSampleSize: int(0, 500),
    };
  });
  // Each merchant registered at 2 WeChat and 2 Alipay accounts (1,000 in all), some per store.
  const registrations: Registration[] = [];
  const perMerchant = REGISTRATIONS / MERCHANTS;
  for (let m = 0; m < MERCHANTS; m++) {
    for (let k = 0; k < perMerchant; k++) {
      const wechat = k < perMerchant / 2;
      const a = 2 * int(0, ACCOUNTS / 2 - 1) + (wechat ? 0 : 1);
      registrations.push({
        id: id("reg", registrations.length),
        merchantId: id("m", m),
        ...(rnd() < 0.1 ? { storeId: id(`s-m${m}`, int(0, 2)) } : {}),
        channelAccountId: id("acct", a),
        status: rnd() < 0.95 ? "ACTIVE" : "SUSPENDED",
        channelRatePpm: pick([3800, 3000, 6000]),
      });
    }
  }
  const feeRules: FeeRule[] = [
    ...[...WECHAT, ...ALIPAY].map((product) => ({ id: `fee-${product}`, product, feeRatePpm: 3800 })),
    ...Array.from({ length: 50 }, (_, i) => ({ id: id("fee-m", i), product: pick([...WECHAT, ...ALIPAY]), merchantId: id("m", int(0, MERCHANTS - 1)), feeRatePpm: int(2500, 6000) })),
  ];
  const productRules: ProductRule[] = [...WECHAT, ...ALIPAY].flatMap((product) =>
    (["CONSUMPTION", "RECHARGE"] as const).map((orderType) => ({ id: `pr-${product}-${orderType}`, product, orderType, enabled: true, maxAmountMinor: 5_000_000n })),
  );
  const merchantLimits: MerchantLimit[] = Array.from({ length: 100 }, (_, i) => ({
    merchantId: id("m", i),
    perTransactionMaxMinor: 2_000_000n,
    dailyAmountCapMinor: 100_000_000n,
    dailyCountCap: 10_000,
    todayAmountMinor: BigInt(int(0, 10_000_000)),
    todayCount: int(0, 500),
  }));
  const rules: RoutingRule[] = Array.from({ length: RULES }, (_, i) => {
    const own = registrations.filter((r) => r.merchantId === id("m", (i * 7) % MERCHANTS));
    return {
      id: id("rule", i),
      name: `Rule ${i}`,
      enabled: rnd() > 0.1,
      action: i % 3 === 0 ? "EXCLUDE" : "FORCE",
      targetChannelAccountIds: own.length > 0 && rnd() < 0.7 ? [pick(own).channelAccountId] : [id("acct", int(0, ACCOUNTS - 1)), id("acct", int(0, ACCOUNTS - 1))],
      conditions: {
        ...(rnd() < 0.8 ? { merchantIds: [id("m", (i * 7) % MERCHANTS), id("m", int(0, MERCHANTS - 1))] } : {}),
        ...(rnd() < 0.3 ? { products: [pick([...WECHAT, ...ALIPAY])] } : {}),
        ...(rnd() < 0.2 ? { minAmountMinor: 10_000n } : {}),
        ...(rnd() < 0.1 ? { metadata: { scene: "canteen" } } : {}),
      },
      order: int(1, 1000),
    };
  });
  return {
    tenantId: "bench-tenant",
    version: "bench-1",
    accounts,
    registrations,
    feeRules,
    merchantLimits,
    productRules,
    ruleSet: { version: 1, strategy: "LOWEST_COST", rules, fallbackEnabled: true },
  };
}

function buildRequests(n: number): RoutingRequest[] {
  return Array.from({ length: n }, () => {
    const m = int(0, MERCHANTS - 1);
    const product = pick(rnd() < 0.5 ? WECHAT : ALIPAY);
    return {
      settlementMode: rnd() < 0.8 ? "DIRECT" : "CUSTODIAL",
      merchantId: id("m", m),
      ...(rnd() < 0.5 ? { storeId: id(`s-m${m}`, int(0, 2)) } : {}),
      deviceId: "dev-1",
      orderType: rnd() < 0.9 ? "CONSUMPTION" : "RECHARGE",
      product,
      amountMinor: BigInt(int(1, 300_000)),
      // 08:00–23:59 Beijing on 2026-11-27, so time windows both admit and refuse.
      at: new Date(Date.UTC(2026, 10, 27, 0, int(0, 959))),
      elements: rnd() < 0.9 ? ["FACE_CODE", "AUTH_CODE", "DEVICE"] : ["DEVICE"],
      ...(rnd() < 0.2 ? { metadata: { scene: "canteen" } } : {}),
      random: rnd(),
    } satisfies RoutingRequest;
  });
}

function stats(us: number[], totalMs: number) {
  const s = [...us].sort((a, b) => a - b);
  const q = (p: number) => Math.round((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0) * 10) / 10;
  return { decisions: s.length, decisionsPerSec: Math.round(s.length / (totalMs / 1000)), p50Us: q(0.5), p90Us: q(0.9), p99Us: q(0.99), maxUs: q(1) };
}

function main() {
  const config = buildConfig();
  const requests = buildRequests(DECISIONS);

  const c0 = performance.now();
  const compiled = compileConfig(config);
  const compileMs = Math.round((performance.now() - c0) * 100) / 100;

  // Warm-up (JIT), and a check that both paths agree on every warm-up request.
  let mismatches = 0;
  const outcomes: Record<string, number> = {};
  for (const r of requests.slice(0, Math.min(2000, requests.length))) {
    const a: Decision = route(r, compiled);
    const b: Decision = routeUncompiled(r, config);
    if (JSON.stringify(a.trace) !== JSON.stringify(b.trace)) mismatches++;
    const k = a.outcome === "ROUTED" ? "ROUTED" : a.reason.code;
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  }

  const subj: number[] = [];
  const base: number[] = [];
  let subjMs = 0;
  let baseMs = 0;
  let sink = 0;
  for (let start = 0; start < requests.length; start += BLOCK) {
    const block = requests.slice(start, start + BLOCK);
    // Alternate which side goes first so neither always runs on a warmer cache.
    const order = (start / BLOCK) % 2 === 0 ? (["s", "b"] as const) : (["b", "s"] as const);
    for (const side of order) {
      const t0 = performance.now();
      for (const r of block) {
        const s = performance.now();
        const d = side === "s" ? route(r, compiled) : routeUncompiled(r, config);
        const e = performance.now();
        (side === "s" ? subj : base).push((e - s) * 1000);
        sink += d.trace.candidates.length;
      }
      if (side === "s") subjMs += performance.now() - t0;
      else baseMs += performance.now() - t0;
    }
  }

  const subject = stats(subj, subjMs);
  const baseline = stats(base, baseMs);
  const ratio = Math.round((subject.decisionsPerSec / Math.max(1, baseline.decisionsPerSec)) * 100) / 100;
  const pass = subject.p99Us < TARGET_P99_US && mismatches === 0;
  const out = {
    benchmark: "routing",
    target: `p99 < ${TARGET_P99_US} µs`,
    unit: "one route() decision: eligibility, rules, strategy, prices and the trace",
    decisionsPerSec: subject.decisionsPerSec,
    p50Us: subject.p50Us,
    p99Us: subject.p99Us,
    baselineDecisionsPerSec: baseline.decisionsPerSec,
    baselineP50Us: baseline.p50Us,
    baselineP99Us: baseline.p99Us,
    ratio,
    result: pass ? "PASS" : "MISS",
    pass,
    subject: { ...subject, what: "route(request, compileConfig(config)): indexes built once per configuration version" },
    baseline: { ...baseline, what: "routeUncompiled(request, config): the same engine filtering the raw arrays per decision" },
    compileMs,
    mismatches,
    outcomes,
    config: { accounts: ACCOUNTS, registrations: config.registrations.length, rules: RULES, merchants: MERCHANTS, strategy: config.ruleSet.strategy },
    machine: {
      run_id: process.env.BENCH_RUN_ID ?? null,
      at: new Date().toISOString(),
      cpus: cpus().length,
      loadavg: loadavg().map((x) => x.toFixed(2)).join(" "),
      node: process.version,
    },
  };
  // Keeps the decisions observable so nothing is optimised away.
  if (sink < 0) console.error(sink);
  const dir = path.join(import.meta.dirname, "out");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "routing.json"), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out));
}

main();
