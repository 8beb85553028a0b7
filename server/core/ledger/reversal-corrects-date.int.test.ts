import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProposal, decideProposal } from "@/server/core/proposals/service";
import { createUser } from "@/server/core/users/service";
import { withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { checkLedgerInvariants, codeOf, custodialBook, type CustodialBook } from "@/server/testing/ledger";
import { closeBusinessDay } from "./day-close";
import { balanceAsOf, getEntry, postEntry } from "./service";
import { accounts, walletRecharge } from "./templates";

// A reversal proposed for an entry of a closed business date posts in the open period and names the
// closed date it corrects (correctsDate), though the proposal did not say so — the console's dialog
// sends none, and neither need any other caller; the closed date's balances do not move. An entry of
// an open date is reversed without one, and a correctsDate the proposer gave is kept.

let db: TestDatabase;
let b: CustodialBook;
let maker: TenantContext;
let checker: TenantContext;
const NOW = new Date("2026-12-01T04:00:00Z");
const [CLOSED, OPEN, TODAY] = ["2026-11-24", "2026-11-25", "2026-11-30"];

beforeAll(async () => {
  db = await createTestDatabase("ledger_reversal_corrects");
  b = await custodialBook({ merchants: 1, channels: 1, wallets: 1 });
  await withTenantTx(b.tenantId, async (tx) => {
    const ctx: Record<string, TenantContext> = {};
    for (const key of ["maker", "checker"]) {
      const u = await createUser(tx, b.ctx, { email: `${key}@example.test`, name: key, role: key === "maker" ? "FINANCE" : "ADMIN", password: "Test-password-1" });
      ctx[key] = { tenantId: b.tenantId, actor: { kind: "USER", userId: u!.id, email: u!.email, role: key === "maker" ? "FINANCE" : "ADMIN", merchantId: null } };
    }
    maker = ctx.maker!;
    checker = ctx.checker!;
  });
});
afterAll(async () => db?.drop());

const run = <T,>(fn: Parameters<typeof withTenantTx<T>>[1]) => withTenantTx(b.tenantId, fn);
const recharge = (amountMinor: bigint, businessDate: string, key: string) => run((tx) => postEntry(tx, b.ctx, walletRecharge(b.channels[0]!, b.wallets[0]!, amountMinor), { businessDate, idempotencyKey: key }));

async function reverseByProposal(entryId: string, payload: Record<string, unknown> = {}) {
  const p = await run((tx) => createProposal(tx, maker, { kind: "ledger.reversal", reason: "Posted twice", payload: { entryId, businessDate: TODAY, description: "duplicate", ...payload } }));
  await run((tx) => decideProposal(tx, checker, { id: p.id, decision: "APPROVE" }));
  const [rev] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM journal_entry WHERE tenant_id = $1 AND reverses_entry_id = $2`, [b.tenantId, entryId]);
  return run((tx) => getEntry(tx, b.ctx, rev!.id));
}

describe("ledger.reversal of a closed date's entry", () => {
  it("carries correctsDate = the closed date when the proposal gives none; the closed date's balance does not move", async () => {
    const wallet = b.id(accounts.wallet(b.wallets[0]!));
    const closedEntry = await recharge(800n, CLOSED, "closed");
    const openEntry = await recharge(300n, OPEN, "open");
    await run((tx) => closeBusinessDay(tx, b.ctx, CLOSED, NOW));
    // Proposed while the date is closed.
    const rev = await reverseByProposal(closedEntry.entryId);
    expect(rev).toMatchObject({ kind: "reversal", businessDate: TODAY, correctsDate: CLOSED, reversesEntryId: closedEntry.entryId });
    expect(await run((tx) => balanceAsOf(tx, b.ctx, wallet, { businessDate: CLOSED }))).toBe(800n);
    // An open date's entry: no correctsDate.
    expect(await reverseByProposal(openEntry.entryId)).toMatchObject({ businessDate: TODAY, correctsDate: null });
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("decides at approval: a date closed after the proposal was made is still named", async () => {
    const e = await recharge(120n, "2026-11-26", "closed-later");
    const p = await run((tx) => createProposal(tx, maker, { kind: "ledger.reversal", reason: "Posted twice", payload: { entryId: e.entryId, businessDate: TODAY, description: "duplicate" } }));
    await run((tx) => closeBusinessDay(tx, b.ctx, OPEN, NOW));
    await run((tx) => closeBusinessDay(tx, b.ctx, "2026-11-26", NOW));
    await run((tx) => decideProposal(tx, checker, { id: p.id, decision: "APPROVE" }));
    const [rev] = await ownerQuery<{ corrects_date: string | null }>(db.url, `SELECT corrects_date::text FROM journal_entry WHERE tenant_id = $1 AND reverses_entry_id = $2`, [b.tenantId, e.entryId]);
    expect(rev!.corrects_date).toBe("2026-11-26");
  });

  it("keeps a correctsDate the proposer gave; the reversal itself still cannot carry a closed business date", async () => {
    const e = await recharge(50n, "2026-11-27", "given");
    expect(await reverseByProposal(e.entryId, { correctsDate: "2026-11-23" })).toMatchObject({ correctsDate: "2026-11-23" });
    const f = await recharge(60n, "2026-11-27", "closed-business-date");
    const p = await run((tx) => createProposal(tx, maker, { kind: "ledger.reversal", reason: "Posted twice", payload: { entryId: f.entryId, businessDate: CLOSED, description: "into a closed day" } }));
    expect(await codeOf(run((tx) => decideProposal(tx, checker, { id: p.id, decision: "APPROVE" })))).toBe("BUSINESS_DAY_CLOSED");
  });
});
