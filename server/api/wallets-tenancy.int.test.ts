import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postEntry } from "@/server/core/ledger/service";
import { walletRecharge } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { gatherBatch, proposeRelease, requestWithdrawal } from "@/server/core/payouts/service";
import { decideProposal } from "@/server/core/proposals/service";
import { createUser } from "@/server/core/users/service";
import { createTransfer, createWallet } from "@/server/core/wallets/service";
import "@/server/core/payouts/register";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, signIn, TEST_PASSWORD, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { callerAs, outcome, stringify, tenantHost, type Caller } from "@/server/testing/trpc";

// The cross-tenant attacks on wallets, transfers and payouts (server/api/tenancy-attack.int.test.ts
// runs on DIRECT providers, which are refused all of these). Here both providers are CUSTODIAL:
// B's staff, on B's host, aim every wallets procedure at A's wallets, payouts and batches; they
// must see NOT_FOUND, empty lists or only B's rows, and A's rows must be unchanged afterwards.

type Role = "owner" | "admin" | "operations" | "finance" | "viewer";

interface Side {
  tenant: TestTenant;
  host: string;
  tokens: Record<Role, string>;
  merchantId: string;
  sandboxId: string;
  walletIds: string[];
  externalUserIds: string[];
  transferId: string;
  /** [held, succeeded, in transit (SEND), in transit (FILE), in an OPEN batch]. */
  payoutIds: string[];
  numbers: string[];
  /** [released SEND, released FILE, OPEN]. */
  batchIds: string[];
  proposalIds: string[];
}

let db: TestDatabase;
let A: Side;
let B: Side;

async function buildSide(slug: string, label: string): Promise<Side> {
  const tenant = await makeTenant(slug, { mode: "CUSTODIAL", licence: `Z-${slug}` });
  const owner = ownerContext(tenant);
  const made = await withTenantTx(tenant.id, async (tx) => {
    const users: Record<string, string> = {};
    for (const role of ["ADMIN", "OPERATIONS", "FINANCE", "VIEWER"] as const) {
      const u = await createUser(tx, owner, { email: `${role.toLowerCase()}@${slug}.test`, name: `${label} ${role}`, role, password: TEST_PASSWORD });
      users[role] = u.id;
    }
    const m = await createMerchant(tx, owner, merchantInput(`${label} Wallet Mart`));
    const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: tenant.id, channelType: "SANDBOX" }, select: { id: true } });
    return { adminId: users.ADMIN!, merchantId: m.id, sandboxId: sandbox.id };
  });
  const admin: TenantContext = { tenantId: tenant.id, actor: { kind: "USER", userId: made.adminId, email: `admin@${slug}.test`, role: "ADMIN", merchantId: null } };
  const run = <T,>(fn: Parameters<typeof withTenantTx<T>>[1]) => withTenantTx(tenant.id, fn);
  const externalUserIds = [`${label}-user-1`, `${label}-user-2`];
  const wallets: string[] = [];
  for (const externalUserId of externalUserIds) wallets.push((await run((tx) => createWallet(tx, owner, { merchantId: made.merchantId, externalUserId }))).wallet.id);
  await run((tx) => postEntry(tx, owner, walletRecharge(made.sandboxId, wallets[0]!, 100_000n), { businessDate: "2026-01-05", idempotencyKey: `recharge:${wallets[0]}`, causeType: "test", causeId: wallets[0]! }));
  const transfer = await run((tx) => createTransfer(tx, owner, { merchantId: made.merchantId, merchantTransferNo: `${label}-T-1`, fromWalletId: wallets[0]!, toWalletId: wallets[1]!, amountMinor: 1_000n }));
  const numbers: string[] = [];
  const withdraw = async (no: string, amountMinor: bigint, account: string) => {
    const p = await run((tx) =>
      requestWithdrawal(tx, owner, { merchantId: made.merchantId, merchantWithdrawalNo: `${label}-${no}`, walletId: wallets[0]!, amountMinor, bankAccount: { name: `${label} Payee`, number: account, bankCode: "ICBC" } }),
    );
    numbers.push(p.requestNo, p.outPayoutNo);
    return p.id;
  };
  const release = async (delivery: "SEND" | "FILE") => {
    const batch = await run((tx) => gatherBatch(tx, owner, { channelAccountId: made.sandboxId, delivery }));
    const proposed = await run((tx) => proposeRelease(tx, owner, { batchId: batch.id, reason: `${label} payouts` }));
    await run((tx) => decideProposal(tx, admin, { id: proposed.proposalId!, decision: "APPROVE" }));
    return { batchId: batch.id, proposalId: proposed.proposalId! };
  };
  const succeeded = await withdraw("W-2", 2_000n, "6222020200001234");
  const transit = await withdraw("W-3", 3_000n, "6222020200008888");
  const send = await release("SEND");
  await drainOutboxOnce();
  const file = await withdraw("W-4", 4_000n, "6222020200004444");
  const fileBatch = await release("FILE");
  const open = await withdraw("W-5", 5_000n, "6222020200005555");
  const openBatch = await run((tx) => gatherBatch(tx, owner, { channelAccountId: made.sandboxId, delivery: "SEND" }));
  const held = await withdraw("W-1", 1_000n, "6222020200001111");
  const tokens = {} as Record<Role, string>;
  tokens.owner = await signIn(tenant, tenant.ownerEmail);
  for (const role of ["admin", "operations", "finance", "viewer"] as const) tokens[role] = await signIn(tenant, `${role}@${slug}.test`);
  return {
    tenant,
    host: tenantHost(slug),
    tokens,
    merchantId: made.merchantId,
    sandboxId: made.sandboxId,
    walletIds: wallets,
    externalUserIds,
    transferId: transfer.id,
    payoutIds: [held, succeeded, transit, file, open],
    numbers,
    batchIds: [send.batchId, fileBatch.batchId, openBatch.id],
    proposalIds: [send.proposalId, fileBatch.proposalId],
  };
}

