import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchant, createStore } from "@/server/core/merchants/service";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { codeOf, outcomeOf } from "@/server/testing/ledger";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { makeTenant } from "@/server/testing/tenants";
import { configureChannelAccount, connectorConfig, createChannelAccount, getChannelAccount, updateChannelAccount } from "./accounts";
import { channelHealthReport, effectiveHealth, recordChannelCall, setChannelHealth } from "./health";
import { releaseLimits, reserveLimits, usageOn } from "./limits";
import { receiveNotification } from "./notify";
import { deleteFeeRule, deleteProductRule, listFeeRules, listProductRules, saveFeeRule, saveMerchantLimit, saveProductRule } from "./pricing";
import { createRegistration, findRegistrations, updateRegistration } from "./registrations";

// Channel accounts, registrations, pricing, limits, health and notifications against a real
// database. Connectors themselves are tested against their simulators in server/channels/*.

process.env.DATABASE_POOL_SIZE = "30";

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("channels");
});
afterAll(async () => db?.drop());

const MERCHANT = (n: number) => merchantInput(`M${n}`);

async function tenantWithMerchants(mode: "DIRECT" | "CUSTODIAL" = "DIRECT") {
  const t = await makeTenant({ mode });
  const [m1, m2] = await t.run(async (tx) => [await createMerchant(tx, t.ctx, MERCHANT(0)), await createMerchant(tx, t.ctx, MERCHANT(1))]);
  const store2 = await t.run((tx) => createStore(tx, t.ctx, { merchantId: m2!.id, name: "S2", address: "Somewhere 1" }));
  return { ...t, m1: m1!, m2: m2!, store2 };
}

describe("a new tenant can take a sandbox payment at once", () => {
  it("has a sandbox account, default products, fee rules, a published route, and merchants registered", async () => {
    const t = await tenantWithMerchants("CUSTODIAL");
    const accounts = await t.run((tx) => tx.channelAccount.findMany({ where: { tenantId: t.tenantId } }));
    expect(accounts.map((a) => a.channelType)).toEqual(["SANDBOX"]);
    const products = await t.run((tx) => listProductRules(tx, t.ctx));
    expect(products.filter((p) => p.orderType === "CONSUMPTION").map((p) => p.product).sort()).toEqual(
      ["ALIPAY_CODE", "ALIPAY_FACE", "ALIPAY_QR", "BANK_QUICK", "WALLET", "WECHAT_CODE", "WECHAT_FACE", "WECHAT_QR"].sort(),
    );
    expect(products.some((p) => p.orderType === "RECHARGE")).toBe(true);
    const fees = await t.run((tx) => listFeeRules(tx, t.ctx));
    expect(fees.find((f) => f.product === "WECHAT_FACE")?.feeRatePpm).toBe(3800);
    const ruleSets = await t.run((tx) => tx.routingRuleSet.findMany({ where: { tenantId: t.tenantId } }));
    expect(ruleSets.map((r) => [r.version, r.status])).toEqual([[1, "PUBLISHED"]]);
    const regs = await t.run((tx) => findRegistrations(tx, t.ctx, {}));
    expect(regs.items.map((r) => [r.merchantId, r.status]).sort()).toEqual([[t.m1.id, "ACTIVE"], [t.m2.id, "ACTIVE"]].sort());
    // The ledger has the sandbox account's clearing receivable (CUSTODIAL).
    const ledger = await t.run((tx) => tx.ledgerAccount.count({ where: { tenantId: t.tenantId, code: `channel_clearing:${accounts[0]!.id}` } }));
    expect(ledger).toBe(1);
  });

  it("a DIRECT tenant gets no wallet or recharge products, and cannot enable them", async () => {
    const t = await makeTenant({ mode: "DIRECT" });
    const products = await t.run((tx) => listProductRules(tx, t.ctx));
    expect(products.some((p) => p.product === "WALLET" || p.orderType === "RECHARGE")).toBe(false);
    expect(await codeOf(t.run((tx) => saveProductRule(tx, t.ctx, { product: "WALLET", orderType: "CONSUMPTION", enabled: true })))).toBe("NOT_AVAILABLE_IN_DIRECT_MODE");
  });
});

