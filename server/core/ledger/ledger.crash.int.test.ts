import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { checkLedgerInvariants, custodialBook, outcomeOf, type CustodialBook } from "@/server/testing/ledger";
import { startPrivateCluster, type PrivateCluster } from "@/server/testing/private-cluster";
import { closeAppPool } from "@/server/db/pool";
import { disconnectPrisma } from "@/server/db/client";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createHold, postEntries, postEntry, postHold } from "./service";
import { accounts, paymentFeeAtSource, payoutHold, walletRecharge, walletTransfer } from "./templates";

// Crash safety: a private PostgreSQL cluster (never the shared server) takes a posting load from
// several concurrent writers and is stopped with `pg_ctl stop -m immediate` in the middle of it.
// After crash recovery every acknowledged entry must be there with all its postings, nothing may be
// half-written, and balances must still equal postings.

let cluster: PrivateCluster | undefined;
let db: TestDatabase;
let b: CustodialBook;
const saved = { TEST_DATABASE_URL: process.env.TEST_DATABASE_URL, DATABASE_URL: process.env.DATABASE_URL };
const D = "2026-11-27";

beforeAll(async () => {
  cluster = await startPrivateCluster();
  process.env.TEST_DATABASE_URL = cluster.url;
  db = await createTestDatabase("ledger_crash");
  expect(db.url).toContain(`:${cluster.port}/`); // really the private cluster
  b = await custodialBook({ merchants: 3, channels: 2, wallets: 4 });
}, 180_000);

afterAll(async () => {
  await disconnectPrisma().catch(() => undefined);
  await closeAppPool().catch(() => undefined);
  cluster?.destroy();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}, 120_000);

interface Acked {
  entryId: string;
  postings: number;
  kind: string;
}

