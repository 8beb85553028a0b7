import { describe, expect, it } from "vitest";
import { compileConfig } from "./compile";
import { productsFor, type OfferRequest } from "./products";
import { account, config, M1, M2, NOON_BEIJING, OPEN_PRODUCT_RULES, registration, rule, ruleSet } from "./test-fixtures";
import type { ProductRule } from "./types";

const offer = (over: Partial<OfferRequest> = {}): OfferRequest => ({
  settlementMode: "CUSTODIAL",
  merchantId: M1,
  orderType: "CONSUMPTION",
  amountMinor: 10_000n,
  at: NOON_BEIJING,
  ...over,
});

const cfg = config({
  accounts: [
    account("wx"),
    account("ali", {
      channelType: "ALIPAY",
      products: ["ALIPAY_FACE", "ALIPAY_QR"],
      elements: { ALIPAY_FACE: ["FACE_CODE", "DEVICE"], ALIPAY_QR: [] },
      maxAmountMinor: 5_000n,
    }),
  ],
  registrations: [registration("r-wx", M1, "wx"), registration("r-ali", M1, "ali"), registration("r2", M2, "ali")],
  feeRules: (["WECHAT_FACE", "WECHAT_CODE", "WECHAT_QR", "ALIPAY_FACE", "ALIPAY_QR"] as const).map((product) => ({ id: `f-${product}`, product, feeRatePpm: 3800 })),
});

describe("productsFor", () => {
  it("offers the products some eligible account can carry, with the elements each needs", () => {
    const r = productsFor(offer({ amountMinor: 1_000n }), cfg.productRules, cfg);
    expect(r.offered.map((o) => o.product)).toEqual(["WECHAT_FACE", "ALIPAY_FACE", "WECHAT_CODE", "WECHAT_QR", "ALIPAY_QR"]);
    expect(r.offered.find((o) => o.product === "WECHAT_FACE")).toEqual({
      product: "WECHAT_FACE",
      elementsNeeded: ["DEVICE", "FACE_CODE"],
      elementsMissing: ["DEVICE", "FACE_CODE"],
      alternatives: [["DEVICE", "FACE_CODE"]],
    });
    expect(r.offered.find((o) => o.product === "WECHAT_QR")?.elementsNeeded).toEqual([]);
    // Products with a rule but no account that carries them are reported, not offered.
    expect(r.notOffered).toEqual([{ product: "ALIPAY_CODE", code: "NO_CHANNEL_FOR_PRODUCT" }]);
  });

  it("drops a product when no eligible account fits the amount, and reports what is already at hand", () => {
    const r = productsFor(offer({ amountMinor: 10_000n, deviceId: "dev-1" }), cfg.productRules, compileConfig(cfg));
    expect(r.offered.map((o) => o.product)).toEqual(["WECHAT_FACE", "WECHAT_CODE", "WECHAT_QR"]);
    expect(r.notOffered).toContainEqual({ product: "ALIPAY_FACE", code: "AMOUNT_OUT_OF_RANGE" });
    expect(r.offered[0]?.elementsMissing).toEqual(["FACE_CODE"]);
  });

  it("offers nothing to a merchant without registrations on the carrying accounts", () => {
    const r = productsFor(offer({ merchantId: M2, amountMinor: 1_000n }), cfg.productRules, cfg);
    expect(r.offered.map((o) => o.product)).toEqual(["ALIPAY_FACE", "ALIPAY_QR"]);
    expect(r.notOffered).toContainEqual({ product: "WECHAT_QR", code: "NO_REGISTRATION" });
  });

  it("follows the product rules it is given: order type, amount range, merchant overrides", () => {
    const rules: ProductRule[] = [
      { id: "qr", product: "WECHAT_QR", orderType: "CONSUMPTION", enabled: true, maxAmountMinor: 2_000n },
      { id: "face", product: "WECHAT_FACE", orderType: "CONSUMPTION", enabled: true },
      { id: "face-m1", product: "WECHAT_FACE", orderType: "CONSUMPTION", enabled: false, merchantId: M1 },
      { id: "ali-recharge", product: "ALIPAY_QR", orderType: "RECHARGE", enabled: true },
    ];
    expect(productsFor(offer({ amountMinor: 1_000n }), rules, cfg).offered.map((o) => o.product)).toEqual(["WECHAT_QR"]);
    const big = productsFor(offer({ amountMinor: 3_000n }), rules, cfg);
    expect(big.offered).toEqual([]);
    expect(big.notOffered).toEqual([{ product: "WECHAT_QR", code: "AMOUNT_OUT_OF_RANGE" }]);
    expect(productsFor(offer({ orderType: "RECHARGE", amountMinor: 1_000n }), rules, cfg).offered.map((o) => o.product)).toEqual(["ALIPAY_QR"]);
  });

  it("respects routing rules: a product whose only account is excluded is not offered", () => {
    const excluded = { ...cfg, ruleSet: ruleSet({ rules: [rule("x", { action: "EXCLUDE", targetChannelAccountIds: ["ali"], conditions: { merchantIds: [M1] } })] }) };
    const r = productsFor(offer({ amountMinor: 1_000n }), OPEN_PRODUCT_RULES, excluded);
    expect(r.offered.map((o) => o.product)).toEqual(["WECHAT_FACE", "WECHAT_CODE", "WECHAT_QR"]);
    expect(r.notOffered).toContainEqual({ product: "ALIPAY_QR", code: "ALL_EXCLUDED" });
  });

  it("lists every element set the eligible accounts accept and picks the one leaving least to supply", () => {
    const two = config({
      accounts: [account("a1"), account("a2", { elements: { WECHAT_FACE: ["FACE_CODE"], WECHAT_CODE: ["AUTH_CODE"], WECHAT_QR: [] } })],
      registrations: [registration("r1", M1, "a1"), registration("r2", M1, "a2")],
    });
    const face = productsFor(offer({ deviceId: "d" }), two.productRules, two).offered.find((o) => o.product === "WECHAT_FACE");
    expect(face?.alternatives).toEqual([["FACE_CODE"], ["DEVICE", "FACE_CODE"]]);
    expect(face?.elementsNeeded).toEqual(["FACE_CODE"]);
    expect(face?.elementsMissing).toEqual(["FACE_CODE"]);
  });
});
