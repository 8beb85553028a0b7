// Builders for the routing tests: small, readable configurations with everything defaulted.
import type { ChannelAccountCandidate, FeeRule, ProductRule, Registration, RoutingConfig, RoutingRequest, RoutingRule, RuleSet } from "./types";

export const M1 = "merchant-1";
export const M2 = "merchant-2";

export function account(id: string, over: Partial<ChannelAccountCandidate> = {}): ChannelAccountCandidate {
  return {
    id,
    channelType: "WECHAT",
    name: `Account ${id}`,
    enabled: true,
    health: "HEALTHY",
    products: ["WECHAT_FACE", "WECHAT_CODE", "WECHAT_QR"],
    elements: { WECHAT_FACE: ["FACE_CODE", "DEVICE"], WECHAT_CODE: ["AUTH_CODE"], WECHAT_QR: [] },
    minAmountMinor: 1n,
    maxAmountMinor: 5_000_000n,
    priority: 100,
    weight: 1,
    todayAmountMinor: 0n,
    todayCount: 0,
    cost: { feeRatePpm: 2000 },
    recentSuccessRatePpm: 990_000,
    recentSampleSize: 100,
    ...over,
  };
}

export function registration(id: string, merchantId: string, channelAccountId: string, over: Partial<Registration> = {}): Registration {
  return { id, merchantId, channelAccountId, status: "ACTIVE", channelRatePpm: 3800, ...over };
}

export function feeRule(id: string, over: Partial<FeeRule> = {}): FeeRule {
  return { id, product: "WECHAT_FACE", feeRatePpm: 3800, ...over };
}

export function rule(id: string, over: Partial<RoutingRule> = {}): RoutingRule {
  return { id, name: `Rule ${id}`, enabled: true, action: "FORCE", targetChannelAccountIds: [], conditions: {}, order: 10, ...over };
}

/** Every product offered for both order types, tenant-wide. */
export const OPEN_PRODUCT_RULES: readonly ProductRule[] = (["WECHAT_FACE", "WECHAT_CODE", "WECHAT_QR", "ALIPAY_FACE", "ALIPAY_CODE", "ALIPAY_QR"] as const).flatMap((product) =>
  (["CONSUMPTION", "RECHARGE"] as const).map((orderType) => ({ id: `pr-${product}-${orderType}`, product, orderType, enabled: true })),
);

export function ruleSet(over: Partial<RuleSet> = {}): RuleSet {
  return { version: 1, strategy: "PRIORITY", rules: [], fallbackEnabled: true, ...over };
}

export function config(over: Partial<RoutingConfig> = {}): RoutingConfig {
  return {
    tenantId: "tenant-1",
    version: "v1",
    accounts: [account("a1")],
    registrations: [registration("r1", M1, "a1")],
    feeRules: [
      feeRule("f-face", { product: "WECHAT_FACE" }),
      feeRule("f-code", { product: "WECHAT_CODE" }),
      feeRule("f-qr", { product: "WECHAT_QR" }),
    ],
    merchantLimits: [],
    productRules: OPEN_PRODUCT_RULES,
    ruleSet: ruleSet(),
    ...over,
  };
}

/** 2026-11-27 12:00 in Beijing. */
export const NOON_BEIJING = new Date("2026-11-27T04:00:00Z");

export function request(over: Partial<RoutingRequest> = {}): RoutingRequest {
  return {
    settlementMode: "CUSTODIAL",
    merchantId: M1,
    orderType: "CONSUMPTION",
    product: "WECHAT_QR",
    amountMinor: 10_000n,
    at: NOON_BEIJING,
    elements: [],
    random: 0.5,
    ...over,
  };
}