describe("channel accounts: versioned credentials in the envelope", () => {
  it("an edit is a new version; credentials left blank keep their value; old versions stay readable for late callbacks", async () => {
    const t = await makeTenant();
    const account = await t.run((tx) => createChannelAccount(tx, t.ctx, { channelType: "SANDBOX", name: "SBX 2", params: {}, credentials: { notifySecret: "first-secret" } }));
    await t.run((tx) => configureChannelAccount(tx, t.ctx, { id: account.id, params: {}, credentials: {}, note: "no change to secrets" }));
    await t.run((tx) => configureChannelAccount(tx, t.ctx, { id: account.id, params: {}, credentials: { notifySecret: "second-secret" } }));
    const v1 = await t.run((tx) => connectorConfig(tx, t.ctx, account.id, 1));
    const v2 = await t.run((tx) => connectorConfig(tx, t.ctx, account.id, 2));
    const current = await t.run((tx) => connectorConfig(tx, t.ctx, account.id));
    expect([v1.credentials.notifySecret, v2.credentials.notifySecret, current.credentials.notifySecret]).toEqual(["first-secret", "first-secret", "second-secret"]);
    expect(current.version).toBe(3);
    // Versions are kept per process once opened: an edit is a new version the next call reads, and
    // what a caller does to its copy does not reach the next caller.
    (current.credentials as Record<string, string>).notifySecret = "changed by a caller";
    await t.run((tx) => configureChannelAccount(tx, t.ctx, { id: account.id, params: {}, credentials: { notifySecret: "third-secret" } }));
    expect((await t.run((tx) => connectorConfig(tx, t.ctx, account.id))).credentials).toEqual({ notifySecret: "third-secret" });
    expect((await t.run((tx) => connectorConfig(tx, t.ctx, account.id, 3))).credentials).toEqual({ notifySecret: "second-secret" });
    // Nothing readable leaves the server: the console sees versions with key names only.
    const view = await t.run((tx) => getChannelAccount(tx, t.ctx, account.id));
    const text = JSON.stringify(view, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(text).not.toContain("first-secret");
    expect(text).not.toContain("second-secret");
    expect(view.versions.map((v) => [v.version, v.credentialKeys])).toEqual([[4, ["notifySecret"]], [3, ["notifySecret"]], [2, ["notifySecret"]], [1, ["notifySecret"]]]);
    const stored = await ownerQuery<{ credentials_enc: string }>(db.url, "SELECT credentials_enc FROM channel_account_version WHERE channel_account_id = $1", [account.id]);
    for (const row of stored) expect(row.credentials_enc).toMatch(/^swy1:/);
    const audit = await ownerQuery<{ after: unknown }>(db.url, "SELECT after FROM audit_log WHERE entity_id = $1", [account.id]);
    expect(JSON.stringify(audit)).not.toContain("first-secret");
  });

  it("refuses unknown fields and inconsistent settings with the field named", async () => {
    const t = await makeTenant();
    expect(await codeOf(t.run((tx) => createChannelAccount(tx, t.ctx, { channelType: "SANDBOX", name: "x", params: { bogus: "1" }, credentials: {} })))).toBe("CHANNEL_FIELD_UNKNOWN");
    const wechatMissing = await outcomeOf(t.run((tx) => createChannelAccount(tx, t.ctx, { channelType: "WECHAT", name: "wx", params: {}, credentials: {} })));
    expect(wechatMissing.ok ? "OK" : wechatMissing.code).toBe("CHANNEL_FIELD_REQUIRED");
    const a = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId } }));
    await t.run((tx) => updateChannelAccount(tx, t.ctx, { id: a.id, settings: { minAmountMinor: 500n } }));
    expect(await codeOf(t.run((tx) => updateChannelAccount(tx, t.ctx, { id: a.id, settings: { maxAmountMinor: 100n } })))).toBe("AMOUNT_RANGE_INVALID");
    expect(await codeOf(t.run((tx) => updateChannelAccount(tx, t.ctx, { id: a.id, settings: { windowStart: "08:00" } })))).toBe("WINDOW_INCOMPLETE");
  });
});

