import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { custodialBook, outcomeOf, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createHold, getBalanceByRef, postEntry } from "./service";
import { accounts, payoutHold, walletRecharge } from "./templates";

// What the app role (the role every request runs as) may do to the ledger tables directly, i.e.
// without going through ledger_post_entry & co. Entries and postings must be append-only, and
// balances must only move together with postings.

let db: TestDatabase;
let b: CustodialBook;
const D = "2026-11-27";
beforeAll(async () => {
  db = await createTestDatabase("ledger_privileges");
  b = await custodialBook();
  await withTenantTx(b.tenantId, (tx) => postEntry(tx, b.ctx, walletRecharge(b.channels[0]!, b.wallets[0]!, 1000n), { businessDate: D, idempotencyKey: "fund" }));
});
afterAll(async () => db?.drop());

const raw = (sql: string) => outcomeOf(withTenantTx(b.tenantId, (tx) => tx.$executeRawUnsafe(sql)));

describe("the app role and the ledger tables", () => {
  it("cannot update or delete entries and postings (append-only)", async () => {
    expect(await raw(`UPDATE journal_entry SET description = 'edited'`)).toMatchObject({ ok: false, code: "PG_42501" });
    expect(await raw(`DELETE FROM journal_entry`)).toMatchObject({ ok: false, code: "PG_42501" });
    expect(await raw(`UPDATE ledger_posting SET amount_minor = amount_minor * 2`)).toMatchObject({ ok: false, code: "PG_42501" });
    expect(await raw(`DELETE FROM ledger_posting`)).toMatchObject({ ok: false, code: "PG_42501" });
    expect(await raw(`DELETE FROM ledger_balance`)).toMatchObject({ ok: false, code: "PG_42501" });
  });

  it("cannot move balances, forge postings or release a hold except through the ledger functions", async () => {
    const w = b.id(accounts.wallet(b.wallets[0]!));
    const transit = b.id(accounts.withdrawalsInTransit);
    const forged = [
      await raw(`UPDATE ledger_balance SET posted_credit_minor = posted_credit_minor + 1000000 WHERE account_id = '${w}'`),
      await raw(`INSERT INTO ledger_balance (tenant_id, account_id, slot, posted_credit_minor) VALUES ('${b.tenantId}', '${w}', 7, 1000000)`),
      await raw(`WITH e AS (INSERT INTO journal_entry (tenant_id, kind, business_date, idempotency_key, content_hash) VALUES ('${b.tenantId}', 'forged', '${D}', 'forged', 'x') RETURNING tenant_id, id, seq, business_date)
                 INSERT INTO ledger_posting (tenant_id, entry_id, line, account_id, book, currency, amount_minor, phase, seq, business_date)
                 SELECT tenant_id, id, 0, '${w}', 'OWN', 'CNY', -777, 'POSTED', seq, business_date FROM e`),
    ];
    // A hold of 600, then a hand-made "release" that frees it while the hold stays PENDING.
    await withTenantTx(b.tenantId, (tx) => createHold(tx, b.ctx, payoutHold(accounts.wallet(b.wallets[0]!), 600n), { businessDate: D, idempotencyKey: "h" }));
    forged.push(
      await raw(`SELECT * FROM ledger_post_entry('{"kind":"x","phase":"PENDING","release":true,"businessDate":"${D}","idempotencyKey":"rel","contentHash":"h",
                 "postings":[{"accountId":"${w}","amountMinor":"-600"},{"accountId":"${transit}","amountMinor":"600"}]}'::jsonb)`),
    );
    const bal = await withTenantTx(b.tenantId, (tx) => getBalanceByRef(tx, b.ctx, accounts.wallet(b.wallets[0]!)));
    const holds = await ownerQuery(db.url, `SELECT status::text FROM ledger_hold WHERE tenant_id = $1`, [b.tenantId]);
    expect({ forged: forged.map((r) => (r.ok ? "WRITTEN" : "REFUSED")), available: bal.availableMinor, holds }).toEqual({
      forged: ["REFUSED", "REFUSED", "REFUSED", "REFUSED"],
      available: 400n,
      holds: [{ status: "PENDING" }],
    });
  });
});
