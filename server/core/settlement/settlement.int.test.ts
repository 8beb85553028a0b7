import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertCalendarDay } from "@/server/core/calendar/service";
import { proportionalShare } from "@/server/core/ledger/money";
import { getBalanceByRef, postEntry, releaseSuspense } from "@/server/core/ledger/service";
import {
  accounts,
  directMemoPayment,
  directMemoRefund,
  merchantDebtForRefund,
  overage,
  paymentFeeAtSource,
  refund,
  type EntryDraft,
} from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { openException, resolveException } from "@/server/core/payments/exceptions";
import { run as runCli } from "@/server/cli/main";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { checkLedgerInvariants, codeOf } from "@/server/testing/ledger";
import { statementPdf } from "./pdf";
import { merchantStatement, statementCsv } from "./statement";
import { confirmDirectSettlement, findSettlements, getSettlement, getSettlementPolicy, runSettlement, updateSettlementPolicy, updateSettlementSettings } from "./service";

// Hand-worked settlement examples against a real PostgreSQL database. Payments and refunds are
// posted with the ledger's own templates on chosen business dates (what the payment application
// posts), because settlement reads nothing but the ledger. The calendar is National Day 2026:
// 10-01 … 10-07 holidays (10-03/04 a weekend inside them) and a 调休 working Saturday 10-10.

let db: TestDatabase;
let t: TestTenant;
let owner: TenantContext;
let channelId: string;

beforeAll(async () => {
  db = await createTestDatabase("settlement");
  useTestKeyring();
  t = await makeTenant("settle-co", { mode: "CUSTODIAL", licence: "Z-TEST-SETTLE" });
  owner = ownerContext(t);
  const [row] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [t.id]);
  channelId = row!.id;
  await withTenantTx(t.id, async (tx) => {
    for (const d of ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"]) await upsertCalendarDay(tx, owner, { date: d, kind: "HOLIDAY", name: "国庆节" });
    await upsertCalendarDay(tx, owner, { date: "2026-10-10", kind: "WORKDAY", name: "国庆节调休" });
  });
});
afterAll(async () => db?.drop());

const run = <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(t.id, fn);
let n = 0;
async function merchant(name: string, settings: { settlementCycle: "T1" | "D1" | "WEEKLY"; reserveRatePpm?: number; reserveDays?: number }, bank = true) {
  return run(async (tx) => {
    const m = await createMerchant(tx, owner, merchantInput(name, bank ? { settlementAccountName: `${name}有限公司`, settlementBankName: "招商银行", settlementAccountNumber: "6225880100001234" } : {}));
    await updateSettlementSettings(tx, owner, { merchantId: m.id, settlementBankCode: bank ? "CMB" : null, ...settings });
    return m.id;
  });
}
const post = (d: EntryDraft, date: string) => run((tx) => postEntry(tx, owner, d, { businessDate: date, idempotencyKey: `test:${++n}` }));
const pay = (m: string, amountMinor: bigint, feeMinor: bigint, date: string) => post(paymentFeeAtSource({ merchantId: m, channelAccountId: channelId, amountMinor, feeMinor, costMinor: 0n }), date);
const bal = async (ref: ReturnType<typeof accounts.merchantPending>) => run((tx) => getBalanceByRef(tx, owner, ref));
const settle = (date: string, merchantId: string) => runSettlement(owner, { date, merchantId });
async function payoutOf(settlementId: string) {
  const s = await run((tx) => getSettlement(tx, owner, settlementId));
  if (!s.payoutId) return null;
  const [p] = await ownerQuery<{ amount_minor: string; status: string; source: string }>(db.url, `SELECT amount_minor::text, status, source FROM payout WHERE tenant_id = $1 AND id = $2`, [t.id, s.payoutId]);
  return p!;
}

