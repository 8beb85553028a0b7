import { afterAll, beforeAll } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { connectorConfig, setChannelAccountEnabled } from "@/server/core/channels/accounts";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { importStatement } from "@/server/core/clearing/import";
import { createMerchant } from "@/server/core/merchants/service";
import { createUser } from "@/server/core/users/service";
import type { TenantContext } from "@/server/db/tenant-tx";
import { startBankSimulator, type RunningBankSimulator } from "@/server/simulators/bank/simulator";
import { startWechatSimulator, type RunningWechatSimulator, type WechatSimulatorOptions } from "@/server/simulators/wechat/simulator";
import { createTestDatabase, type TestDatabase } from "./db";
import { merchantInput, useTestKeyring } from "./fixtures";
import { makeTenant } from "./tenants";

/**
 * For clearing tests against the WeChat simulator at simUrl: a tenant whose one enabled channel
 * account is the simulator, a merchant, a maker (finance) and a checker (admin) for proposals, and
 * importDay(date), which downloads that day's ALL bill through the connector and imports it.
 */
export async function simulatorTenant(simUrl: string, merchantName: string, mode: "CUSTODIAL" | "DIRECT" = "CUSTODIAL") {
  const t = await makeTenant({ mode });
  const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput(merchantName))))!;
  const wechat = await t.run(async (tx) => {
    await seedSimulatorChannels(tx, t.ctx, { WECHAT: simUrl }, { zh: false, custodial: mode === "CUSTODIAL" });
    const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
    await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
    return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
  });
  const [maker, checker] = await t.run(async (tx) => {
    const out: TenantContext[] = [];
    for (const [k, role] of [["maker", "FINANCE"], ["checker", "ADMIN"]] as const) {
      const u = await createUser(tx, t.ctx, { email: `${k}@${t.slug}.test`, name: k, role, password: "Test-password-1" });
      out.push({ tenantId: t.tenantId, actor: { kind: "USER", userId: u!.id, email: u!.email, role, merchantId: null } });
    }
    return out as [TenantContext, TenantContext];
  });
  const account = await t.run((tx) => connectorConfig(tx, t.ctx, wechat.id));
  const importDay = async (date: string) => {
    const bytes = (await connectorFor("WECHAT").downloadStatement({ account }, { billDate: date, billType: "ALL" })).bytes;
    return importStatement(t.ctx, { channelAccountId: wechat.id, billDate: date, fileName: `bill-${date}.csv`, bytes, source: "UPLOAD" });
  };
  return { t, m, wechat, maker, checker, importDay };
}

/** For a clearing test file: a test database and the WeChat and bank simulators, made before its tests and dropped after. Read the fields inside tests. */
export function useDatabaseAndSimulators(label: string, options: { wechat?: WechatSimulatorOptions } = {}): { readonly db: TestDatabase; readonly wechat: RunningWechatSimulator; readonly bank: RunningBankSimulator } {
  const env = {} as { db: TestDatabase; wechat: RunningWechatSimulator; bank: RunningBankSimulator };
  beforeAll(async () => {
    useTestKeyring();
    env.db = await createTestDatabase(label);
    env.wechat = await startWechatSimulator(options.wechat);
    env.bank = await startBankSimulator();
  });
  afterAll(async () => {
    await env.wechat?.close();
    await env.bank?.close();
    await env.db?.drop();
  });
  return env;
}
