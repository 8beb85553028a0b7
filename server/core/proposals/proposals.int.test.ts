import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { codeOf, custodialBook, outcomeOf, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { createUser } from "@/server/core/users/service";
import { closeBusinessDay } from "@/server/core/ledger/day-close";
import { getBalanceByRef, postEntry } from "@/server/core/ledger/service";
import { accounts, walletRecharge } from "@/server/core/ledger/templates";
import { cancelProposal, createProposal, decideProposal, getProposal } from "./service";

// Maker-checker: nobody decides their own proposal; at or above the tenant's threshold only an
// owner or admin approves; an approved adjustment posts exactly once however many approvers race;
// unbalanced adjustments are refused when proposed; rejected proposals post nothing; both steps audited.

let db: TestDatabase;
let b: CustodialBook;
const users: Record<"finance1" | "finance2" | "admin" | "ops" | "viewer", TenantContext> = {} as never;
let owner: TenantContext;
const THRESHOLD = 10_000n;
const D = "2026-11-27";

beforeAll(async () => {
  db = await createTestDatabase("proposals");
  b = await custodialBook();
  owner = b.ctx;
  await withTenantTx(b.tenantId, async (tx) => {
    for (const [key, role] of [["finance1", "FINANCE"], ["finance2", "FINANCE"], ["admin", "ADMIN"], ["ops", "OPERATIONS"], ["viewer", "VIEWER"]] as const) {
      const u = await createUser(tx, owner, { email: `${key}@example.test`, name: key, role, password: "Test-password-1" });
      users[key] = { tenantId: b.tenantId, actor: { kind: "USER", userId: u!.id, email: u!.email, role, merchantId: null } };
    }
  });
  await ownerQuery(db.url, `UPDATE tenant SET approval_admin_threshold_minor = $2 WHERE id = $1`, [b.tenantId, THRESHOLD.toString()]);
});
afterAll(async () => db?.drop());

const as = <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(b.tenantId, fn);
const equity = () => b.id(accounts.ownerEquity);
const unclaimed = () => b.id(accounts.unclaimedFunds);

/** Dr owner equity / Cr unclaimed funds, `amount` each: a balanced adjustment. */
const adjustmentOf = (amount: bigint, extra: Record<string, unknown> = {}) => ({
  kind: "ledger.adjustment",
  reason: "Correct a mis-keyed overage write-off",
  payload: {
    businessDate: D,
    description: "reclassify overage",
    lines: [
      { accountId: equity(), debitMinor: amount.toString(), creditMinor: "0" },
      { accountId: unclaimed(), debitMinor: "0", creditMinor: amount.toString() },
    ],
    ...extra,
  },
});

const propose = (ctx: TenantContext, input: ReturnType<typeof adjustmentOf>) => as((tx) => createProposal(tx, ctx, input));
const decide = (ctx: TenantContext, id: string, decision: "APPROVE" | "REJECT", note?: string) => as((tx) => decideProposal(tx, ctx, { id, decision, ...(note ? { note } : {}) }));
const entriesOf = async (proposalId: string) => (await ownerQuery<{ id: string }>(db.url, `SELECT id FROM journal_entry WHERE tenant_id = $1 AND cause_type = 'proposal' AND cause_id = $2`, [b.tenantId, proposalId])).map((r) => r.id);
const auditOf = async (proposalId: string) =>
  ownerQuery<{ action: string; actor_id: string }>(db.url, `SELECT action, actor_id FROM audit_log WHERE tenant_id = $1 AND entity_type = 'proposal' AND entity_id = $2 ORDER BY created_at, action`, [b.tenantId, proposalId]);

describe("proposals", () => {
  it("nobody decides their own proposal (approve or reject), the owner included", async () => {
    const p = await propose(users.finance1, adjustmentOf(500n));
    expect(await codeOf(decide(users.finance1, p.id, "APPROVE"))).toBe("SELF_APPROVAL");
    expect(await codeOf(decide(users.finance1, p.id, "REJECT"))).toBe("SELF_APPROVAL");
    const q = await propose(owner, adjustmentOf(500n));
    expect(await codeOf(decide(owner, q.id, "APPROVE"))).toBe("SELF_APPROVAL");
    expect(await entriesOf(p.id)).toEqual([]);
    expect(await entriesOf(q.id)).toEqual([]);
    expect((await as((tx) => getProposal(tx, owner, p.id))).status).toBe("PENDING");
    // The database refuses it too, whatever the service does.
    await expect(ownerQuery(db.url, `UPDATE proposal SET status = 'APPROVED', decided_by = proposed_by WHERE tenant_id = $1 AND id = $2`, [b.tenantId, p.id])).rejects.toThrow(/proposal_not_self_approved/);
  });

  it("below the threshold a FINANCE user approves; at and above it only an ADMIN or OWNER may", async () => {
    const below = await propose(users.finance1, adjustmentOf(THRESHOLD - 1n));
    expect(below).toMatchObject({ requiresAdmin: false, amountMinor: THRESHOLD - 1n });
    expect(await codeOf(decide(users.finance2, below.id, "APPROVE"))).toBe("OK");

    const at = await propose(users.finance1, adjustmentOf(THRESHOLD));
    expect(at).toMatchObject({ requiresAdmin: true, amountMinor: THRESHOLD });
    expect(await codeOf(decide(users.finance2, at.id, "APPROVE"))).toBe("ADMIN_APPROVAL_REQUIRED");
    expect(await codeOf(decide(users.finance2, at.id, "REJECT"))).toBe("ADMIN_APPROVAL_REQUIRED");
    expect(await entriesOf(at.id)).toEqual([]);
    expect(await codeOf(decide(users.admin, at.id, "APPROVE"))).toBe("OK");
    expect(await entriesOf(at.id)).toHaveLength(1);

    const above = await propose(users.admin, adjustmentOf(THRESHOLD * 10n));
    expect(above.requiresAdmin).toBe(true);
    expect(await codeOf(decide(users.finance1, above.id, "APPROVE"))).toBe("ADMIN_APPROVAL_REQUIRED");
    expect(await codeOf(decide(owner, above.id, "APPROVE"))).toBe("OK");

    // Roles that cannot decide at all.
    const other = await propose(users.finance1, adjustmentOf(1n));
    expect(await codeOf(decide(users.ops, other.id, "APPROVE"))).toBe("FORBIDDEN");
    expect(await codeOf(decide(users.viewer, other.id, "APPROVE"))).toBe("FORBIDDEN");
    // A system actor cannot propose or decide: proposals are made by people.
    expect(await codeOf(as((tx) => createProposal(tx, { tenantId: b.tenantId, actor: { kind: "SYSTEM", name: "job" } }, adjustmentOf(1n))))).toBe("FORBIDDEN");
  });

  it("an approved adjustment posts exactly once when approvers race", async () => {
    const before = await as((tx) => getBalanceByRef(tx, owner, accounts.unclaimedFunds));
    let total = 0n;
    for (let i = 0; i < 8; i++) {
      const amount = 100n + BigInt(i);
      const p = await propose(users.finance1, adjustmentOf(amount));
      const results = await Promise.all([users.finance2, users.admin, owner].map((ctx) => outcomeOf(decide(ctx, p.id, "APPROVE"))));
      expect(results.filter((r) => r.ok), `round ${i}`).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(["PROPOSAL_DECIDED", "PROPOSAL_DECIDED"]);
      const entries = await entriesOf(p.id);
      expect(entries).toHaveLength(1);
      const after = await as((tx) => getProposal(tx, owner, p.id));
      expect(after.status).toBe("APPROVED");
      expect((after.result as { entryId: string }).entryId).toBe(entries[0]);
      const audit = await auditOf(p.id);
      expect(audit.map((a) => a.action)).toEqual(["proposal.create", "proposal.approve"]);
      expect(audit[0]!.actor_id).toBe((users.finance1.actor as { userId: string }).userId);
      expect(audit[1]!.actor_id).toBe(after.decidedBy);
      total += amount;
    }
    const now = await as((tx) => getBalanceByRef(tx, owner, accounts.unclaimedFunds));
    expect(now.postedMinor - before.postedMinor).toBe(total);
  });

  it("refuses an unbalanced or malformed adjustment when it is proposed, writing nothing", async () => {
    const count = async () => (await ownerQuery(db.url, `SELECT (SELECT count(*) FROM proposal WHERE tenant_id = $1)::int AS p, (SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'proposal.create')::int AS a`, [b.tenantId]))[0];
    const n0 = await count();
    const unbalanced = adjustmentOf(0n, { lines: [{ accountId: equity(), debitMinor: "100", creditMinor: "0" }, { accountId: unclaimed(), debitMinor: "0", creditMinor: "99" }] });
    expect(await codeOf(propose(users.finance1, unbalanced))).toBe("UNBALANCED");
    const bothSides = adjustmentOf(0n, { lines: [{ accountId: equity(), debitMinor: "100", creditMinor: "100" }, { accountId: unclaimed(), debitMinor: "0", creditMinor: "0" }] });
    expect(await codeOf(propose(users.finance1, bothSides))).toBe("ADJUSTMENT_LINE_INVALID");
    const negative = adjustmentOf(0n, { lines: [{ accountId: equity(), debitMinor: "-100", creditMinor: "0" }, { accountId: unclaimed(), debitMinor: "-100", creditMinor: "0" }] });
    expect(await codeOf(propose(users.finance1, negative))).toBe("ADJUSTMENT_LINE_INVALID");
    const other = await custodialBook();
    const foreign = adjustmentOf(0n, { lines: [{ accountId: equity(), debitMinor: "100", creditMinor: "0" }, { accountId: other.id(accounts.unclaimedFunds), debitMinor: "0", creditMinor: "100" }] });
    expect(await codeOf(propose(users.finance1, foreign))).toBe("ACCOUNT_NOT_FOUND");
    expect(await codeOf(propose(users.finance1, { kind: "ledger.nope", reason: "unknown kind", payload: {} } as never))).toBe("PROPOSAL_KIND_UNKNOWN");
    // A single line is refused by the payload schema.
    await expect(propose(users.finance1, adjustmentOf(0n, { lines: [{ accountId: equity(), debitMinor: "1", creditMinor: "0" }] }))).rejects.toThrow();
    expect(await count()).toEqual(n0);
  });

  it("a rejected proposal posts nothing and cannot be approved later; a withdrawn one neither", async () => {
    const p = await propose(users.finance1, adjustmentOf(700n));
    const r = await decide(users.finance2, p.id, "REJECT", "no evidence attached");
    expect(r).toMatchObject({ status: "REJECTED", decisionNote: "no evidence attached", decidedBy: (users.finance2.actor as { userId: string }).userId });
    expect(await codeOf(decide(users.admin, p.id, "APPROVE"))).toBe("PROPOSAL_DECIDED");
    expect(await entriesOf(p.id)).toEqual([]);
    expect((await auditOf(p.id)).map((a) => a.action)).toEqual(["proposal.create", "proposal.reject"]);

    const c = await propose(users.finance1, adjustmentOf(800n));
    expect(await codeOf(as((tx) => cancelProposal(tx, users.finance2, c.id)))).toBe("FORBIDDEN");
    await as((tx) => cancelProposal(tx, users.finance1, c.id));
    expect(await codeOf(decide(users.admin, c.id, "APPROVE"))).toBe("PROPOSAL_DECIDED");
    expect(await entriesOf(c.id)).toEqual([]);
  });

  it("an approval that cannot post (its date closed meanwhile) leaves the proposal pending and writes nothing", async () => {
    const date = "2026-11-20";
    const p = await propose(users.finance1, adjustmentOf(300n, { businessDate: date }));
    await as((tx) => closeBusinessDay(tx, owner, date, new Date("2026-12-01T04:00:00Z")));
    expect(await codeOf(decide(users.finance2, p.id, "APPROVE"))).toBe("BUSINESS_DAY_CLOSED");
    expect((await as((tx) => getProposal(tx, owner, p.id))).status).toBe("PENDING");
    expect(await entriesOf(p.id)).toEqual([]);
    expect((await auditOf(p.id)).map((a) => a.action)).toEqual(["proposal.create"]);
  });

  it("a reversal proposal reverses once; proposing to reverse an already reversed entry is refused", async () => {
    const e = await as((tx) => postEntry(tx, owner, walletRecharge(b.channels[0]!, b.wallets[0]!, 2500n), { businessDate: D, idempotencyKey: "to-reverse" }));
    const input = { kind: "ledger.reversal", reason: "Recharge notified twice", payload: { entryId: e.entryId, businessDate: D, description: "duplicate" } };
    const p = await as((tx) => createProposal(tx, users.finance1, input));
    expect(p.amountMinor).toBe(2500n);
    await decide(users.finance2, p.id, "APPROVE");
    const rev = await ownerQuery(db.url, `SELECT id FROM journal_entry WHERE tenant_id = $1 AND reverses_entry_id = $2`, [b.tenantId, e.entryId]);
    expect(rev).toHaveLength(1);
    expect((await as((tx) => getBalanceByRef(tx, owner, accounts.wallet(b.wallets[0]!)))).postedMinor).toBe(0n);
    expect(await codeOf(as((tx) => createProposal(tx, users.finance1, input)))).toBe("ENTRY_ALREADY_REVERSED");
  });
});
