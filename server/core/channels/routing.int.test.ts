import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchant } from "@/server/core/merchants/service";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { codeOf } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { createChannelAccount, updateChannelAccount } from "./accounts";
import { recordChannelCall, setChannelHealth } from "./health";
import { reserveLimits } from "./limits";
import { saveFeeRule, saveMerchantLimit } from "./pricing";
import { createRegistration } from "./registrations";
import { withTenantTx } from "@/server/db/tenant-tx";
import { configurationIssues, decideRoute, discardDraft, dryRunRuleSet, listRuleSets, liveState, offerProducts, publishRuleSet, rollbackRuleSet, routingConfig, saveDraft, validateDraft, withRoutingConfig } from "./routing";

// The routing service over the database: configuration loaded and recompiled when it changes,
// live counters per decision, decisions stored with their trace, rule sets versioned, dry runs.

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("routing");
});
afterAll(async () => db?.drop());

const WECHAT_FIELDS = {
  params: { spMchId: "1900000001", spAppId: "wx0000000000000001", merchantSerialNo: "ABCDEF", platformSerialNo: "PUB_KEY_ID_0001" },
  credentials: { merchantPrivateKeyPem: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", platformPublicKeyPem: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", apiV3Key: "k".repeat(32), apiV2Key: "v".repeat(32) },
};

async function setUp() {
  const t = await makeTenant({ mode: "CUSTODIAL" });
  const [m1, m2] = await t.run(async (tx) => [await createMerchant(tx, t.ctx, merchantInput("Noodles")), await createMerchant(tx, t.ctx, merchantInput("Tea"))]);
  const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } }));
  return { ...t, m1: m1!, m2: m2!, sandbox };
}

const face = (merchantId: string, amountMinor = 10_000n) => ({
  merchantId,
  orderType: "CONSUMPTION" as const,
  product: "WECHAT_FACE" as const,
  amountMinor,
  elements: ["FACE_CODE" as const, "DEVICE" as const],
  random: 0.5,
});

describe("routing over the stored configuration", () => {
  it("a new tenant routes a face payment to its sandbox at the default fee, and stores the decision with the merchant's own registration", async () => {
    const t = await setUp();
    const { decision, decisionId } = await t.run((tx) => decideRoute(tx, t.ctx, face(t.m1.id)));
    expect(decision.outcome).toBe("ROUTED");
    if (decision.outcome !== "ROUTED") return;
    expect(decision.chosen.channelAccountId).toBe(t.sandbox.id);
    expect(decision.feeMinor).toBe(38n); // 0.38% of ¥100.00
    expect(decision.costMinor).toBe(20n); // sandbox cost 0.2%
    expect(decision.marginMinor).toBe(18n);
    // Face payments never carry fallbacks.
    expect(decision.fallbacks).toEqual([]);
    const row = await t.run((tx) => tx.routingDecision.findFirstOrThrow({ where: { tenantId: t.tenantId, id: decisionId }, include: { registration: true } }));
    expect(row.registration?.merchantId).toBe(t.m1.id);
    expect((row.trace as { chosen: string }).chosen).toBe(t.sandbox.id);
  });

  it("a missing element is a user action, not a failure", async () => {
    const t = await setUp();
    const { decision } = await t.run((tx) => decideRoute(tx, t.ctx, { ...face(t.m1.id), elements: ["DEVICE"] }));
    expect(decision.outcome).toBe("NO_ROUTE");
    if (decision.outcome === "NO_ROUTE") {
      expect(decision.reason.code).toBe("ELEMENT_MISSING");
      expect(decision.reason.userActionNeeded).toBe(true);
    }
  });

  it("picks up a new account and registration at once; lowest cost wins only where the merchant is registered", async () => {
    const t = await setUp();
    await t.run((tx) => decideRoute(tx, t.ctx, face(t.m1.id))); // warm the compiled cache
    const wx = await t.run((tx) => createChannelAccount(tx, t.ctx, { channelType: "WECHAT", name: "WeChat", ...WECHAT_FIELDS, settings: { costRatePpm: 1000 } }));
    await t.run((tx) => createRegistration(tx, t.ctx, { merchantId: t.m1.id, channelAccountId: wx.id, subMchId: "1900000101", status: "ACTIVE" }));
    const d1 = await t.run((tx) => decideRoute(tx, t.ctx, face(t.m1.id)));
    const d2 = await t.run((tx) => decideRoute(tx, t.ctx, face(t.m2.id)));
    expect(d1.decision.outcome === "ROUTED" && d1.decision.chosen.channelAccountId).toBe(wx.id);
    expect(d2.decision.outcome === "ROUTED" && d2.decision.chosen.channelAccountId).toBe(t.sandbox.id);
    // Paused by a person: out until resumed.
    await t.run((tx) => setChannelHealth(tx, t.ctx, { id: wx.id, state: "PAUSED", reason: "maintenance" }));
    const d3 = await t.run((tx) => decideRoute(tx, t.ctx, face(t.m1.id)));
    expect(d3.decision.outcome === "ROUTED" && d3.decision.chosen.channelAccountId).toBe(t.sandbox.id);
    const dropped = d3.decision.trace.candidates.find((c) => c.channelAccountId === wx.id);
    expect(dropped?.drop?.code).toBe("CHANNEL_PAUSED");
  });

  it("today's totals count against the daily cap", async () => {
    const t = await setUp();
    await t.run((tx) => updateChannelAccount(tx, t.ctx, { id: t.sandbox.id, settings: { dailyAmountCap: 15_000n } }));
    const first = await t.run((tx) => decideRoute(tx, t.ctx, face(t.m1.id)));
    await t.run((tx) => reserveLimits(tx, t.ctx, { businessDate: first.businessDate, channelAccountId: t.sandbox.id, merchantId: t.m1.id, amountMinor: 10_000n }));
    const second = await t.run((tx) => decideRoute(tx, t.ctx, face(t.m1.id)));
    expect(second.decision.outcome).toBe("NO_ROUTE");
    if (second.decision.outcome === "NO_ROUTE") expect(second.decision.reason.code).toBe("DAILY_LIMIT_EXCEEDED");
  });

  it("offers products with the elements each needs", async () => {
    const t = await setUp();
    const offer = await t.run((tx) => offerProducts(tx, t.ctx, { merchantId: t.m1.id, orderType: "CONSUMPTION", amountMinor: 500n }));
    const wechatFace = offer.offered.find((o) => o.product === "WECHAT_FACE");
    expect(wechatFace?.elementsNeeded).toEqual(expect.arrayContaining(["FACE_CODE"]));
    // No channel carries bank quick pay yet.
    expect(offer.offered.some((o) => o.product === "BANK_QUICK")).toBe(false);
  });
});

