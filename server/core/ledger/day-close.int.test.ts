import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { checkLedgerInvariants, codeOf, custodialBook, outcomeOf, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx, type Tx } from "@/server/db/tenant-tx";
import { businessDate } from "@/server/core/calendar/rules";
import { closeBusinessDay, listBusinessDays } from "./day-close";
import { balanceAsOf, createHold, postEntries, postEntry, postHold, reverseEntry, trialBalance, voidHold } from "./service";
import { accounts, paymentFeeAtSource, payoutHold, walletRecharge, walletTransfer, type EntryDraft } from "./templates";

// 日切: closing a business date. Refuses dates that are not over; once closed, nothing can carry
// the date (entries, holds, hold resolutions, reversals, batches) and nothing is written; the
// correction goes into the open period with correctsDate; balances as of the closed date never change.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("ledger_day_close");
});
afterAll(async () => db?.drop());

const NOW = new Date("2026-12-01T04:00:00Z"); // 12:00 in Shanghai on 2026-12-01
const D = "2026-11-25";
const NEXT = "2026-11-26";
const PREV = "2026-11-24";

const runIn = (b: CustodialBook) => <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(b.tenantId, fn);
const pay = (b: CustodialBook, amountMinor: bigint) => paymentFeeAtSource({ merchantId: b.merchants[0]!, channelAccountId: b.channels[0]!, amountMinor, feeMinor: 4n, costMinor: 2n });

async function snapshot(b: CustodialBook, date: string) {
  const run = runIn(b);
  const tb = await run((tx) => trialBalance(tx, b.ctx, { asOf: date }));
  const ids = [b.id(accounts.clearing(b.channels[0]!)), b.id(accounts.merchantPending(b.merchants[0]!)), b.id(accounts.feeIncome), b.id(accounts.wallet(b.wallets[0]!)), b.id(accounts.wallet(b.wallets[1]!))];
  const balances = await run(async (tx) => Promise.all(ids.map((id) => balanceAsOf(tx, b.ctx, id, { businessDate: date }))));
  return { tb, balances };
}

describe("closeBusinessDay", () => {
  it("refuses today and future dates in the tenant's time zone, and malformed dates", async () => {
    const b = await custodialBook();
    const run = runIn(b);
    // 2026-11-27 23:59:59 in Shanghai: the 27th is not over.
    const before = new Date("2026-11-27T15:59:59Z");
    expect(await codeOf(run((tx) => closeBusinessDay(tx, b.ctx, "2026-11-27", before)))).toBe("DAY_NOT_OVER");
    expect(await codeOf(run((tx) => closeBusinessDay(tx, b.ctx, "2026-11-28", before)))).toBe("DAY_NOT_OVER");
    expect(await codeOf(run((tx) => closeBusinessDay(tx, b.ctx, "2027-01-01", before)))).toBe("DAY_NOT_OVER");
    // One second later it is the 28th in Shanghai (still the 27th in UTC): the 27th may close.
    expect(await codeOf(run((tx) => closeBusinessDay(tx, b.ctx, "2026-11-27", new Date("2026-11-27T16:00:00Z"))))).toBe("OK");
    // With the real clock: today in Shanghai is refused.
    const today = businessDate(new Date(), "Asia/Shanghai");
    expect(await codeOf(run((tx) => closeBusinessDay(tx, b.ctx, today)))).toBe("DAY_NOT_OVER");
    for (const bad of ["2026-1-01", "20261101", "2026-11-25T00:00:00Z", ""]) {
      expect(await codeOf(run((tx) => closeBusinessDay(tx, b.ctx, bad, NOW))), bad).toBe("BUSINESS_DATE_INVALID");
    }
    // Refused closes wrote nothing.
    const days = await ownerQuery(db.url, `SELECT business_date::text AS d FROM business_day WHERE tenant_id = $1`, [b.tenantId]);
    expect(days).toEqual([{ d: "2026-11-27" }]);
  });

  it("closes once, with a trial-balance snapshot and an audit row", async () => {
    const b = await custodialBook();
    const run = runIn(b);
    await run((tx) => postEntry(tx, b.ctx, pay(b, 1000n), { businessDate: D, idempotencyKey: "p1" }));
    const r = await run((tx) => closeBusinessDay(tx, b.ctx, D, NOW));
    expect(r).toMatchObject({ businessDate: D, status: "CLOSED" });
    expect(await codeOf(run((tx) => closeBusinessDay(tx, b.ctx, D, NOW)))).toBe("DAY_ALREADY_CLOSED");
    const [row] = await ownerQuery<{ trial_balance: { totals: Array<{ book: string; debitMinor: string; creditMinor: string; balanced: boolean }> } }>(db.url, `SELECT trial_balance FROM business_day WHERE tenant_id = $1 AND business_date = $2`, [b.tenantId, D]);
    expect(row!.trial_balance.totals).toEqual([{ book: "OWN", currency: "CNY", debitMinor: "1000", creditMinor: "1000", balanced: true }]);
    const audit = await ownerQuery(db.url, `SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'ledger.close_day' AND entity_id = $2`, [b.tenantId, D]);
    expect(audit[0]!.n).toBe(1);
    const days = await run((tx) => listBusinessDays(tx, b.ctx, PREV, NEXT));
    expect(days.map((d) => [d.businessDate, d.status, d.entries])).toEqual([
      [NEXT, "OPEN", 0],
      [D, "CLOSED", 1],
      [PREV, "OPEN", 0],
    ]);
  });
});

