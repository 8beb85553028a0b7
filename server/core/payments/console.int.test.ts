import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChannelAccount, setChannelAccountEnabled } from "@/server/core/channels/accounts";
import { createRegistration } from "@/server/core/channels/registrations";
import { createMerchant, createStore } from "@/server/core/merchants/service";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { codeOf } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { findPaymentsPage, getPaymentDetail, listPaymentTransitions, summarizePayments } from "./queries";
import { queryPayment } from "./service";
import { createTestPayment } from "./test-payment";

// What the console's payment pages read (the keyset list, its summary, one payment, its timeline)
// and the console's test payment, against the sandbox (amount ending 01 declines, 02 is "user
// paying" until the second query, anything else succeeds).

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("payments_console");
});
afterAll(async () => db?.drop());

async function setUp() {
  const t = await makeTenant({ mode: "CUSTODIAL" });
  const { m1, m2, store } = await t.run(async (tx) => {
    const m1 = await createMerchant(tx, t.ctx, merchantInput("Console Noodles"));
    const m2 = await createMerchant(tx, t.ctx, merchantInput("Console Tea"));
    const store = await createStore(tx, t.ctx, { merchantId: m1.id, name: "Console Noodles West Lake", address: "1 Hubin Road" });
    return { m1, m2, store };
  });
  return { ...t, m1, m2, store };
}

const test = (merchantId: string, amountMinor: bigint, extra: Record<string, unknown> = {}) => ({ merchantId, amountMinor, product: "WECHAT_FACE" as const, subject: "Console test", ...extra });

describe("a console test payment", () => {
  it("makes up its order number and elements, and goes through the sandbox by the amount's rules", async () => {
    const t = await setUp();
    const ok = await createTestPayment(t.ctx, test(t.m1.id, 1_000n, { storeId: t.store.id }), new Date("2026-11-27T08:00:00Z"));
    expect(ok.status).toBe("SUCCEEDED");
    expect(ok.merchantOrderNo).toMatch(/^TEST-20261127-[0-9A-F]{8}$/);
    expect([ok.deviceId, ok.storeId]).toEqual(["CONSOLE-TEST", t.store.id]);
    const declined = await createTestPayment(t.ctx, test(t.m1.id, 1_001n));
    expect([declined.status, declined.failureCode]).toEqual(["FAILED", "SANDBOX_DECLINED"]);
    // A payment code made up with WeChat's prefix; a QR payment needs no elements at all.
    expect((await createTestPayment(t.ctx, test(t.m2.id, 500n, { product: "WECHAT_CODE" }))).status).toBe("SUCCEEDED");
    expect((await createTestPayment(t.ctx, test(t.m2.id, 600n, { product: "ALIPAY_QR", deviceId: "KIOSK-9" }))).deviceId).toBe("KIOSK-9");

    const paying = await createTestPayment(t.ctx, test(t.m2.id, 1_002n));
    expect(paying.status).toBe("PROCESSING");
    expect((await queryPayment(t.ctx, paying.id)).status).toBe("PROCESSING");
    expect((await queryPayment(t.ctx, paying.id)).status).toBe("SUCCEEDED");
    const timeline = await t.run((tx) => listPaymentTransitions(tx, t.ctx, paying.id));
    expect(timeline.map((x) => [x.fromStatus, x.toStatus, x.cause])).toEqual([
      [null, "PROCESSING", "CREATED"],
      ["PROCESSING", "PROCESSING", "CHANNEL_RESPONSE"],
      ["PROCESSING", "PROCESSING", "QUERY"],
      ["PROCESSING", "SUCCEEDED", "QUERY"],
    ]);
    expect(timeline.flatMap((x) => x.exchanges.map((e) => e.operation))).toEqual(["pay", "query", "query"]);
    expect(timeline[3]!.exchanges[0]).toMatchObject({ method: "LOCAL", url: "sandbox://query", status: 200 });
  });

  it("is refused while routing could reach a live channel account, and nothing is stored", async () => {
    const t = await setUp();
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const live = await t.run(async (tx) => {
      const account = await createChannelAccount(tx, t.ctx, {
        channelType: "WECHAT",
        name: "WeChat production",
        params: { spMchId: "1900000001", spAppId: "wx0000000000000001", merchantSerialNo: "SERIAL0001", publicKeyId: "PUB_KEY_ID_0001" },
        credentials: {
          merchantPrivateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
          platformPublicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
          apiV3Key: "0123456789abcdef0123456789abcdef",
          apiV2Key: "0123456789abcdef0123456789abcdef",
        },
      });
      await createRegistration(tx, t.ctx, { merchantId: t.m1.id, channelAccountId: account.id, subMchId: "1900000101", status: "ACTIVE" });
      return account;
    });
    const counts = () => t.run(async (tx) => [await tx.payment.count({ where: { tenantId: t.tenantId } }), await tx.routingDecision.count({ where: { tenantId: t.tenantId } })]);
    const before = await counts();
    expect(await codeOf(createTestPayment(t.ctx, test(t.m1.id, 1_000n)))).toBe("TEST_PAYMENT_LIVE_CHANNEL");
    expect(await counts()).toEqual(before);
    // Another merchant, not registered at the live account, is fine; so is m1 once the live account is off.
    expect((await createTestPayment(t.ctx, test(t.m2.id, 1_000n))).status).toBe("SUCCEEDED");
    await t.run((tx) => setChannelAccountEnabled(tx, t.ctx, { id: live.id, enabled: false }));
    const ok = await createTestPayment(t.ctx, test(t.m1.id, 1_000n));
    expect(ok.status).toBe("SUCCEEDED");
    expect(ok.channelAccountId).not.toBe(live.id);
  });
});