describe("crash mid-load (pg_ctl stop -m immediate)", () => {
  it("keeps every acknowledged entry whole and leaves nothing half-written", async () => {
    const acked: Acked[] = [];
    const ackedHolds: Array<{ holdId: string; posted: boolean }> = [];
    const stoppedBy: Record<string, number> = {};
    let refusals = 0;
    let stop = false;

    // Fund the wallets first, so transfers and holds have something to move.
    for (const w of b.wallets) {
      const r = await withTenantTx(b.tenantId, (tx) => postEntry(tx, b.ctx, walletRecharge(b.channels[0]!, w, 1_000_000n), { businessDate: D, idempotencyKey: `fund-${w}` }));
      acked.push({ entryId: r.entryId, postings: 2, kind: "fund" });
    }

    const writer = async (i: number) => {
      for (let j = 0; !stop; j++) {
        const k = `w${i}-${j}`;
        const m = b.merchants[(i + j) % b.merchants.length]!;
        const ch = b.channels[j % 2]!;
        const w1 = b.wallets[i % 4]!;
        const w2 = b.wallets[(i + 1 + (j % 3)) % 4]!;
        const op = j % 5;
        let r;
        if (op === 0) {
          r = await outcomeOf(withTenantTx(b.tenantId, (tx) => postEntry(tx, b.ctx, paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 1000n + BigInt(j), feeMinor: 4n, costMinor: 2n }), { businessDate: D, idempotencyKey: k })));
          if (r.ok) acked.push({ entryId: r.value.entryId, postings: 4, kind: "payment" });
        } else if (op === 1) {
          const items = Array.from({ length: 5 }, (_, n) => ({ draft: paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 500n + BigInt(n), feeMinor: 2n, costMinor: 1n }), opts: { businessDate: D, idempotencyKey: `${k}.${n}` } }));
          r = await outcomeOf(withTenantTx(b.tenantId, (tx) => postEntries(tx, b.ctx, items)));
          if (r.ok) for (const x of r.value) acked.push({ entryId: x.entryId, postings: 4, kind: "batch" });
        } else if (op === 2) {
          r = await outcomeOf(withTenantTx(b.tenantId, (tx) => postEntry(tx, b.ctx, walletTransfer(w1, w2, 1n + BigInt(j % 50)), { businessDate: D, idempotencyKey: k })));
          if (r.ok) acked.push({ entryId: r.value.entryId, postings: 2, kind: "transfer" });
        } else if (op === 3) {
          // A hold and its partial post in ONE transaction: three entries that must survive together.
          r = await outcomeOf(
            withTenantTx(b.tenantId, async (tx) => {
              const h = await createHold(tx, b.ctx, payoutHold(accounts.wallet(w1), 100n), { businessDate: D, idempotencyKey: k });
              const p = await postHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: `${k}-post`, amountMinor: 60n });
              return { h, p };
            }),
          );
          if (r.ok) {
            acked.push({ entryId: r.value.h.entryId, postings: 2, kind: "hold" }, { entryId: r.value.p.entryId, postings: 2, kind: "hold.post" });
            ackedHolds.push({ holdId: r.value.h.holdId, posted: true });
          }
        } else {
          r = await outcomeOf(withTenantTx(b.tenantId, (tx) => createHold(tx, b.ctx, payoutHold(accounts.wallet(w2), 10n), { businessDate: D, idempotencyKey: k })));
          if (r.ok) {
            acked.push({ entryId: r.value.entryId, postings: 2, kind: "hold" });
            ackedHolds.push({ holdId: r.value.holdId, posted: false });
          }
        }
        if (!r.ok) {
          if (r.code === "INSUFFICIENT_FUNDS") {
            refusals++;
            continue;
          }
          // The server went away: this writer is done. (Its in-flight call was not acknowledged.)
          const reason = r.code.startsWith("UNEXPECTED") ? r.code.slice(0, 60) : r.code;
          stoppedBy[reason] = (stoppedBy[reason] ?? 0) + 1;
          return;
        }
      }
    };

    const started = Date.now();
    const writers = Array.from({ length: 6 }, (_, i) => writer(i));
    // Let the load run, then pull the plug while every writer has a transaction in flight.
    while (acked.length < 400 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
    const ackedAtCrash = acked.length;
    cluster!.crash();
    const crashedAt = Date.now() - started;
    stop = true;
    await Promise.all(writers);
    await disconnectPrisma().catch(() => undefined);
    await closeAppPool().catch(() => undefined);
    // The crash hit writers mid-call (a writer between calls may instead see `stop` first), and
    // nothing but the lost connection stopped any of them.
    expect(Object.values(stoppedBy).reduce((s, n) => s + n, 0), `writers stopped by the crash: ${JSON.stringify(stoppedBy)}`).toBeGreaterThan(0);
    for (const reason of Object.keys(stoppedBy)) expect(reason).toMatch(/terminat|ECONNRE|57P0|08006|08003|closed|connect/i);

    cluster!.start();
    expect(cluster!.log()).toMatch(/database system was interrupted|not properly shut down|redo (starts|done)|automatic recovery/i);

    // Every acknowledged entry is there with all its postings.
    const ids = acked.map((a) => a.entryId);
    const rows = await ownerQuery<{ id: string; n: number }>(
      db.url,
      `SELECT e.id, count(p.*)::int AS n FROM journal_entry e LEFT JOIN ledger_posting p ON p.tenant_id = e.tenant_id AND p.entry_id = e.id
        WHERE e.tenant_id = $1 AND e.id = ANY($2::uuid[]) GROUP BY e.id`,
      [b.tenantId, ids],
    );
    const found = new Map(rows.map((r) => [r.id, r.n]));
    const missing = acked.filter((a) => !found.has(a.entryId));
    const partial = acked.filter((a) => found.has(a.entryId) && found.get(a.entryId) !== a.postings);
    expect(missing, "acknowledged entries lost in the crash").toEqual([]);
    expect(partial, "acknowledged entries with missing postings").toEqual([]);
    // Acknowledged holds are in the state the acknowledged calls left them.
    const holds = await ownerQuery<{ id: string; status: string }>(db.url, `SELECT id, status::text FROM ledger_hold WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [b.tenantId, ackedHolds.map((h) => h.holdId)]);
    const hs = new Map(holds.map((h) => [h.id, h.status]));
    for (const h of ackedHolds) expect(hs.get(h.holdId), `hold ${h.holdId}`).toBe(h.posted ? "POSTED" : "PENDING");

    // Nothing half-written anywhere (≥ 2 postings, balanced), balances equal postings, bounds hold,
    // holds consistent, trial balance balanced — through a fresh app pool on the recovered server.
    const report = await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
    const [{ n: releases }] = (await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM journal_entry WHERE tenant_id = $1 AND kind LIKE '%.release'`, [b.tenantId])) as [{ n: number }];
    const unacked = report.entries - acked.length - releases;
    console.log(
      `[crash] ${ackedAtCrash} entries acknowledged when the server was killed at ${crashedAt} ms (${acked.length} in all, ${refusals} refusals); after recovery ${report.entries} entries / ${report.postings} postings / ${report.holds} holds: every acknowledged entry whole, ${releases} hold releases, ${unacked} committed but unacknowledged (in flight at the crash); writers stopped by ${JSON.stringify(stoppedBy)}`,
    );
    expect(report.entries).toBeGreaterThanOrEqual(acked.length);

    // And the recovered ledger takes new postings.
    const after = await withTenantTx(b.tenantId, (tx) => postEntry(tx, b.ctx, walletRecharge(b.channels[1]!, b.wallets[0]!, 1n), { businessDate: D, idempotencyKey: "after-crash" }));
    expect(after.replayed).toBe(false);
  }, 120_000);
});