describe("after a day is closed", () => {
  it("refuses every way of writing that date, writes nothing, and takes the correction in the open period", async () => {
    const b = await custodialBook();
    const run = runIn(b);
    await run((tx) => postEntry(tx, b.ctx, pay(b, 10_000n), { businessDate: D, idempotencyKey: "pay-d" }));
    const rc = await run((tx) => postEntry(tx, b.ctx, walletRecharge(b.channels[0]!, b.wallets[0]!, 5000n), { businessDate: D, idempotencyKey: "rc-d" }));
    const hold = await run((tx) => createHold(tx, b.ctx, payoutHold(accounts.wallet(b.wallets[0]!), 1000n), { businessDate: D, idempotencyKey: "hold-d" }));
    await run((tx) => closeBusinessDay(tx, b.ctx, D, NOW));
    const frozen = await snapshot(b, D);
    const count = async () => (await ownerQuery(db.url, `SELECT count(*)::int AS n FROM journal_entry WHERE tenant_id = $1`, [b.tenantId]))[0]!.n as number;
    const n0 = await count();

    expect(await codeOf(run((tx) => postEntry(tx, b.ctx, pay(b, 77n), { businessDate: D, idempotencyKey: "late" })))).toBe("BUSINESS_DAY_CLOSED");
    expect(await codeOf(run((tx) => createHold(tx, b.ctx, payoutHold(accounts.wallet(b.wallets[0]!), 10n), { businessDate: D, idempotencyKey: "late-hold" })))).toBe("BUSINESS_DAY_CLOSED");
    expect(await codeOf(run((tx) => postHold(tx, b.ctx, hold.holdId, { businessDate: D, idempotencyKey: "late-post" })))).toBe("BUSINESS_DAY_CLOSED");
    expect(await codeOf(run((tx) => voidHold(tx, b.ctx, hold.holdId, { businessDate: D, idempotencyKey: "late-void" })))).toBe("BUSINESS_DAY_CLOSED");
    expect(await codeOf(run((tx) => reverseEntry(tx, b.ctx, rc.entryId, { businessDate: D, idempotencyKey: "late-rev" })))).toBe("BUSINESS_DAY_CLOSED");
    // A batch with one entry dated D: the whole batch is refused, the open-dated entries too.
    const batch = [
      { draft: pay(b, 11n), opts: { businessDate: NEXT, idempotencyKey: "batch-a" } },
      { draft: pay(b, 12n), opts: { businessDate: D, idempotencyKey: "batch-b" } },
    ];
    expect(await codeOf(run((tx) => postEntries(tx, b.ctx, batch)))).toBe("BUSINESS_DAY_CLOSED");
    // An earlier entry in the same transaction is rolled back with the refused one.
    expect(
      await codeOf(
        run(async (tx) => {
          await postEntry(tx, b.ctx, pay(b, 13n), { businessDate: NEXT, idempotencyKey: "same-tx-open" });
          await postEntry(tx, b.ctx, pay(b, 14n), { businessDate: D, idempotencyKey: "same-tx-closed" });
        }),
      ),
    ).toBe("BUSINESS_DAY_CLOSED");
    expect(await count()).toBe(n0);
    const keys = await ownerQuery(db.url, `SELECT idempotency_key FROM journal_entry WHERE tenant_id = $1 AND idempotency_key NOT IN ('pay-d', 'rc-d', 'hold-d')`, [b.tenantId]);
    expect(keys).toEqual([]);
    expect(await snapshot(b, D)).toEqual(frozen);

    // Replaying a request that was acknowledged before the close still answers (it writes nothing).
    expect((await run((tx) => postEntry(tx, b.ctx, pay(b, 10_000n), { businessDate: D, idempotencyKey: "pay-d" }))).replayed).toBe(true);

    // The hold from the closed day can still be resolved in the open period.
    await run((tx) => voidHold(tx, b.ctx, hold.holdId, { businessDate: NEXT, idempotencyKey: "void-next" }));
    // The correction: in the open period, naming the closed date.
    const fix = await run((tx) => reverseEntry(tx, b.ctx, rc.entryId, { businessDate: NEXT, correctsDate: D, idempotencyKey: "fix", description: "recharge booked twice" }));
    const [e] = await ownerQuery<{ business_date: string; corrects_date: string; reverses_entry_id: string }>(db.url, `SELECT business_date::text, corrects_date::text, reverses_entry_id FROM journal_entry WHERE tenant_id = $1 AND id = $2`, [b.tenantId, fix.entryId]);
    expect(e).toEqual({ business_date: NEXT, corrects_date: D, reverses_entry_id: rc.entryId });
    await run((tx) => postEntry(tx, b.ctx, pay(b, 500n), { businessDate: NEXT, correctsDate: D, idempotencyKey: "fix-2" }));
    // Later postings change today's balances but not the closed date's.
    await run((tx) => postEntry(tx, b.ctx, walletTransfer(b.wallets[0]!, b.wallets[1]!, 1n), { businessDate: NEXT, idempotencyKey: "later" }).catch(() => null));
    const later = await snapshot(b, D);
    expect(later).toEqual(frozen);
    const [stored] = await ownerQuery<{ trial_balance: { accounts: Array<{ accountId: string; debitMinor: string; creditMinor: string }> } }>(db.url, `SELECT trial_balance FROM business_day WHERE tenant_id = $1 AND business_date = $2`, [b.tenantId, D]);
    const nonZero = later.tb.accounts.filter((a) => a.debitMinor !== 0n || a.creditMinor !== 0n).map((a) => ({ accountId: a.accountId, debitMinor: String(a.debitMinor), creditMinor: String(a.creditMinor) }));
    expect(stored!.trial_balance.accounts.map((a) => ({ accountId: a.accountId, debitMinor: a.debitMinor, creditMinor: a.creditMinor }))).toEqual(nonZero);
    const now = await run((tx) => trialBalance(tx, b.ctx));
    expect(now.totals[0]!.debitMinor).not.toBe(later.tb.totals[0]!.debitMinor);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("postings racing the close either land before it (and in its snapshot) or are refused", async () => {
    const b = await custodialBook();
    const run = runIn(b);
    const acked: string[] = [];
    const refused: string[] = [];
    let closed = false;
    const loops = Array.from({ length: 6 }, async (_, i) => {
      for (let j = 0; j < 40 && !(closed && refused.length > 6); j++) {
        const k = `race-${i}-${j}`;
        const r = await outcomeOf(run((tx) => postEntry(tx, b.ctx, pay(b, 100n + BigInt(j)), { businessDate: D, idempotencyKey: k })));
        if (r.ok) acked.push(k);
        else if (r.code === "BUSINESS_DAY_CLOSED") refused.push(k);
        else throw r.error;
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    await run((tx) => closeBusinessDay(tx, b.ctx, D, NOW));
    closed = true;
    await Promise.all(loops);
    expect(acked.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    const rows = await ownerQuery<{ idempotency_key: string }>(db.url, `SELECT idempotency_key FROM journal_entry WHERE tenant_id = $1 AND business_date = $2`, [b.tenantId, D]);
    expect(rows.map((r) => r.idempotency_key).sort()).toEqual([...acked].sort());
    // The stored snapshot is exactly the trial balance as of D now: nothing slipped in after the close.
    const [stored] = await ownerQuery<{ trial_balance: { totals: Array<{ debitMinor: string }> } }>(db.url, `SELECT trial_balance FROM business_day WHERE tenant_id = $1 AND business_date = $2`, [b.tenantId, D]);
    const tb = await run((tx) => trialBalance(tx, b.ctx, { asOf: D }));
    expect(stored!.trial_balance.totals[0]!.debitMinor).toBe(String(tb.totals[0]!.debitMinor));
    console.log(`[day close race] ${acked.length} postings landed before the close, ${refused.length} refused after it`);
  });

  it("balances as of a closed date never change, even when an earlier date is still open", async () => {
    const b = await custodialBook();
    const run = runIn(b);
    await run((tx) => postEntry(tx, b.ctx, pay(b, 1000n), { businessDate: D, idempotencyKey: "d" }));
    await run((tx) => closeBusinessDay(tx, b.ctx, D, NOW));
    const frozen = await snapshot(b, D);
    const r = await outcomeOf(run((tx) => postEntry(tx, b.ctx, pay(b, 999n), { businessDate: PREV, idempotencyKey: "backdated" })));
    expect(await snapshot(b, D)).toEqual(frozen);
    expect(r.ok ? "OK" : r.code).toBe("BUSINESS_DAY_CLOSED");
  });
});
