import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxNotificationSignature, SANDBOX_SIGNATURE_HEADER } from "@/server/channels/sandbox/connector";
import { configureChannelAccount } from "@/server/core/channels/accounts";
import { receiveNotification } from "@/server/core/channels/notify";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { queryDuePayments } from "./query-job";
import { createRefund } from "./refunds";
import "./register";
import { createPayment, queryPayment, reversePayment, type PaymentView } from "./service";

// A model-based test of the payment application: fast-check's scheduler starts creates, channel
// notifications (successes, failures, closes; duplicates; in any order, before or after the
// channel's own answer), queries, reversals and refunds of a few payments in an interleaving it
// chooses, all running concurrently against the real database and the sandbox channel. Afterwards
// the background work is let run out (queries, the outbox), and then:
//
//   - every recorded transition is a legal one, and a final state was only ever left by LATE_SUCCESS;
//   - refunds not failed never exceed what was captured, and the payment's refunded total is its
//     succeeded refunds;
//   - a success the channel reported is never lost: the payment is SUCCEEDED, and when it had
//     been FAILED or CLOSED the late success is flagged with its exception;
//   - the ledger matches the final states exactly (the merchant's payable, its holds, fee income),
//     and the ledger's own invariants hold.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("payments_model");
});
afterAll(async () => db?.drop());

const SECRET = "model-secret";
const PAYMENTS = 3;
/** Sandbox payment rules by the last two fen digits: 00 succeeds, 01 declines, 02 user paying (2nd query), 03 unknown (1st query). */
const kindArb = fc.constantFrom(0n, 1n, 2n, 3n);

type Cmd =
  | { t: "notify"; i: number; status: "SUCCEEDED" | "FAILED" | "CLOSED"; dup: boolean }
  | { t: "query"; i: number }
  | { t: "reverse"; i: number }
  | { t: "refund"; i: number; amt: bigint };

const payIdx = fc.nat({ max: PAYMENTS - 1 });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("notify" as const), i: payIdx, status: fc.constantFrom("SUCCEEDED" as const, "FAILED" as const, "CLOSED" as const), dup: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("query" as const), i: payIdx }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant("reverse" as const), i: payIdx }), weight: 2 },
  // Refund amounts by the sandbox's refund rules: …01 declined, …02 processing, …04 abnormal, else succeeded.
  { arbitrary: fc.record({ t: fc.constant("refund" as const), i: payIdx, amt: fc.bigInt({ min: 100n, max: 4_000n }) }), weight: 3 },
);

const STATUS_MOVES = new Set(["PROCESSING>SUCCEEDED", "PROCESSING>FAILED", "PROCESSING>CLOSED"]);
const MOVE_CAUSES = new Set(["CHANNEL_RESPONSE", "QUERY", "NOTIFICATION", "REVERSE", "CLOSE"]);