const TABLES = ["wallet", "transfer", "payout", "payout_transition", "payout_batch", "proposal", "ledger_hold", "journal_entry", "ledger_balance", "webhook_event", "audit_log"];

async function snapshot(tenantId: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) out[table] = (await ownerQuery(db.url, `SELECT * FROM "${table}" WHERE tenant_id = $1`, [tenantId])).map((r) => stringify(r)).sort();
  return out;
}

let aBefore: Record<string, string[]>;

beforeAll(async () => {
  db = await createTestDatabase("wallets_tenancy");
  useTestKeyring();
  A = await buildSide("acme", "Acme");
  B = await buildSide("beta", "Beta");
  aBefore = await snapshot(A.tenant.id);
});

afterAll(async () => {
  await db?.drop();
});

const asB = (role: Role): Caller => callerAs({ host: B.host, session: B.tokens[role] });

function aSecrets(): string[] {
  return [A.tenant.id, A.merchantId, A.sandboxId, ...A.walletIds, ...A.externalUserIds, A.transferId, ...A.payoutIds, ...A.numbers, ...A.batchIds, ...A.proposalIds, "Acme", "6222020200001234"];
}

function expectNoLeak(value: unknown): void {
  const text = stringify(value);
  expect(aSecrets().filter((s) => text.includes(s)), text.slice(0, 300)).toEqual([]);
}

async function expectNotFound(call: Promise<unknown>): Promise<void> {
  const r = await outcome(call);
  expect(r.code).toBe("NOT_FOUND");
  if (r.code !== "OK") expectNoLeak({ message: r.error.message });
}

const ids = (page: { items: Array<{ id: string }> }) => page.items.map((i) => i.id);

