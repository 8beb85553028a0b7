import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { checkLedgerInvariants, custodialBook, deadlocksOf, outcomeOf, type CustodialBook } from "@/server/testing/ledger";
import { closeAppPool } from "@/server/db/pool";
import { disconnectPrisma } from "@/server/db/client";
import { withTenantTx, type Tx } from "@/server/db/tenant-tx";
import { openMerchantAccounts, openWalletAccount, postEntries, postEntry, releaseSuspense } from "./service";
import { accounts, overage, paymentFeeAtSource, shortage, walletRecharge, walletTransfer, type EntryDraft } from "./templates";

// Deadlock freedom at 16 connections, measured by pg_stat_database.deadlocks of the test database
// (read after every app connection has closed, so each backend has flushed its statistics) and by
// every call succeeding (withTenantTx does not retry, so a deadlock victim surfaces as 40P01).

process.env.DATABASE_POOL_SIZE = "20";

let db: TestDatabase;
let b: CustodialBook;
beforeAll(async () => {
  db = await createTestDatabase("ledger_deadlock");
  b = await custodialBook({ merchants: 2, channels: 2, wallets: 2 });
});
afterAll(async () => db?.drop());

const D = "2026-11-27";
const run = <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(b.tenantId, fn);
const post = (d: EntryDraft, idempotencyKey: string) => run((tx) => postEntry(tx, b.ctx, d, { businessDate: D, idempotencyKey }));

async function freshWallet(fund: bigint): Promise<string> {
  const w = randomUUID();
  await run((tx) => openWalletAccount(tx, b.ctx, w));
  if (fund > 0n) await post(walletRecharge(b.channels[0]!, w, fund), `fund-${w}`);
  return w;
}