describe("rule sets: draft, validate, publish, roll back, dry run", () => {
  it("an EXCLUDE rule takes effect when published and is undone by a rollback; invalid drafts are refused", async () => {
    const t = await setUp();
    const wx = await t.run((tx) => createChannelAccount(tx, t.ctx, { channelType: "WECHAT", name: "WeChat", ...WECHAT_FIELDS, settings: { costRatePpm: 1000 } }));
    await t.run((tx) => createRegistration(tx, t.ctx, { merchantId: t.m1.id, channelAccountId: wx.id, subMchId: "1900000101", status: "ACTIVE" }));
    // History under the published rules: m1 goes to WeChat.
    for (let i = 0; i < 3; i++) await t.run((tx) => decideRoute(tx, t.ctx, face(t.m1.id, 10_000n + BigInt(i))));

    const exclude = {
      strategy: "LOWEST_COST" as const,
      fallbackEnabled: true,
      rules: [{ id: "r-ex", name: "Keep Noodles off WeChat", enabled: true, action: "EXCLUDE", targetChannelAccountIds: [wx.id], conditions: { merchantIds: [t.m1.id] }, order: 1 }],
    };
    const unknown = { ...exclude, rules: [{ ...exclude.rules[0]!, targetChannelAccountIds: ["00000000-0000-4000-8000-000000000000"] }] };
    expect((await t.run((tx) => validateDraft(tx, t.ctx, unknown))).some((i) => i.severity === "ERROR")).toBe(true);
    expect(await codeOf(t.run((tx) => saveDraft(tx, t.ctx, unknown)))).toBe("RULE_SET_INVALID");

    const draft = await t.run((tx) => saveDraft(tx, t.ctx, exclude));
    expect(draft.version).toBe(2);
    const report = await t.run((tx) => dryRunRuleSet(tx, t.ctx, { days: 7, version: draft.version }));
    expect(report.requests).toBe(3);
    expect(report.overall.changedChoice).toBe(3);
    const wxChange = report.overall.accounts.find((a) => a.channelAccountId === wx.id)!;
    expect(wxChange.delta.count).toBe(-3);
    expect(report.byRule.map((r) => r.ruleId)).toContain("r-ex");

    await t.run((tx) => publishRuleSet(tx, t.ctx, { version: draft.version }));
    const after = await t.run((tx) => decideRoute(tx, t.ctx, face(t.m1.id)));
    expect(after.decision.outcome === "ROUTED" && after.decision.chosen.channelAccountId).toBe(t.sandbox.id);
    expect(await codeOf(t.run((tx) => publishRuleSet(tx, t.ctx, { version: draft.version })))).toBe("RULE_SET_NOT_DRAFT");

    // A draft can be discarded; a published version cannot.
    const scratch = await t.run((tx) => saveDraft(tx, t.ctx, { ...exclude, note: "scratch" }));
    expect(await codeOf(t.run((tx) => rollbackRuleSet(tx, t.ctx, { version: 1 })))).toBe("RULE_SET_DRAFT_OPEN");
    await t.run((tx) => discardDraft(tx, t.ctx, { version: scratch.version }));
    expect(await codeOf(t.run((tx) => discardDraft(tx, t.ctx, { version: draft.version })))).toBe("RULE_SET_NOT_DRAFT");

    await t.run((tx) => rollbackRuleSet(tx, t.ctx, { version: 1 }));
    const sets = await t.run((tx) => listRuleSets(tx, t.ctx));
    expect(sets.map((s) => [s.version, s.status])).toEqual([
      [3, "PUBLISHED"],
      [2, "SUPERSEDED"],
      [1, "SUPERSEDED"],
    ]);
    const back = await t.run((tx) => decideRoute(tx, t.ctx, face(t.m1.id)));
    expect(back.decision.outcome === "ROUTED" && back.decision.chosen.channelAccountId).toBe(wx.id);
  });
});