describe("registrations", () => {
  it("a store registration must be the merchant's own store; one per merchant/store and account; identity needed to be ACTIVE", async () => {
    const t = await tenantWithMerchants();
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId } }));
    expect(await codeOf(t.run((tx) => createRegistration(tx, t.ctx, { merchantId: t.m1.id, storeId: t.store2.id, channelAccountId: sandbox.id })))).toBe("STORE_NOT_OF_MERCHANT");
    expect(await codeOf(t.run((tx) => createRegistration(tx, t.ctx, { merchantId: t.m1.id, channelAccountId: sandbox.id })))).toBe("REGISTRATION_EXISTS");
    const storeLevel = await t.run((tx) => createRegistration(tx, t.ctx, { merchantId: t.m2.id, storeId: t.store2.id, channelAccountId: sandbox.id, status: "ACTIVE", terminalNo: "T001" }));
    expect(storeLevel.storeId).toBe(t.store2.id);
    const suspended = await t.run((tx) => updateRegistration(tx, t.ctx, { id: storeLevel.id, status: "SUSPENDED" }));
    expect(suspended.status).toBe("SUSPENDED");
  });

  it("the database refuses a routing decision that carries another merchant's registration (串码)", async () => {
    const t = await tenantWithMerchants();
    const regs = await t.run((tx) => findRegistrations(tx, t.ctx, {}));
    const ofM2 = regs.items.find((r) => r.merchantId === t.m2.id)!;
    const attempt = await outcomeOf(
      t.run((tx) =>
        tx.routingDecision.create({
          data: {
            tenantId: t.tenantId,
            merchantId: t.m1.id,
            orderType: "CONSUMPTION",
            product: "WECHAT_FACE",
            amountMinor: 100n,
            request: {},
            outcome: "ROUTED",
            channelAccountId: ofM2.channelAccountId,
            registrationId: ofM2.id,
            trace: {},
          },
        }),
      ),
    );
    expect(attempt.ok).toBe(false);
    expect(JSON.stringify((attempt as { error: unknown }).error)).toMatch(/foreign key|P2003|23503/i);
  });
});

describe("fee rules", () => {
  it("upserts per product and merchant; the default of a product cannot be deleted", async () => {
    const t = await tenantWithMerchants();
    const own = await t.run((tx) => saveFeeRule(tx, t.ctx, { product: "WECHAT_FACE", merchantId: t.m1.id, feeRatePpm: 2500, minFeeMinor: 1n }));
    const again = await t.run((tx) => saveFeeRule(tx, t.ctx, { product: "WECHAT_FACE", merchantId: t.m1.id, feeRatePpm: 2600 }));
    expect(again.id).toBe(own.id);
    expect(again.feeRatePpm).toBe(2600);
    const def = (await t.run((tx) => listFeeRules(tx, t.ctx))).find((f) => f.product === "WECHAT_FACE" && f.merchantId === null)!;
    expect(await codeOf(t.run((tx) => deleteFeeRule(tx, t.ctx, def.id)))).toBe("DEFAULT_FEE_RULE_REQUIRED");
    expect(await codeOf(t.run((tx) => deleteFeeRule(tx, t.ctx, own.id)))).toBe("OK");
  });

  it("a merchant's own product rule can be removed; a product's default can only be switched off", async () => {
    const t = await tenantWithMerchants();
    const own = await t.run((tx) => saveProductRule(tx, t.ctx, { product: "WECHAT_QR", orderType: "CONSUMPTION", merchantId: t.m1.id, enabled: false }));
    const def = (await t.run((tx) => listProductRules(tx, t.ctx))).find((r) => r.product === "WECHAT_QR" && r.merchantId === null)!;
    expect(await codeOf(t.run((tx) => deleteProductRule(tx, t.ctx, def.id)))).toBe("DEFAULT_PRODUCT_RULE_REQUIRED");
    expect(await codeOf(t.run((tx) => deleteProductRule(tx, t.ctx, own.id)))).toBe("OK");
    expect((await t.run((tx) => listProductRules(tx, t.ctx))).some((r) => r.id === own.id)).toBe(false);
  });
});

