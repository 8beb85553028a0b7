import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { codeOf, custodialBook, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx } from "@/server/db/tenant-tx";
import { accountBalanceAsOf, balanceAsOf, postEntry, reverseEntry, trialBalance } from "./service";
import { accounts, walletRecharge } from "./templates";

// Balance as of a business date (postings dated on or before it, whenever recorded) and as of a
// moment (postings recorded at or before it, whatever their date): what the account page shows
// under ?asOf= and what the trial balance's drill-down opens. A posting recorded after the moment,
// or dated after the date, is left out; the trial balance as of a date agrees with it.

let db: TestDatabase;
let b: CustodialBook;
const [D1, D2, D3] = ["2026-11-20", "2026-11-21", "2026-11-22"];

beforeAll(async () => {
  db = await createTestDatabase("ledger_balance_as_of");
  b = await custodialBook({ merchants: 1, channels: 1, wallets: 1 });
});
afterAll(async () => db?.drop());

const run = <T,>(fn: Parameters<typeof withTenantTx<T>>[1]) => withTenantTx(b.tenantId, fn);
const recharge = (amountMinor: bigint, businessDate: string, key: string) => run((tx) => postEntry(tx, b.ctx, walletRecharge(b.channels[0]!, b.wallets[0]!, amountMinor), { businessDate, idempotencyKey: key }));
/** The database's clock (postings take created_at from it), read between two commits. */
const dbNow = async () => new Date((await ownerQuery<{ now: Date }>(db.url, `SELECT clock_timestamp() AS now`))[0]!.now);

describe("balanceAsOf", () => {
  it("by business date: postings dated on or before it, including one recorded later but dated earlier", async () => {
    const wallet = b.id(accounts.wallet(b.wallets[0]!));
    await recharge(1000n, D1, "d1");
    await recharge(200n, D3, "d3");
    // Recorded after the D3 posting, dated D2: counted as of D2 and D3, not as of D1.
    await recharge(30n, D2, "d2-late");
    const asOf = (date: string) => run((tx) => balanceAsOf(tx, b.ctx, wallet, { businessDate: date }));
    expect(await asOf("2026-11-19")).toBe(0n);
    expect(await asOf(D1)).toBe(1000n);
    expect(await asOf(D2)).toBe(1030n);
    expect(await asOf(D3)).toBe(1230n);
    // The clearing account is an asset: the same amounts on the debit side, positive too.
    expect(await run((tx) => balanceAsOf(tx, b.ctx, b.id(accounts.clearing(b.channels[0]!)), { businessDate: D2 }))).toBe(1030n);
    // The trial balance as of a date shows the same figure for the account.
    const tb = await run((tx) => trialBalance(tx, b.ctx, { asOf: D2 }));
    expect(tb.accounts.find((a) => a.accountId === wallet)?.balanceMinor).toBe(1030n);
  });

  it("by time: a posting recorded after the moment is left out, whatever its business date", async () => {
    const b2 = await custodialBook({ merchants: 1, channels: 1, wallets: 1 });
    const wallet = b2.id(accounts.wallet(b2.wallets[0]!));
    const post = (amountMinor: bigint, businessDate: string, key: string) =>
      withTenantTx(b2.tenantId, (tx) => postEntry(tx, b2.ctx, walletRecharge(b2.channels[0]!, b2.wallets[0]!, amountMinor), { businessDate, idempotencyKey: key }));
    const before = await dbNow();
    const first = await post(500n, D2, "t1");
    const between = await dbNow();
    // Dated earlier than the first, recorded after the moment.
    await post(70n, D1, "t2");
    const after = await dbNow();
    const at = (when: Date, businessDate?: string) => withTenantTx(b2.tenantId, (tx) => balanceAsOf(tx, b2.ctx, wallet, { at: when, ...(businessDate ? { businessDate } : {}) }));
    expect(await at(before)).toBe(0n);
    expect(await at(between)).toBe(500n);
    expect(await at(after)).toBe(570n);
    // Both at once: recorded by then and dated by then.
    expect(await at(after, D1)).toBe(70n);
    expect(await at(between, D1)).toBe(0n);
    // A reversal recorded later takes the balance back only from its own moment on.
    await withTenantTx(b2.tenantId, (tx) => reverseEntry(tx, b2.ctx, first.entryId, { businessDate: D3, idempotencyKey: "t1-rev" }));
    expect(await at(after)).toBe(570n);
    expect(await at(await dbNow())).toBe(70n);
  });

  it("accountBalanceAsOf (the console's procedure): the figure with what it is as of; needs a date or a time; another tenant's account is NOT_FOUND", async () => {
    const wallet = b.id(accounts.wallet(b.wallets[0]!));
    expect(await run((tx) => accountBalanceAsOf(tx, b.ctx, { accountId: wallet, businessDate: D1 }))).toEqual({ accountId: wallet, businessDate: D1, at: null, postedMinor: 1000n });
    expect(await codeOf(run((tx) => accountBalanceAsOf(tx, b.ctx, { accountId: wallet })))).toBe("AS_OF_REQUIRED");
    expect(await codeOf(run((tx) => accountBalanceAsOf(tx, b.ctx, { accountId: wallet, businessDate: "2026-13-1" })))).toBe("BUSINESS_DATE_INVALID");
    const other = await custodialBook({ merchants: 1, channels: 1, wallets: 1 });
    expect(await codeOf(withTenantTx(other.tenantId, (tx) => accountBalanceAsOf(tx, other.ctx, { accountId: wallet, businessDate: D3 })))).toBe("NOT_FOUND");
  });
});