describe("B's staff on B's host, aimed at A's wallets and payouts", () => {
  it("aims at real rows: A's own owner reads them on A's host", async () => {
    const a = callerAs({ host: A.host, session: A.tokens.owner });
    expect(ids(await a.wallets.find({})).sort()).toEqual([...A.walletIds].sort());
    expect(ids(await a.wallets.payouts.find({})).sort()).toEqual([...A.payoutIds].sort());
    expect((await a.wallets.batches.get({ id: A.batchIds[0]! })).status).toBe("RELEASED");
    expect((await a.wallets.payouts.get({ id: A.payoutIds[2]! })).status).toBe("IN_TRANSIT");
    expect(() => expectNoLeak(A.walletIds)).toThrow();
  });

  it("lists show only B's rows, and filters naming A's ids find nothing", async () => {
    const b = asB("viewer");
    expect(ids(await b.wallets.find({ merchantId: A.merchantId }))).toEqual([]);
    expect(ids(await b.wallets.find({ externalUserId: A.externalUserIds[0]! }))).toEqual([]);
    const wallets = await b.wallets.find({ limit: 200 });
    expect(ids(wallets).sort()).toEqual([...B.walletIds].sort());
    expectNoLeak(wallets);
    expect(ids(await b.wallets.transfers({ walletId: A.walletIds[0]! }))).toEqual([]);
    const transfers = await b.wallets.transfers({});
    expect(ids(transfers)).toEqual([B.transferId]);
    expectNoLeak(transfers);
    for (const filter of [{ merchantId: A.merchantId }, { walletId: A.walletIds[0]! }, { batchId: A.batchIds[0]! }, { number: A.numbers[0]! }, { number: A.numbers[1]! }]) {
      expect(ids(await b.wallets.payouts.find(filter)), stringify(filter)).toEqual([]);
    }
    const payouts = await b.wallets.payouts.find({ limit: 200 });
    expect(ids(payouts).sort()).toEqual([...B.payoutIds].sort());
    expectNoLeak(payouts);
    const batches = await b.wallets.batches.find({});
    expect(ids(batches).sort()).toEqual([...B.batchIds].sort());
    expectNoLeak(batches);
    const overview = await b.wallets.overview();
    expect(overview.payoutChannelAccounts.map((c) => c.id)).toEqual([B.sandboxId]);
    expectNoLeak(overview);
  });

  it("reads of A's wallet, movements, payouts and batches are NOT_FOUND", async () => {
    const b = asB("viewer");
    for (const id of A.walletIds) {
      await expectNotFound(b.wallets.get({ id }));
      await expectNotFound(b.wallets.movements({ id }));
    }
    for (const id of A.payoutIds) await expectNotFound(b.wallets.payouts.get({ id }));
    for (const id of A.batchIds) await expectNotFound(b.wallets.batches.get({ id }));
  });

  it("changes to A's payouts and batches are NOT_FOUND, and nothing of A's moves", async () => {
    await expectNotFound(asB("operations").wallets.payouts.cancel({ id: A.payoutIds[0]!, reason: "not ours" }));
    await expectNotFound(asB("operations").wallets.payouts.cancel({ id: A.payoutIds[4]!, reason: "not ours" }));
    await expectNotFound(asB("operations").wallets.payouts.query({ id: A.payoutIds[2]! }));
    await expectNotFound(asB("finance").wallets.payouts.markReturned({ id: A.payoutIds[1]!, reason: "not ours" }));
    await expectNotFound(asB("finance").wallets.batches.proposeRelease({ batchId: A.batchIds[2]!, reason: "not ours" }));
    await expectNotFound(asB("finance").wallets.batches.downloadFile({ id: A.batchIds[1]! }));
    await expectNotFound(asB("finance").wallets.batches.send({ id: A.batchIds[0]! }));
    await expectNotFound(asB("finance").wallets.batches.gather({ channelAccountId: A.sandboxId }));
    for (const id of A.proposalIds) await expectNotFound(asB("owner").proposals.decide({ id, decision: "REJECT" }));
    // Control: the same calls on B's own rows go through.
    const bBatch = await asB("finance").wallets.batches.gather({ channelAccountId: B.sandboxId, delivery: "SEND" });
    expect(bBatch.id).toBe(B.batchIds[2]);
    const file = await asB("finance").wallets.batches.downloadFile({ id: B.batchIds[1]! });
    expect(file.count).toBe(1);
    expectNoLeak(file);
    expect(await snapshot(A.tenant.id)).toEqual(aBefore);
  });

  it("maker-checker through the console: the proposer cannot approve; a viewer cannot release or download", async () => {
    const proposed = await asB("finance").wallets.batches.proposeRelease({ batchId: B.batchIds[2]!, reason: "Beta run" });
    const self = await outcome(asB("finance").proposals.decide({ id: proposed.proposalId!, decision: "APPROVE" }));
    expect(self.code).toBe("FORBIDDEN");
    expect((await outcome(asB("viewer").wallets.batches.downloadFile({ id: B.batchIds[1]! }))).code).toBe("FORBIDDEN");
    expect((await outcome(asB("operations").wallets.payouts.markReturned({ id: B.payoutIds[1]!, reason: "ops cannot" }))).code).toBe("FORBIDDEN");
    const approved = await asB("admin").proposals.decide({ id: proposed.proposalId!, decision: "APPROVE" });
    expect(approved.status).toBe("APPROVED");
    expect((await asB("viewer").wallets.batches.get({ id: B.batchIds[2]! })).status).toBe("RELEASED");
    expect(await snapshot(A.tenant.id)).toEqual(aBefore);
  });
});
