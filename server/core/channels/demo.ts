import { pointsAt, provisionSimulatorAccount, type SimulatorUrls } from "@/server/channels/simulator-accounts";
import { logger } from "@/server/lib/logger";
import { authorizedTenantId, withSystemTx, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { configureChannelAccount, connectorConfig, createChannelAccount } from "./accounts";
import { createRegistration } from "./registrations";

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
