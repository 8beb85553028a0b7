import type { ProductCode } from "@/server/channels/types";
import type { OrderType, SettlementMode } from "@/server/db/generated/prisma/enums";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { createChannelAccount } from "./accounts";

// What a new tenant starts with, so it can take a sandbox payment at once: a sandbox channel
// account, the default products, a default fee rule per product and a published route. Merchants
// are registered at every enabled sandbox account when they are created. Idempotent: a tenant that
// already has any of these keeps what it has.

/** 0.38% for face, code and QR payments (the common 服务商 rate); bank quick pay 0.5%; wallets free. */
export const DEFAULT_FEE_PPM: Record<ProductCode, number> = {
  WECHAT_FACE: 3800,
  ALIPAY_FACE: 3800,
  WECHAT_CODE: 3800,
  ALIPAY_CODE: 3800,
  WECHAT_QR: 3800,
  ALIPAY_QR: 3800,
  WALLET: 0,
  BANK_QUICK: 5000,
};

export function defaultProducts(mode: SettlementMode): { product: ProductCode; orderType: OrderType }[] {
  const consumption: ProductCode[] = ["WECHAT_FACE", "ALIPAY_FACE", "WECHAT_CODE", "ALIPAY_CODE", "WECHAT_QR", "ALIPAY_QR"];
  const rows: { product: ProductCode; orderType: OrderType }[] = consumption.map((product) => ({ product, orderType: "CONSUMPTION" }));
  if (mode === "CUSTODIAL") {
    rows.push({ product: "WALLET", orderType: "CONSUMPTION" }, { product: "BANK_QUICK", orderType: "CONSUMPTION" });
    for (const product of ["BANK_QUICK", "WECHAT_QR", "ALIPAY_QR"] as const) rows.push({ product, orderType: "RECHARGE" });
  }
  return rows;
}

export async function provisionChannelDefaults(tx: Tx, ctx: TenantContext): Promise<void> {
  const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true, defaultLocale: true } });
  const hasSandbox = await tx.channelAccount.count({ where: { tenantId: ctx.tenantId, channelType: "SANDBOX" } });
  if (hasSandbox === 0) {
    await createChannelAccount(tx, ctx, {
      channelType: "SANDBOX",
      name: tenant.defaultLocale.startsWith("zh") ? "沙箱通道" : "Sandbox",
      params: {},
      credentials: {},
      settings: { priority: 1000, costRatePpm: 2000 },
    });
  }
  for (const { product, orderType } of defaultProducts(tenant.settlementMode)) {
    await tx.productRule.upsert({
      where: { tenantId_product_orderType_merchantScope: { tenantId: ctx.tenantId, product, orderType, merchantScope: "" } },
      create: { tenantId: ctx.tenantId, product, orderType, enabled: true },
      update: {},
    });
    await tx.feeRule.upsert({
      where: { tenantId_product_merchantScope: { tenantId: ctx.tenantId, product, merchantScope: "" } },
      create: { tenantId: ctx.tenantId, product, feeRatePpm: DEFAULT_FEE_PPM[product] },
      update: {},
    });
  }
  const ruleSets = await tx.routingRuleSet.count({ where: { tenantId: ctx.tenantId } });
  if (ruleSets === 0) {
    await tx.routingRuleSet.create({
      data: { tenantId: ctx.tenantId, version: 1, status: "PUBLISHED", strategy: "LOWEST_COST", fallbackEnabled: true, rules: [], note: "default", publishedAt: new Date() },
    });
  }
  const merchants = await tx.merchant.findMany({ where: { tenantId: ctx.tenantId, status: { not: "ARCHIVED" } }, select: { id: true } });
  for (const m of merchants) await registerAtSandbox(tx, ctx, m.id);
}

/** Registers a merchant at every enabled sandbox account it is not yet registered at (ACTIVE at once). */
export async function registerAtSandbox(tx: Tx, ctx: TenantContext, merchantId: string): Promise<void> {
  const accounts = await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId, channelType: "SANDBOX", enabled: true }, select: { id: true } });
  for (const account of accounts) {
    await tx.merchantChannelRegistration.upsert({
      where: { tenantId_channelAccountId_merchantId_storeScope: { tenantId: ctx.tenantId, channelAccountId: account.id, merchantId, storeScope: "" } },
      // The sandbox's agreed rate is the default face rate: in DIRECT mode it is the merchant's fee.
      create: { tenantId: ctx.tenantId, channelAccountId: account.id, merchantId, storeScope: "", status: "ACTIVE", subMchId: `SBX${merchantId.slice(0, 8).toUpperCase()}`, channelRatePpm: DEFAULT_FEE_PPM.WECHAT_FACE },
      update: {},
    });
  }
}