describe("risk rules", () => {
  it("refuses a device asking too often within a minute, and flags a large amount at night without refusing it", async () => {
    const t = await setUp();
    await t.run((tx) => saveMerchantLimit(tx, t.ctx, { merchantId: t.m1.id, devicePerMinuteMax: 2, nightLargeAmountMinor: 500_000n }));
    const at = new Date("2026-11-27T06:00:00Z"); // 14:00 in Shanghai
    const onDevice = (seconds: number) => t.run((tx) => decideRoute(tx, t.ctx, { ...face(t.m1.id), deviceId: "DEV-1", at: new Date(at.getTime() + seconds * 1000) }));
    expect((await onDevice(0)).decision.outcome).toBe("ROUTED");
    expect((await onDevice(10)).decision.outcome).toBe("ROUTED");
    const third = await onDevice(20);
    expect(third.decision.outcome).toBe("RISK_REFUSED");
    expect(third.riskFlags).toEqual(["RISK_DEVICE_VELOCITY"]);
    // Another device, and the same one a minute later, are fine.
    expect((await t.run((tx) => decideRoute(tx, t.ctx, { ...face(t.m1.id), deviceId: "DEV-2", at: new Date(at.getTime() + 20_000) }))).decision.outcome).toBe("ROUTED");
    expect((await onDevice(90)).decision.outcome).toBe("ROUTED");

    const night = new Date("2026-11-27T18:30:00Z"); // 02:30 in Shanghai
    const large = await t.run((tx) => decideRoute(tx, t.ctx, { ...face(t.m1.id, 600_000n), at: night }));
    expect(large.decision.outcome).toBe("ROUTED");
    expect(large.riskFlags).toEqual(["RISK_NIGHT_LARGE_AMOUNT"]);
    const day = await t.run((tx) => decideRoute(tx, t.ctx, { ...face(t.m1.id, 600_000n), at }));
    expect(day.riskFlags).toEqual([]);
    const alerts = await t.run((tx) => tx.auditLog.count({ where: { tenantId: t.tenantId, action: "risk.alert" } }));
    expect(alerts).toBe(2);
  });
});

describe("DIRECT mode", () => {
  it("charges the rate registered at the channel, and shows a fee rule that disagrees as a configuration error", async () => {
    const t = await makeTenant({ mode: "DIRECT" });
    const m = await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Direct Noodles")));
    const { decision } = await t.run((tx) => decideRoute(tx, t.ctx, face(m.id)));
    expect(decision.outcome === "ROUTED" && decision.feeMinor).toBe(38n);
    expect(await t.run((tx) => configurationIssues(tx, t.ctx))).toEqual([]);
    await t.run((tx) => saveFeeRule(tx, t.ctx, { product: "WECHAT_FACE", feeRatePpm: 6000 }));
    const issues = await t.run((tx) => configurationIssues(tx, t.ctx));
    expect(issues.map((i) => i.code)).toContain("DIRECT_FEE_RATE_MISMATCH");
    // Still charged once, at the registered rate.
    const again = await t.run((tx) => decideRoute(tx, t.ctx, face(m.id)));
    expect(again.decision.outcome === "ROUTED" && again.decision.feeMinor).toBe(38n);
  });
});