describe("the payment application under interleavings (fast-check scheduler)", () => {
  it("no illegal transition, refunds within captured, late successes surface, the ledger matches the final states", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(kindArb, { minLength: PAYMENTS, maxLength: PAYMENTS }), fc.array(cmdArb, { minLength: 4, maxLength: 14 }), async (s, kinds, cmds) => {
        const t = await makeTenant({ mode: "CUSTODIAL" });
        const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Model Noodles"))))!;
        const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } }));
        await t.run((tx) => configureChannelAccount(tx, t.ctx, { id: sandbox.id, params: {}, credentials: { notifySecret: SECRET } }));

        const successNotified = new Set<number>();
        const created: Array<Promise<PaymentView>> = [];
        const started: Array<Promise<unknown>> = [];
        // Each payment's creation is one scheduled step; commands on it wait for it to exist.
        for (let i = 0; i < PAYMENTS; i++) {
          const amountMinor = 10_000n + kinds[i]!;
          const p = s.schedule(Promise.resolve(`create ${i}`)).then(() =>
            createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `MODEL-${i}-${Date.now()}`, amountMinor, product: "WECHAT_FACE", elements: { faceCode: "FACE-1" }, deviceId: "DEV-1", subject: "Model" }),
          );
          created.push(p);
          started.push(p);
        }
        let n = 0;
        for (const c of cmds) {
          const k = ++n;
          started.push(
            s.schedule(Promise.resolve(`${c.t} ${c.i}`)).then(async () => {
              const p = await created[c.i]!;
              switch (c.t) {
                case "notify": {
                  const body = JSON.stringify({ eventId: c.dup ? `ev-${c.i}-${c.status}` : `ev-${c.i}-${c.status}-${k}`, kind: "PAYMENT", outTradeNo: p.outTradeNo, status: c.status, amountMinor: Number(p.amountMinor) });
                  const ack = await receiveNotification("sandbox", sandbox.id, { headers: { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(body, SECRET) }, body, receivedAt: new Date() });
                  if (ack.accepted && c.status === "SUCCEEDED") successNotified.add(c.i);
                  return;
                }
                case "query":
                  await queryPayment(t.ctx, p.id);
                  return;
                case "reverse":
                  await reversePayment(t.ctx, p.id, "QUERY_WINDOW");
                  return;
                case "refund":
                  // Refusals (not refundable yet, more than is left) are expected; they must write nothing.
                  await createRefund(t.ctx, { paymentId: p.id, merchantRefundNo: `MR-${c.i}-${k}`, amountMinor: c.amt, reason: "model", origin: "API" }).catch((e: unknown) => {
                    const code = (e as { code?: string }).code;
                    if (code !== "PAYMENT_NOT_REFUNDABLE" && code !== "REFUND_EXCEEDS_CAPTURED") throw e;
                  });
                  return;
              }
            }),
          );
        }
        await s.waitAll();
        await Promise.all(started);

        // Let the background work run out: queries (payments and refunds) and the outbox (automatic refunds).
        for (let round = 0; round < 3; round++) {
          await queryDuePayments(t.ctx, new Date(Date.now() + 3_600_000));
          await drainOutboxOnce(100);
        }

        const payments = await t.run((tx) => tx.payment.findMany({ where: { tenantId: t.tenantId }, include: { transitions: true, refunds: true } }));
        expect(payments).toHaveLength(PAYMENTS);
        let pendingPosted = 0n;
        let held = 0n;
        let fees = 0n;
        for (const [i, p] of payments.sort((a, b) => a.merchantOrderNo.localeCompare(b.merchantOrderNo)).entries()) {
          const moves = p.transitions.filter((x) => x.fromStatus !== x.toStatus);
          for (const x of moves) {
            const move = `${x.fromStatus}>${x.toStatus}`;
            const legal =
              (x.fromStatus === null && x.toStatus === "PROCESSING" && x.cause === "CREATED") ||
              (STATUS_MOVES.has(move) && MOVE_CAUSES.has(x.cause)) ||
              ((x.fromStatus === "FAILED" || x.fromStatus === "CLOSED") && x.toStatus === "SUCCEEDED" && x.cause === "LATE_SUCCESS");
            expect(legal, `${p.merchantOrderNo}: ${move} by ${x.cause}`).toBe(true);
          }
          // At most: created, one final state, one late success; the state is where the last move went.
          expect(moves.length).toBeLessThanOrEqual(3);
          const late = moves.some((x) => x.cause === "LATE_SUCCESS");
          expect(p.lateSuccess).toBe(late);
          if (late) {
            expect(p.status).toBe("SUCCEEDED");
            expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "LATE_SUCCESS", causeId: p.id } }))).toBe(1);
          }
          if (successNotified.has(i)) expect(p.status, `${p.merchantOrderNo} was notified as paid`).toBe("SUCCEEDED");

          const live = p.refunds.filter((r) => r.status !== "FAILED" && r.status !== "CLOSED");
          expect(live.reduce((sum, r) => sum + r.amountMinor, 0n)).toBeLessThanOrEqual(p.amountMinor);
          const done = p.refunds.filter((r) => r.status === "SUCCEEDED");
          expect(p.refundedMinor).toBe(done.reduce((sum, r) => sum + r.amountMinor, 0n));
          if (p.status !== "SUCCEEDED") expect(p.refunds.filter((r) => r.status === "SUCCEEDED")).toEqual([]);

          if (p.status === "SUCCEEDED") {
            pendingPosted += p.amountMinor - p.feeMinor;
            fees += p.feeMinor;
          }
          for (const r of done) {
            pendingPosted -= r.amountMinor - r.feeReturnedMinor;
            fees -= r.feeReturnedMinor;
          }
          for (const r of p.refunds.filter((x) => x.status === "PROCESSING" || x.status === "ABNORMAL")) held += r.amountMinor - r.feeReturnedMinor;
        }
        const pending = await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.merchantPending(m.id)));
        expect(pending.postedMinor).toBe(pendingPosted);
        expect(pending.availableMinor).toBe(pendingPosted - held);
        expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.feeIncome))).postedMinor).toBe(fees);
        await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
      }),
      { numRuns: 30, endOnFailure: true },
    );
  });
});