describe("no deadlocks at 16 connections", () => {
  const C = 16;

  async function flushedDeadlocks(): Promise<number> {
    // Backends flush their statistics when they exit: close every app connection first.
    await disconnectPrisma();
    await closeAppPool();
    await new Promise((r) => setTimeout(r, 700));
    return deadlocksOf(db.url, db.name);
  }

  it("opposite-direction wallet transfers (A→B and B→A) and payments on hot accounts", async () => {
    const a = await freshWallet(10_000_000n);
    const c = await freshWallet(10_000_000n);
    const before = await flushedDeadlocks();
    const started = Date.now();
    const failures: string[] = [];
    let done = 0;
    await Promise.all(
      Array.from({ length: C }, async (_, i) => {
        for (let j = 0; j < 15; j++) {
          const d =
            j % 3 === 2
              ? paymentFeeAtSource({ merchantId: b.merchants[(i + j) % 2]!, channelAccountId: b.channels[j % 2]!, amountMinor: 1000n + BigInt(j), feeMinor: 4n, costMinor: 2n })
              : (i + j) % 2 === 0
                ? walletTransfer(a, c, 1n + BigInt(j))
                : walletTransfer(c, a, 1n + BigInt(j));
          const r = await outcomeOf(post(d, `dl-${i}-${j}-${a}`));
          if (r.ok) done++;
          else failures.push(r.code);
        }
      }),
    );
    const ms = Date.now() - started;
    const after = await flushedDeadlocks();
    console.log(`[deadlock] opposite transfers: ${done} entries on ${C} connections in ${ms} ms; deadlocks ${before} → ${after}`);
    expect(failures).toEqual([]);
    expect(after).toBe(before);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("concurrent postEntries batches over overlapping accounts, new balance rows and hot slots", async () => {
    const before = await flushedDeadlocks();
    const started = Date.now();
    const failures: string[] = [];
    let entries = 0;
    for (let round = 0; round < 4; round++) {
      // Fresh merchants and wallets every round: their balance rows do not exist yet, so the 16
      // batches race to create them (INSERT … ON CONFLICT) as well as to lock them.
      const ms = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const ws = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await run(async (tx) => {
        for (const m of ms) await openMerchantAccounts(tx, b.ctx, m);
        for (const w of ws) await openWalletAccount(tx, b.ctx, w);
      });
      await Promise.all(
        Array.from({ length: C }, async (_, i) => {
          // Each batch touches the accounts in a different order (rotated by connection and round).
          const items = Array.from({ length: 8 }, (_, j) => {
            const k = (i + round + j) % 8;
            const draft =
              k < 4
                ? paymentFeeAtSource({ merchantId: ms[(i + j) % 4]!, channelAccountId: b.channels[(i + k) % 2]!, amountMinor: 500n + BigInt(k), feeMinor: 2n, costMinor: 1n })
                : walletRecharge(b.channels[(j + round) % 2]!, ws[(3 * i + j) % 4]!, 100n + BigInt(k));
            return { draft, opts: { businessDate: D, idempotencyKey: `batch-${round}-${i}-${j}` } };
          });
          // Reverse the item order on odd connections, so the per-entry order is opposite too.
          if (i % 2) items.reverse();
          const r = await outcomeOf(run((tx) => postEntries(tx, b.ctx, items)));
          if (r.ok) entries += r.value.length;
          else failures.push(r.code);
        }),
      );
    }
    const elapsed = Date.now() - started;
    const after = await flushedDeadlocks();
    console.log(`[deadlock] batches: ${entries} entries in ${C * 4} batches on ${C} connections in ${elapsed} ms; deadlocks ${before} → ${after}; failures ${JSON.stringify(failures)}`);
    expect(failures).toEqual([]);
    expect(entries).toBe(C * 4 * 8);
    expect(after).toBe(before);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("two entries per transaction that share only hot accounts do not deadlock", async () => {
    const ms = Array.from({ length: 8 }, () => randomUUID());
    await run(async (tx) => {
      for (const m of ms) await openMerchantAccounts(tx, b.ctx, m);
    });
    const before = await flushedDeadlocks();
    const failures: string[] = [];
    await Promise.all(
      ms.map(async (m, i) => {
        for (let j = 0; j < 6; j++) {
          const r = await outcomeOf(
            run(async (tx) => {
              for (let k = 0; k < 2; k++) {
                await postEntry(tx, b.ctx, paymentFeeAtSource({ merchantId: m, channelAccountId: b.channels[0]!, amountMinor: 1000n, feeMinor: 4n, costMinor: 2n }), { businessDate: D, idempotencyKey: `hot2-${i}-${j}-${k}` });
              }
            }),
          );
          if (!r.ok) failures.push(r.code);
        }
      }),
    );
    const after = await flushedDeadlocks();
    console.log(`[deadlock] two entries per tx on hot accounts: failures ${JSON.stringify(failures)}; deadlocks ${before} → ${after}`);
    expect(failures).toEqual([]);
    expect(after).toBe(before);
  });

  it("suspense releases (reversal + normal entry in one transaction) running concurrently do not deadlock", async () => {
    const ch = b.channels[1]!;
    const n = 12;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const d = i % 2 ? overage(accounts.clearing(ch), 5n) : shortage(accounts.clearing(ch), 5n);
      ids.push((await post(d, `susp-${i}-${randomUUID()}`)).entryId);
    }
    const before = await flushedDeadlocks();
    const failures: string[] = [];
    await Promise.all(
      ids.map(async (id, i) => {
        const r = await outcomeOf(
          run((tx) =>
            releaseSuspense(tx, b.ctx, {
              suspenseEntryId: id,
              normal: i % 2 ? shortage(accounts.customerFundsBank, 5n) : overage(accounts.customerFundsBank, 5n),
              businessDate: D,
              idempotencyKey: `rel-${id}`,
            }),
          ),
        );
        if (!r.ok) failures.push(r.code);
      }),
    );
    const after = await flushedDeadlocks();
    console.log(`[deadlock] concurrent suspense releases: failures ${JSON.stringify(failures)}; deadlocks ${before} → ${after}`);
    expect(failures).toEqual([]);
    expect(after).toBe(before);
  });
});