describe("daily limits are enforced atomically", () => {
  it("N parallel payments against a daily cap admit exactly what fits; a refusal keeps nothing", async () => {
    const t = await tenantWithMerchants();
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId } }));
    await t.run((tx) => updateChannelAccount(tx, t.ctx, { id: sandbox.id, settings: { dailyAmountCap: 1000n } }));
    const date = "2026-11-27";
    const results = await Promise.all(
      Array.from({ length: 24 }, () => outcomeOf(t.run((tx) => reserveLimits(tx, t.ctx, { businessDate: date, channelAccountId: sandbox.id, merchantId: t.m1.id, amountMinor: 70n })))),
    );
    const admitted = results.filter((r) => r.ok).length;
    expect(admitted).toBe(Math.floor(1000 / 70)); // 14
    for (const r of results) if (!r.ok) expect(r.code).toBe("DAILY_LIMIT_EXCEEDED");
    const usage = await t.run((tx) => usageOn(tx, t.ctx, date));
    expect(usage.channelAccounts.get(sandbox.id)).toEqual({ amountMinor: 980n, count: 14 });
    expect(usage.merchants.get(t.m1.id)).toEqual({ amountMinor: 980n, count: 14 });
    // A failed payment gives its share back, and another fits again.
    await t.run((tx) => releaseLimits(tx, t.ctx, { businessDate: date, channelAccountId: sandbox.id, merchantId: t.m1.id, amountMinor: 70n }));
    expect(await codeOf(t.run((tx) => reserveLimits(tx, t.ctx, { businessDate: date, channelAccountId: sandbox.id, merchantId: t.m1.id, amountMinor: 90n })))).toBe("OK");
    // Another business date starts from zero.
    expect(await codeOf(t.run((tx) => reserveLimits(tx, t.ctx, { businessDate: "2026-11-28", channelAccountId: sandbox.id, merchantId: t.m1.id, amountMinor: 1000n })))).toBe("OK");
    // The first payment of a day, above the cap on its own: refused, and the day counts nothing.
    expect(await codeOf(t.run((tx) => reserveLimits(tx, t.ctx, { businessDate: "2026-11-29", channelAccountId: sandbox.id, merchantId: t.m1.id, amountMinor: 1001n })))).toBe("DAILY_LIMIT_EXCEEDED");
    const fresh = await t.run((tx) => usageOn(tx, t.ctx, "2026-11-29"));
    expect(fresh.channelAccounts.get(sandbox.id)?.amountMinor ?? 0n).toBe(0n);
    expect(fresh.merchants.get(t.m1.id)?.amountMinor ?? 0n).toBe(0n);
  });

  it("a merchant cap refusal leaves the channel account's total untouched; count caps and per-payment maximum", async () => {
    const t = await tenantWithMerchants();
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId } }));
    await t.run((tx) => saveMerchantLimit(tx, t.ctx, { merchantId: t.m1.id, dailyCountCap: 3, perTxnMaxMinor: 500n }));
    const date = "2026-11-27";
    const reserve = (amountMinor: bigint) => codeOf(t.run((tx) => reserveLimits(tx, t.ctx, { businessDate: date, channelAccountId: sandbox.id, merchantId: t.m1.id, amountMinor })));
    expect(await reserve(501n)).toBe("MERCHANT_LIMIT_EXCEEDED");
    const codes = await Promise.all([1, 2, 3, 4, 5].map(() => reserve(10n)));
    expect(codes.filter((c) => c === "OK")).toHaveLength(3);
    const usage = await t.run((tx) => usageOn(tx, t.ctx, date));
    expect(usage.channelAccounts.get(sandbox.id)).toEqual({ amountMinor: 30n, count: 3 });
  });
});

describe("channel health", () => {
  it("pauses at the error threshold with the minimum sample, half-opens after the cool-down, resumes on a good probe", async () => {
    const t = await makeTenant();
    const a = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId } }));
    await t.run((tx) => updateChannelAccount(tx, t.ctx, { id: a.id, settings: { healthMinSample: 10, healthErrorRatePpm: 500_000, healthCooldownSeconds: 60 } }));
    const call = (ok: boolean) => t.run((tx) => recordChannelCall(tx, t.ctx, a.id, { ok, latencyMs: 120 }));
    for (let i = 0; i < 4; i++) expect(await call(true)).toBe("HEALTHY");
    // 4 failures of 8 calls: rate reached but below the minimum sample.
    for (let i = 0; i < 4; i++) expect(await call(false)).toBe("HEALTHY");
    expect(await call(false)).toBe("HEALTHY"); // 5 of 9
    expect(await call(false)).toBe("PAUSED"); // 6 of 10
    let report = await t.run((tx) => channelHealthReport(tx, t.ctx, a.id));
    expect(report.state).toBe("PAUSED");
    expect(report.windows.m5).toMatchObject({ calls: 10, failures: 6 });
    expect(report.events[0]).toMatchObject({ fromState: "HEALTHY", toState: "PAUSED", automatic: true });
    // After the cool-down routing sees it half-open; a failed probe pauses it again.
    await ownerQuery(db.url, "UPDATE channel_account SET health_changed_at = now() - interval '2 minutes' WHERE id = $1", [a.id]);
    report = await t.run((tx) => channelHealthReport(tx, t.ctx, a.id));
    expect(report.state).toBe("HALF_OPEN");
    expect(await call(false)).toBe("PAUSED");
    await ownerQuery(db.url, "UPDATE channel_account SET health_changed_at = now() - interval '2 minutes' WHERE id = $1", [a.id]);
    expect(await call(true)).toBe("HEALTHY");
    const audit = await ownerQuery<{ action: string }>(db.url, "SELECT action FROM audit_log WHERE entity_id = $1 AND action LIKE 'channel_account.%' ORDER BY created_at", [a.id]);
    expect(audit.map((r) => r.action).filter((x) => x !== "channel_account.update" && x !== "channel_account.create")).toEqual([
      "channel_account.pause",
      "channel_account.pause",
      "channel_account.resume",
    ]);
  });

  it("a person's pause has no probe and no automatic resume", async () => {
    const t = await makeTenant();
    const a = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId } }));
    await t.run((tx) => setChannelHealth(tx, t.ctx, { id: a.id, state: "PAUSED", reason: "maintenance window" }));
    const row = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, id: a.id } }));
    expect(effectiveHealth(row, new Date(Date.now() + 86_400_000))).toBe("PAUSED");
    await t.run((tx) => setChannelHealth(tx, t.ctx, { id: a.id, state: "HEALTHY", reason: "done" }));
    const events = await t.run((tx) => tx.channelHealthEvent.findMany({ where: { tenantId: t.tenantId }, orderBy: { createdAt: "asc" } }));
    expect(events.map((e) => [e.toState, e.automatic, e.reason])).toEqual([
      ["PAUSED", false, "maintenance window"],
      ["HEALTHY", false, "done"],
    ]);
  });
});

