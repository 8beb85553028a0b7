import { pointsAt, provisionSimulatorAccount, type SimulatorUrls } from "@/server/channels/simulator-accounts";
import { logger } from "@/server/lib/logger";
import { authorizedTenantId, withSystemTx, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { configureChannelAccount, connectorConfig, createChannelAccount } from "./accounts";
import { recordChannelCall } from "./health";
import { createRegistration } from "./registrations";
import { decideRoute } from "./routing";

// Demo channels: accounts at the local simulators for the demo tenants, with every merchant
// registered, so the console shows real channels next to the sandbox. The simulators keep their
// keys in memory; when they restart, `refreshSimulatorAccounts` gives every account that points at
// them a new credential version registered with the new simulator.

const NAMES = {
  WECHAT: { zh: "微信支付（模拟器）", en: "WeChat Pay (simulator)" },
  ALIPAY: { zh: "支付宝（模拟器）", en: "Alipay (simulator)" },
  BANK: { zh: "银联快捷（模拟器）", en: "UnionPay quick pay (simulator)" },
} as const;

export async function seedSimulatorChannels(tx: Tx, ctx: TenantContext, urls: SimulatorUrls, options: { zh: boolean; custodial: boolean }): Promise<void> {
  const merchants = await tx.merchant.findMany({ where: { tenantId: ctx.tenantId }, select: { id: true }, orderBy: { createdAt: "asc" } });
  const types = (["WECHAT", "ALIPAY", ...(options.custodial ? (["BANK"] as const) : [])] as const).filter((t) => urls[t]);
  for (const [i, type] of types.entries()) {
    const { params, credentials } = await provisionSimulatorAccount(type, urls[type]!);
    const account = await createChannelAccount(tx, ctx, {
      channelType: type,
      name: options.zh ? NAMES[type].zh : NAMES[type].en,
      params,
      credentials,
      settings: { priority: 10 + i * 10, costRatePpm: type === "BANK" ? 3000 : 2000 + i * 200 },
    });
    for (const [n, m] of merchants.entries()) {
      const serial = String(n + 1).padStart(4, "0");
      await createRegistration(tx, ctx, {
        merchantId: m.id,
        channelAccountId: account.id,
        status: "ACTIVE",
        channelRatePpm: 3800,
        ...(type === "WECHAT" ? { subMchId: `190000${serial}` } : {}),
        ...(type === "ALIPAY" ? { smid: `2088000000${serial}`, appAuthToken: `202611BB${serial}demo`, shopId: `SHOP${serial}` } : {}),
        ...(type === "BANK" ? { acquirerMerchantNo: `8983100${serial}`, terminalNo: `T${serial}` } : {}),
      });
    }
  }
}

/** New keys, as a new credential version, for every account pointing at a simulator started at `startedAt` whose keys are older. */
export async function refreshSimulatorAccounts(urls: SimulatorUrls, startedAt: Date): Promise<number> {
  const tenantIds = await withSystemTx(async (tx) => (await tx.$queryRaw<{ id: string }[]>`SELECT id FROM system_active_tenant_ids()`).map((r) => r.id));
  let refreshed = 0;
  for (const id of tenantIds) {
    const tenantId = authorizedTenantId(id);
    const ctx: TenantContext = { tenantId, actor: { kind: "SYSTEM", name: "simulators" } };
    await withTenantTx(tenantId, async (tx) => {
      const accounts = await tx.channelAccount.findMany({ where: { tenantId, channelType: { in: ["WECHAT", "ALIPAY", "BANK"] } }, select: { id: true, channelType: true, currentVersion: true } });
      for (const a of accounts) {
        const type = a.channelType as "WECHAT" | "ALIPAY" | "BANK";
        const url = urls[type];
        if (!url) continue;
        const current = await connectorConfig(tx, ctx, a.id);
        if (!pointsAt(current.params, url)) continue;
        // Keys registered with the simulators running now (e.g. by the seed just before) are good.
        const version = await tx.channelAccountVersion.findFirst({ where: { tenantId, channelAccountId: a.id, version: a.currentVersion }, select: { createdAt: true } });
        if (version && version.createdAt >= startedAt) continue;
        const fresh = await provisionSimulatorAccount(type, url);
        await configureChannelAccount(tx, ctx, { id: a.id, params: fresh.params, credentials: fresh.credentials, note: "simulator restarted: new keys" });
        refreshed += 1;
      }
    });
  }
  if (refreshed) logger.info({ refreshed }, "simulator channel accounts re-keyed");
  return refreshed;
}

/** A small deterministic generator, so the demo history is the same on every fresh start. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const DEMO_PRODUCTS = [
  { product: "WECHAT_FACE", elements: ["FACE_CODE", "DEVICE"] },
  { product: "ALIPAY_FACE", elements: ["FACE_CODE", "DEVICE"] },
  { product: "WECHAT_CODE", elements: ["AUTH_CODE"] },
  { product: "ALIPAY_CODE", elements: ["AUTH_CODE"] },
  { product: "WECHAT_QR", elements: [] },
] as const;

/**
 * Routing history for the demo: `perDay` decisions a day over the last `days` days (08:00–22:00
 * Beijing time), about 97% successful, plus channel call statistics for the last half hour, so the
 * decisions list, the dry run and the health charts have something to show.
 */
export async function seedRoutingHistory(tx: Tx, ctx: TenantContext, options: { days?: number; perDay?: number; seed?: number } = {}): Promise<number> {
  const random = prng(options.seed ?? 20261127);
  const merchants = await tx.merchant.findMany({ where: { tenantId: ctx.tenantId, status: "ACTIVE" }, select: { id: true, stores: { select: { id: true } } }, orderBy: { createdAt: "asc" } });
  if (merchants.length === 0) return 0;
  const days = options.days ?? 7;
  const perDay = options.perDay ?? 20;
  const now = Date.now();
  let count = 0;
  for (let d = days; d >= 1; d--) {
    const dayStart = Math.floor((now - d * 86_400_000 + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000; // Beijing midnight
    const times = Array.from({ length: perDay }, () => dayStart + (8 + random() * 14) * 3_600_000).sort((a, b) => a - b);
    for (const t of times) {
      const merchant = merchants[Math.floor(random() * merchants.length)]!;
      const store = merchant.stores[0];
      const p = DEMO_PRODUCTS[Math.floor(random() * DEMO_PRODUCTS.length)]!;
      const amountMinor = BigInt(500 + Math.floor(random() * 49_500)) * (random() < 0.1 ? 10n : 1n);
      const { decisionId, decision } = await decideRoute(tx, ctx, {
        merchantId: merchant.id,
        ...(store ? { storeId: store.id } : {}),
        ...(p.elements.includes("DEVICE" as never) ? { deviceId: `DEMO-${merchant.id.slice(0, 4)}` } : {}),
        orderType: "CONSUMPTION",
        product: p.product,
        amountMinor,
        elements: [...p.elements],
        at: new Date(t),
        random: random(),
      });
      if (decision.outcome === "ROUTED") {
        await tx.routingDecision.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: decisionId } }, data: { succeeded: random() < 0.97 } });
      }
      count += 1;
    }
  }
  const accounts = await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId }, select: { id: true } });
  for (const a of accounts) {
    for (let m = 29; m >= 0; m--) {
      const calls = 1 + Math.floor(random() * 3);
      for (let c = 0; c < calls; c++) {
        await recordChannelCall(tx, ctx, a.id, { ok: random() > 0.03, latencyMs: 80 + Math.floor(random() * 400), at: new Date(now - m * 60_000) });
      }
    }
  }
  return count;
}