describe("the payment list", () => {
  it("pages by keyset through a filter, newest first, with names, and sums the filter per status", async () => {
    const t = await setUp();
    const made: Awaited<ReturnType<typeof createTestPayment>>[] = [];
    for (const amount of [1_000n, 2_000n, 3_001n, 4_000n, 5_002n]) made.push(await createTestPayment(t.ctx, test(t.m1.id, amount, { storeId: t.store.id })));
    await createTestPayment(t.ctx, test(t.m2.id, 9_000n));

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: Awaited<ReturnType<typeof findPaymentsPage>> = await t.run((tx) => findPaymentsPage(tx, t.ctx, { merchantId: t.m1.id, limit: 2, cursor }));
      seen.push(...page.items.map((p) => p.id));
      expect(page.items.every((p) => p.merchantName === "Console Noodles" && p.storeName === "Console Noodles West Lake" && p.channelType === "SANDBOX")).toBe(true);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(made.map((p) => p.id).reverse());

    const find = (input: Parameters<typeof findPaymentsPage>[2]) => t.run((tx) => findPaymentsPage(tx, t.ctx, input)).then((p) => p.items.map((i) => i.id));
    expect(await find({ status: "FAILED" })).toEqual([made[2]!.id]);
    expect(await find({ merchantOrderNo: made[0]!.merchantOrderNo })).toEqual([made[0]!.id]);
    expect(await find({ storeId: t.store.id, status: "PROCESSING" })).toEqual([made[4]!.id]);
    expect((await find({ deviceId: "CONSOLE-TEST", product: "WECHAT_FACE" })).length).toBe(6);
    const today = made[0]!.businessDate.toISOString().slice(0, 10);
    expect((await find({ businessDateFrom: today, businessDateTo: today })).length).toBe(6);
    expect(await find({ businessDateTo: "2000-01-01" })).toEqual([]);
    expect(await find({ channelAccountId: made[0]!.channelAccountId, merchantId: t.m2.id })).toHaveLength(1);

    const summary = await t.run((tx) => summarizePayments(tx, t.ctx, { merchantId: t.m1.id }));
    expect(summary.count).toBe(5);
    expect(summary.byStatus.map((r) => [r.status, r.count, r.amountMinor])).toEqual([
      ["PROCESSING", 1, 5_002n],
      ["SUCCEEDED", 3, 7_000n],
      ["FAILED", 1, 3_001n],
    ]);

    const detail = await t.run((tx) => getPaymentDetail(tx, t.ctx, made[0]!.id));
    expect(detail).toMatchObject({ merchantName: "Console Noodles", storeName: "Console Noodles West Lake", channelType: "SANDBOX", businessDate: today, queryAttempts: 0 });
    expect(await codeOf(t.run((tx) => getPaymentDetail(tx, t.ctx, "00000000-0000-4000-8000-000000000000")))).toBe("NOT_FOUND");
    expect(await codeOf(t.run((tx) => listPaymentTransitions(tx, t.ctx, "00000000-0000-4000-8000-000000000000")))).toBe("NOT_FOUND");
  });
});