describe("CUSTODIAL settlement", () => {
  it("T+1 across Golden Week and a 调休 Saturday: each day's money settles on its due date, once", async () => {
    const m = await merchant("节日商户", { settlementCycle: "T1" });
    await pay(m, 10_000n, 38n, "2026-09-30"); // Wed before the holiday: due 10-08
    await pay(m, 20_000n, 76n, "2026-10-03"); // a holiday Saturday: due 10-08
    await pay(m, 5_000n, 19n, "2026-10-09"); // Friday: due the working Saturday 10-10
    for (const d of ["2026-10-01", "2026-10-04", "2026-10-05", "2026-10-07"]) {
      expect((await settle(d, m)).outcomes[0]!.status).toBe("NOT_DUE");
    }
    const first = (await settle("2026-10-08", m)).outcomes[0]!;
    expect(first).toMatchObject({ status: "SETTLED", netMinor: 9_962n + 19_924n, replayed: false });
    // The 10-09 payment is not due yet: it stays pending.
    expect((await bal(accounts.merchantPending(m))).postedMinor).toBe(4_981n);
    expect(await payoutOf(first.settlementId!)).toMatchObject({ amount_minor: "29886", status: "HELD", source: "MERCHANT" });

    // The 调休 Saturday's run through the ops CLI (npm run -s cli -- settle run ...).
    const cli = (await runCli(["settle", "run", "--tenant", "settle-co", "--date", "2026-10-10", "--merchant", m])) as Awaited<ReturnType<typeof runSettlement>>;
    expect(cli).toMatchObject({ date: "2026-10-10", mode: "CUSTODIAL", merchants: 1, counts: { SETTLED: 1 } });
    const saturday = (await settle("2026-10-10", m)).outcomes[0]!;
    expect(saturday.replayed).toBe(true);
    expect(saturday).toMatchObject({ status: "SETTLED", netMinor: 4_981n });
    expect((await bal(accounts.merchantPending(m))).postedMinor).toBe(0n);
    // Everything made available went on into payouts (held until their batch is released).
    expect(await bal(accounts.merchantAvailable(m))).toMatchObject({ postedMinor: 34_867n, availableMinor: 0n });

    // Re-runs change nothing.
    const again = (await settle("2026-10-08", m)).outcomes[0]!;
    expect(again).toMatchObject({ status: "SETTLED", replayed: true, settlementId: first.settlementId, netMinor: 29_886n });
    expect((await settle("2026-10-10", m)).outcomes[0]!.replayed).toBe(true);
    expect(await bal(accounts.merchantAvailable(m))).toMatchObject({ postedMinor: 34_867n, availableMinor: 0n });
    const [payouts] = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM payout WHERE tenant_id = $1 AND merchant_id = $2`, [t.id, m]);
    expect(payouts!.n).toBe(2);
    // The next working day has nothing due and writes no row.
    expect((await settle("2026-10-12", m)).outcomes[0]).toMatchObject({ status: "NOTHING_DUE", settlementId: null });
    await checkLedgerInvariants(db.url, t.id, owner);
  });

  it("a risk reserve is held back and released by the first run on its day", async () => {
    const m = await merchant("保证金商户", { settlementCycle: "D1", reserveRatePpm: 100_000, reserveDays: 3 });
    await pay(m, 10_000n, 38n, "2026-10-12");
    const s1 = (await settle("2026-10-13", m)).outcomes[0]!;
    // 10% of 9 962 = 996.2 → 996 (half-up); 8 966 paid out, 996 in the reserve until 10-16.
    expect(s1).toMatchObject({ status: "SETTLED", netMinor: 8_966n });
    expect((await bal(accounts.merchantReserve(m))).postedMinor).toBe(996n);
    const row = await run((tx) => getSettlement(tx, owner, s1.settlementId!));
    expect(row.reserves).toHaveLength(1);
    expect(row.reserves[0]!.releaseOn.toISOString().slice(0, 10)).toBe("2026-10-16");
    expect((await settle("2026-10-15", m)).outcomes[0]!.status).toBe("NOTHING_DUE");
    expect((await bal(accounts.merchantReserve(m))).postedMinor).toBe(996n);
    const s2 = (await settle("2026-10-16", m)).outcomes[0]!;
    expect(s2).toMatchObject({ status: "SETTLED", netMinor: 996n });
    expect((await bal(accounts.merchantReserve(m))).postedMinor).toBe(0n);
    expect(await payoutOf(s2.settlementId!)).toMatchObject({ amount_minor: "996" });
    expect((await settle("2026-10-17", m)).outcomes[0]!.status).toBe("NOTHING_DUE");
    await checkLedgerInvariants(db.url, t.id, owner);
  });

  it("a refund of a settled payment larger than the day's takings becomes a debt recovered from later settlements", async () => {
    const m = await merchant("退款商户", { settlementCycle: "D1" });
    await pay(m, 10_000n, 38n, "2026-10-12");
    expect((await settle("2026-10-13", m)).outcomes[0]).toMatchObject({ netMinor: 9_962n });
    // The day's takings: 1 000 (fee 4) → 996 pending. Then the whole first payment is refunded:
    // 9 962 cannot come from the pending 996 nor the available 0 (paid out), so under ALLOW_DEBT
    // the shortfall becomes a receivable from the merchant (what the refund service posts).
    await pay(m, 1_000n, 4n, "2026-10-13");
    await post(merchantDebtForRefund(m, 9_962n), "2026-10-13");
    await post(refund({ merchantId: m, channelAccountId: channelId, refundMinor: 10_000n, feeReturnedMinor: 38n, costReturnedMinor: 0n, feeCollection: "AT_SOURCE", source: "AVAILABLE" }), "2026-10-13");
    expect((await bal(accounts.merchantReceivable(m))).postedMinor).toBe(9_962n);
    // 10-14: the 996 settles and is kept against the debt: nothing paid out.
    const s2 = (await settle("2026-10-14", m)).outcomes[0]!;
    expect(s2).toMatchObject({ status: "SETTLED", netMinor: 0n });
    expect(await payoutOf(s2.settlementId!)).toBeNull();
    expect((await bal(accounts.merchantReceivable(m))).postedMinor).toBe(8_966n);
    // 10-15: 19 924 settles; 8 966 clears the rest of the debt, 10 958 is paid out.
    await pay(m, 20_000n, 76n, "2026-10-14");
    const s3 = (await settle("2026-10-15", m)).outcomes[0]!;
    expect(s3).toMatchObject({ status: "SETTLED", netMinor: 10_958n });
    const row = await run((tx) => getSettlement(tx, owner, s3.settlementId!));
    expect(row.debtRecoveredMinor).toBe(8_966n);
    expect((await bal(accounts.merchantReceivable(m))).postedMinor).toBe(0n);
    expect(await payoutOf(s3.settlementId!)).toMatchObject({ amount_minor: "10958" });
    await checkLedgerInvariants(db.url, t.id, owner);
  });

  it("three partial refunds return exactly the original fee, and the day nets to nothing due", async () => {
    const m = await merchant("部分退款", { settlementCycle: "D1" });
    await pay(m, 10_000n, 38n, "2026-10-20");
    let returned = 0n;
    let refunded = 0n;
    for (const r of [3_333n, 3_333n, 3_334n]) {
      const fee = proportionalShare(38n, 10_000n, r, returned, refunded);
      await post(refund({ merchantId: m, channelAccountId: channelId, refundMinor: r, feeReturnedMinor: fee, costReturnedMinor: 0n, feeCollection: "AT_SOURCE", source: "PENDING" }), "2026-10-20");
      returned += fee;
      refunded += r;
    }
    expect(returned).toBe(38n);
    expect((await bal(accounts.merchantPending(m))).postedMinor).toBe(0n);
    expect((await settle("2026-10-21", m)).outcomes[0]!.status).toBe("NOTHING_DUE");
  });

  it("a 长款 resolved after its day was settled is settled by the next run", async () => {
    const m = await merchant("长款商户", { settlementCycle: "D1" });
    await pay(m, 8_000n, 30n, "2026-10-22");
    // The channel shows a 5 000 payment we did not book: overage suspense on 10-22.
    const suspense = await post(overage(accounts.clearing(channelId), 5_000n), "2026-10-22");
    expect((await settle("2026-10-23", m)).outcomes[0]).toMatchObject({ netMinor: 7_970n });
    // 10-24: resolved as this merchant's payment (fee 19): suspense reversed, the payment posted.
    await run((tx) =>
      releaseSuspense(tx, owner, {
        suspenseEntryId: suspense.entryId,
        normal: paymentFeeAtSource({ merchantId: m, channelAccountId: channelId, amountMinor: 5_000n, feeMinor: 19n, costMinor: 0n }),
        businessDate: "2026-10-24",
        idempotencyKey: `release:${suspense.entryId}`,
      }),
    );
    expect((await settle("2026-10-24", m)).outcomes[0]!.status).toBe("NOTHING_DUE");
    expect((await settle("2026-10-25", m)).outcomes[0]).toMatchObject({ status: "SETTLED", netMinor: 4_981n });
    expect((await bal(accounts.overageSuspense)).postedMinor).toBe(0n);
    await checkLedgerInvariants(db.url, t.id, owner);
  });

  it("holds a merchant with open reconciliation exceptions when the policy says so, and settles it once they are resolved", async () => {
    const m = await merchant("差错商户", { settlementCycle: "D1" });
    await pay(m, 3_000n, 12n, "2026-10-26");
    const causeId = crypto.randomUUID();
    await run((tx) => openException(tx, owner, { kind: "RECON_AMOUNT", causeType: "test", causeId, merchantId: m, amountMinor: 1n, businessDate: "2026-10-26" }));
    // The owner sets the policy as the console does; the change is audited, and a repeat changes nothing.
    expect(await run((tx) => getSettlementPolicy(tx, owner))).toMatchObject({ mode: "CUSTODIAL", holdOnExceptions: false });
    const set = await run((tx) => updateSettlementPolicy(tx, owner, { holdOnExceptions: true }));
    expect(set.holdOnExceptions).toBe(true);
    expect(set.openExceptions).toBeGreaterThanOrEqual(1);
    await run((tx) => updateSettlementPolicy(tx, owner, { holdOnExceptions: true }));
    const audits = await ownerQuery(db.url, `SELECT before, after FROM audit_log WHERE tenant_id = $1 AND action = 'tenant.settlement_policy'`, [t.id]);
    expect(audits).toEqual([{ before: { holdOnExceptions: false }, after: { holdOnExceptions: true } }]);
    await expect(run((tx) => updateSettlementPolicy(tx, owner, { holdOnExceptions: "yes" } as never))).rejects.toThrow(/boolean/);
    try {
      const held = (await settle("2026-10-27", m)).outcomes[0]!;
      expect(held, held.reason).toMatchObject({ status: "HELD" });
      expect(held.reason).toMatch(/1 reconciliation exception/);
      expect((await bal(accounts.merchantPending(m))).postedMinor).toBe(2_988n);
      await run((tx) => resolveException(tx, owner, "RECON_AMOUNT", causeId, "accepted the channel's amount"));
      const settled = (await settle("2026-10-27", m)).outcomes[0]!;
      expect(settled).toMatchObject({ status: "SETTLED", settlementId: held.settlementId, netMinor: 2_988n });
    } finally {
      await run((tx) => updateSettlementPolicy(tx, owner, { holdOnExceptions: false }));
    }
  });

  it("without a bank account the money is made available and waits, with the reason on the row", async () => {
    const m = await merchant("无账户", { settlementCycle: "D1" }, false);
    await pay(m, 2_000n, 8n, "2026-10-26");
    const s = (await settle("2026-10-27", m)).outcomes[0]!;
    expect(s).toMatchObject({ status: "SETTLED", netMinor: 1_992n });
    expect(s.reason).toMatch(/No settlement bank account/);
    expect(await bal(accounts.merchantAvailable(m))).toMatchObject({ postedMinor: 1_992n, availableMinor: 1_992n });
  });

  it("refuses bad settings with messages a person can act on", async () => {
    const m = await merchant("设置商户", { settlementCycle: "T1" });
    await expect(run((tx) => updateSettlementSettings(tx, owner, { merchantId: m, settlementCycle: "WEEKLY", settlementWeekday: 8 }))).rejects.toThrow(/weekday is 1 \(Monday\) to 7/);
    await expect(run((tx) => updateSettlementSettings(tx, owner, { merchantId: m, settlementCycle: "T1", reserveRatePpm: 50_000, reserveDays: 0 }))).rejects.toThrow(/needs both a rate and a number of days/);
    await expect(run((tx) => updateSettlementSettings(tx, owner, { merchantId: m, settlementCycle: "T1", settlementBankCode: "招商" }))).rejects.toThrow(/bank code is 3 to 12 letters/);
    await expect(runSettlement(owner, { date: "2026-13-01" })).rejects.toThrow(/real date/);
    expect(await codeOf(run((tx) => updateSettlementSettings(tx, owner, { merchantId: crypto.randomUUID(), settlementCycle: "T1" })))).toBe("NOT_FOUND");
    const page = await run((tx) => findSettlements(tx, owner, {}));
    expect(page.items.length).toBeGreaterThan(0);
  });
});

describe("settlement statements", () => {
  it("opening + movements = closing = the ledger; CSV and a PDF whose text has the Chinese name and the closing balance", async () => {
    const m = await merchant("对账单商户", { settlementCycle: "D1" }, false);
    await pay(m, 50_000n, 190n, "2026-10-28"); // before the period: the opening balance
    await pay(m, 10_000n, 38n, "2026-11-02");
    await pay(m, 20_000n, 76n, "2026-11-03");
    await post(refund({ merchantId: m, channelAccountId: channelId, refundMinor: 5_000n, feeReturnedMinor: 19n, costReturnedMinor: 0n, feeCollection: "AT_SOURCE", source: "PENDING" }), "2026-11-03");
    await settle("2026-11-04", m); // pending → available: no change to the merchant's balance
    const st = await run((tx) => merchantStatement(tx, owner, { merchantId: m, from: "2026-11-01", to: "2026-11-30" }));
    expect(st.openingMinor).toBe(49_810n);
    expect(st.movements.map((x) => [x.date, x.kind, x.amountMinor])).toEqual([
      ["2026-11-02", "payment.fee_at_source", 9_962n],
      ["2026-11-03", "payment.fee_at_source", 19_924n],
      ["2026-11-03", "refund", -4_981n],
    ]);
    const ledger = (await bal(accounts.merchantPending(m))).postedMinor + (await bal(accounts.merchantAvailable(m))).postedMinor;
    expect(st.closingMinor).toBe(ledger);
    expect(st.closingMinor).toBe(49_810n + 9_962n + 19_924n - 4_981n);
    expect(st.totals).toMatchObject({ paymentsCount: 0, refundsCount: 0, movementsMinor: 24_905n });

    const csv = statementCsv(st, "zh-CN");
    expect(csv.startsWith("\uFEFF结算对账单")).toBe(true);
    expect(csv).toContain("期末余额,747.15");
    const pdf = await statementPdf(st, "zh-CN", { primaryColor: "#0f766e" });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const { extractText, getDocumentProxy } = await import("unpdf");
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: false });
    expect(text[0]).toContain("对账单商户 Co., Ltd.");
    expect(text[0]).toContain("¥747.15");
    const en = await statementPdf(st, "en", { primaryColor: "#0f766e" });
    expect((await extractText(await getDocumentProxy(new Uint8Array(en)), { mergePages: true })).text).toContain("Closing balance: ¥747.15");
  });

  it("refuses a backwards or too long period and another tenant's merchant", async () => {
    const m = await merchant("期间商户", { settlementCycle: "D1" }, false);
    expect(await codeOf(run((tx) => merchantStatement(tx, owner, { merchantId: m, from: "2026-11-02", to: "2026-11-01" })))).toBe("PERIOD_INVALID");
    expect(await codeOf(run((tx) => merchantStatement(tx, owner, { merchantId: m, from: "2026-01-01", to: "2026-11-01" })))).toBe("PERIOD_TOO_LONG");
    expect(await codeOf(run((tx) => merchantStatement(tx, owner, { merchantId: crypto.randomUUID(), from: "2026-11-01", to: "2026-11-02" })))).toBe("NOT_FOUND");
  });
});

describe("DIRECT settlement", () => {
  it("records what the channel owes, confirms it, and raises an exception for a difference; never a payout", async () => {
    const d = await makeTenant("settle-direct", { mode: "DIRECT" });
    const dctx = ownerContext(d);
    const runD = <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(d.id, fn);
    const m = await runD(async (tx) => {
      const mm = await createMerchant(tx, dctx, merchantInput("直连商户"));
      await updateSettlementSettings(tx, dctx, { merchantId: mm.id, settlementCycle: "D1" });
      return mm.id;
    });
    const memo = (draft: EntryDraft, date: string) => runD((tx) => postEntry(tx, dctx, draft, { businessDate: date, idempotencyKey: `memo:${++n}` }));
    await memo(directMemoPayment(m, 9_962n), "2026-10-12");
    await memo(directMemoRefund(m, 1_000n), "2026-10-12");
    const s1 = (await runSettlement(dctx, { date: "2026-10-13", merchantId: m })).outcomes[0]!;
    expect(s1).toMatchObject({ status: "EXPECTED", netMinor: 8_962n });
    expect((await runSettlement(dctx, { date: "2026-10-13", merchantId: m })).outcomes[0]!.replayed).toBe(true);
    const c1 = await runD((tx) => confirmDirectSettlement(tx, dctx, { id: s1.settlementId!, channelSettledMinor: 8_962n }));
    expect(c1.status).toBe("CONFIRMED");
    expect(await codeOf(runD((tx) => confirmDirectSettlement(tx, dctx, { id: s1.settlementId!, channelSettledMinor: 8_962n })))).toBe("SETTLEMENT_ALREADY_CONFIRMED");

    // The next day counts only what came after the previous cutoff, not the confirmation.
    await memo(directMemoPayment(m, 4_981n), "2026-10-13");
    const s2 = (await runSettlement(dctx, { date: "2026-10-14", merchantId: m })).outcomes[0]!;
    expect(s2).toMatchObject({ status: "EXPECTED", netMinor: 4_981n });
    const c2 = await runD((tx) => confirmDirectSettlement(tx, dctx, { id: s2.settlementId!, channelSettledMinor: 4_971n }));
    expect(c2.status).toBe("DIFFERENCE");
    const [ex] = await ownerQuery<{ amount_minor: string; kind: string }>(db.url, `SELECT amount_minor::text, kind FROM exception WHERE tenant_id = $1 AND cause_id = $2`, [d.id, s2.settlementId]);
    expect(ex).toMatchObject({ kind: "SETTLEMENT_DIFFERENCE", amount_minor: "10" });
    // The memo book: what is still due is exactly the unpaid difference.
    expect((await runD((tx) => getBalanceByRef(tx, dctx, accounts.memoDue(m)))).postedMinor).toBe(10n);
    // A merchant owed nothing gets no row (no settlement waits for a payment that never comes).
    const quiet = await runD(async (tx) => {
      const mm = await createMerchant(tx, dctx, merchantInput("安静商户"));
      await updateSettlementSettings(tx, dctx, { merchantId: mm.id, settlementCycle: "D1" });
      return mm.id;
    });
    expect((await runSettlement(dctx, { date: "2026-10-14", merchantId: quiet })).outcomes[0]).toMatchObject({ status: "NOTHING_DUE", settlementId: null });
    expect(await ownerQuery(db.url, `SELECT 1 FROM settlement WHERE tenant_id = $1 AND merchant_id = $2`, [d.id, quiet])).toEqual([]);
    const [payouts] = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM payout WHERE tenant_id = $1`, [d.id]);
    expect(payouts!.n).toBe(0);
    await checkLedgerInvariants(db.url, d.id, dctx);
  });
});