describe("notifications at /api/notify", () => {
  const sign = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest("hex");

  async function sandboxWithSecret() {
    const t = await tenantWithMerchants();
    const account = await t.run((tx) => createChannelAccount(tx, t.ctx, { channelType: "SANDBOX", name: "SBX notify", params: {}, credentials: { notifySecret: "old-secret" } }));
    return { ...t, account };
  }

  const notification = (outTradeNo: string, eventId = randomUUID()) =>
    JSON.stringify({ eventId, kind: "PAYMENT", outTradeNo, status: "SUCCEEDED", amountMinor: 100 });

  it("accepts a verified notification once; a replay is acknowledged and not processed again", async () => {
    const t = await sandboxWithSecret();
    const body = notification("ORDER-1");
    const headers = { "x-sandbox-signature": sign("old-secret", body) };
    const first = await receiveNotification("sandbox", t.account.id, { headers, body, receivedAt: new Date() });
    expect(first).toMatchObject({ accepted: true });
    expect(first.duplicate).toBeUndefined();
    const again = await receiveNotification("sandbox", t.account.id, { headers, body, receivedAt: new Date() });
    expect(again).toMatchObject({ accepted: true, duplicate: true });
    const rows = await t.run((tx) => tx.channelNotification.findMany({ where: { tenantId: t.tenantId } }));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ accepted: true, duplicates: 1, outTradeNo: "ORDER-1", version: 1 });
  });

  it("refuses a wrong signature and records the refusal; verifies a late callback signed with an older credential version", async () => {
    const t = await sandboxWithSecret();
    const body = notification("ORDER-2");
    const refused = await receiveNotification("sandbox", t.account.id, { headers: { "x-sandbox-signature": sign("wrong", body) }, body, receivedAt: new Date() });
    expect(refused).toMatchObject({ accepted: false, errorCode: "SIGNATURE_INVALID" });
    expect(refused.ack.status).toBeGreaterThanOrEqual(400);
    await t.run((tx) => configureChannelAccount(tx, t.ctx, { id: t.account.id, params: {}, credentials: { notifySecret: "new-secret" } }));
    const late = await receiveNotification("sandbox", t.account.id, { headers: { "x-sandbox-signature": sign("old-secret", body) }, body, receivedAt: new Date() });
    expect(late).toMatchObject({ accepted: true });
    const rows = await t.run((tx) => tx.channelNotification.findMany({ where: { tenantId: t.tenantId }, orderBy: { receivedAt: "asc" } }));
    expect(rows.map((r) => [r.accepted, r.errorCode, r.version])).toEqual([
      [false, "SIGNATURE_INVALID", null],
      [true, null, 1],
    ]);
  });

  it("answers 404 for an unknown account or a channel type that does not match", async () => {
    const t = await sandboxWithSecret();
    const body = notification("X");
    expect((await receiveNotification("sandbox", randomUUID(), { headers: {}, body, receivedAt: new Date() })).ack.status).toBe(404);
    expect((await receiveNotification("wechat", t.account.id, { headers: {}, body, receivedAt: new Date() })).ack.status).toBe(404);
    expect((await receiveNotification("nonsense", t.account.id, { headers: {}, body, receivedAt: new Date() })).ack.status).toBe(404);
  });
});