describe("routing inside a raw-only transaction (withRoutingConfig)", () => {
  const rawRoute = (t: Awaited<ReturnType<typeof setUp>>, onRun: () => void) =>
    withTenantTx(
      t.tenantId,
      async (tx) => {
        onRun();
        return (await routingConfig(tx, t.ctx)).config.feeRules.length;
      },
      { rawOnly: true },
    );

  it("loads a stale configuration in a transaction of its own and routes again; a cached one routes at once", async () => {
    const t = await setUp();
    let runs = 0;
    // Nothing cached for a new tenant: the first run finds it stale, the second routes.
    await withRoutingConfig(t.ctx, () => rawRoute(t, () => runs++));
    expect(runs).toBe(2);
    runs = 0;
    await withRoutingConfig(t.ctx, () => rawRoute(t, () => runs++));
    expect(runs).toBe(1);
    // An edit makes it stale again: loaded once more, and the new rule is there.
    const before = await withRoutingConfig(t.ctx, () => rawRoute(t, () => {}));
    await t.run((tx) => saveFeeRule(tx, t.ctx, { product: "WECHAT_FACE", feeRatePpm: 6000, merchantId: t.m1.id }));
    runs = 0;
    expect(await withRoutingConfig(t.ctx, () => rawRoute(t, () => runs++))).toBe(before + 1);
    expect(runs).toBe(2);
  });

  it("refuses with ROUTING_CONFIG_CHANGING when the configuration changes between every load and the route after it", async () => {
    const t = await setUp();
    let edits = 0;
    const refused = withRoutingConfig(t.ctx, async () => {
      // Another user edits a fee rule just before each try.
      await t.run((tx) => saveFeeRule(tx, t.ctx, { product: "WECHAT_FACE", feeRatePpm: 6000 + ++edits, merchantId: t.m1.id }));
      return rawRoute(t, () => {});
    });
    expect(await codeOf(refused)).toBe("ROUTING_CONFIG_CHANGING");
    expect(edits).toBe(3);
  });
});

describe("the live state a decision reads (liveState, one statement)", () => {
  it("has each account's health, today's totals and last hour's calls, and each merchant's totals; other days and tenants never show", async () => {
    const t = await setUp();
    const other = await setUp();
    const today = "2026-11-29";
    await t.run(async (tx) => {
      await reserveLimits(tx, t.ctx, { businessDate: today, channelAccountId: t.sandbox.id, merchantId: t.m1.id, amountMinor: 1_000n });
      await reserveLimits(tx, t.ctx, { businessDate: "2026-11-28", channelAccountId: t.sandbox.id, merchantId: t.m1.id, amountMinor: 7_000n });
      for (const ok of [true, true, true, false]) await recordChannelCall(tx, t.ctx, t.sandbox.id, { ok, latencyMs: 5 });
      await setChannelHealth(tx, t.ctx, { id: t.sandbox.id, state: "PAUSED", reason: "maintenance" });
    });
    await other.run((tx) => reserveLimits(tx, other.ctx, { businessDate: today, channelAccountId: other.sandbox.id, merchantId: other.m1.id, amountMinor: 9_000n }));

    const live = await t.run((tx) => liveState(tx, t.ctx, today, new Date()));
    expect(live.account(t.sandbox.id)).toEqual({ health: "PAUSED", todayAmountMinor: 1_000n, todayCount: 1, recentSuccessRatePpm: 750_000, recentSampleSize: 4 });
    expect(live.merchant(t.m1.id)).toEqual({ todayAmountMinor: 1_000n, todayCount: 1 });
    expect(live.merchant(t.m2.id)).toEqual({ todayAmountMinor: 0n, todayCount: 0 });
    expect(live.account(other.sandbox.id)).toBeUndefined();
    expect(live.merchant(other.m1.id)).toEqual({ todayAmountMinor: 0n, todayCount: 0 });
    // An account nobody has used today: healthy, nothing counted.
    expect((await other.run((tx) => liveState(tx, other.ctx, "2026-11-27", new Date()))).account(other.sandbox.id)).toEqual({
      health: "HEALTHY",
      todayAmountMinor: 0n,
      todayCount: 0,
      recentSuccessRatePpm: 0,
      recentSampleSize: 0,
    });
  });
});
