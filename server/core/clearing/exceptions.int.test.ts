import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { connectorConfig, setChannelAccountEnabled } from "@/server/core/channels/accounts";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { createProposal, decideProposal, cancelProposal } from "@/server/core/proposals/service";
import { openException } from "@/server/core/payments/exceptions";
import { createPayment } from "@/server/core/payments/service";
import { createUser } from "@/server/core/users/service";
import type { TenantContext } from "@/server/db/tenant-tx";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants, codeOf } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { closeReconciledDay, dayCloseBlockers } from "./day-close";
import { ageBucket, ageDays, assignExceptions, bucketRange, commentOnException, findQueue, getExceptionItem, queueStats, setSla, slaSettings, transitionException } from "./exceptions";
import { importStatement } from "./import";
import { proposeResolution } from "./resolutions";
import { confidence, referenceSimilarity, suggestMatches } from "./suggestions";
import "./proposal-kinds";
import "@/server/core/payments/register";

// The exception queue over real reconciliation: a CUSTODIAL tenant, the WeChat simulator's bills
// with injected differences, and a seeded random sequence of workflow steps and resolutions (made
// by one finance user, approved or rejected by another). After every commit, Σ open items per
// suspense account equals that account's balance.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
let sim: RunningWechatSimulator;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_exceptions");
  sim = await startWechatSimulator({ notifyDelayMs: 60_000, feeRatePpm: 2_000 });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

const addDay = (d: string, n = 1) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("age buckets and suggestions' arithmetic", () => {
  it("buckets by business days and maps a bucket back to its dates", () => {
    expect([0, 3, 4, 7, 8, 30, 31, 400].map(ageBucket)).toEqual(["0-3", "0-3", "4-7", "4-7", "8-30", "8-30", ">30", ">30"]);
    expect(ageDays("2026-11-20", "2026-11-28")).toBe(8);
    expect(bucketRange("4-7", "2026-11-28")).toEqual({ from: "2026-11-21", to: "2026-11-24" });
    expect(bucketRange(">30", "2026-11-28")).toEqual({ from: null, to: "2026-10-28" });
  });

  it("scores a suggestion by time and reference once the amount agrees", () => {
    expect(referenceSimilarity("SY20261127A001", "SY20261127A001")).toBe(1);
    expect(referenceSimilarity("SY20261127A001", "sy20261127a002")).toBeCloseTo(13 / 14);
    expect(referenceSimilarity("ABC", null)).toBe(0);
    expect(confidence({ deltaMs: 0, similarity: 1 })).toBe(1);
    expect(confidence({ deltaMs: 36 * 3_600_000, similarity: 0 })).toBe(0.5);
    expect(confidence({ deltaMs: -60_000, similarity: 0.5 })).toBeGreaterThan(confidence({ deltaMs: 6 * 3_600_000, similarity: 0.5 }));
  });
});

describe("the exception queue", () => {
  it("works differences from open to approved resolutions; Σ open items per suspense account = its balance after every commit; the day closes only when reviewed", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Queue Noodles"))))!;
    const wechat = await t.run(async (tx) => {
      await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: false, custodial: true });
      const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
      await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
      return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
    });
    const [maker, checker, admin] = await t.run(async (tx) => {
      const out: TenantContext[] = [];
      for (const [k, role] of [["maker", "FINANCE"], ["checker", "FINANCE"], ["admin", "ADMIN"]] as const) {
        const u = await createUser(tx, t.ctx, { email: `${k}@${t.slug}.test`, name: k, role, password: "Test-password-1" });
        out.push({ tenantId: t.tenantId, actor: { kind: "USER", userId: u!.id, email: u!.email, role, merchantId: null } });
      }
      return out as [TenantContext, TenantContext, TenantContext];
    });
    const userId = (c: TenantContext) => (c.actor as { userId: string }).userId;

    // Σ open items per direction against each suspense account, and the ledger's own invariants.
    const invariant = async (step: string) => {
      const open = await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, kind: { startsWith: "RECON_" }, status: { in: ["OPEN", "INVESTIGATING", "RESOLUTION_PROPOSED"] } } }));
      const sum = (dir: string) => open.filter((e) => (e.details as { direction?: string }).direction === dir).reduce((s, e) => s + e.amountMinor, 0n);
      const over = (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.overageSuspense))).postedMinor;
      const short = (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.shortageSuspense))).postedMinor;
      expect({ step, over, short }).toEqual({ step, over: sum("OVERAGE"), short: sum("SHORTAGE") });
      // Every open difference has its own suspense entry, not yet reversed; every closed one's is.
      for (const e of open) expect(e.suspenseEntryId, `${step}: ${e.kind}`).not.toBeNull();
      const stats = await t.run((tx) => queueStats(tx, t.ctx));
      expect(stats.overage).toEqual({ balanceMinor: over, openItemsMinor: over });
      expect(stats.shortage).toEqual({ balanceMinor: short, openItemsMinor: short });
      return { over, short, open };
    };

    let n = 0;
    const pay = (amountMinor: bigint) =>
      createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `EQ-${Date.now()}-${++n}`, amountMinor, product: "WECHAT_CODE", elements: { authCode: `13${String(n).padStart(16, "0")}` }, subject: "Queue" });
    const a = await pay(5_000n);
    const f = await pay(8_000n);
    const dropped1 = await pay(1_500n);
    const dropped2 = await pay(2_100n);
    const dropped3 = await pay(3_300n);
    await pay(1_200n);
    const billDate = a.businessDate.toISOString().slice(0, 10);
    const diffs = [
      { kind: "amount", outTradeNo: a.outTradeNo, deltaMinor: 3 },
      { kind: "fee", outTradeNo: f.outTradeNo, deltaMinor: 5 },
      { kind: "extra", amountMinor: 777 },
      // The same amount as dropped3: the line is dropped3 under another reference (a suggested match).
      { kind: "extra", amountMinor: 3_300 },
      { kind: "drop", outTradeNo: dropped1.outTradeNo },
      { kind: "drop", outTradeNo: dropped2.outTradeNo },
      { kind: "drop", outTradeNo: dropped3.outTradeNo },
    ];
    const inject = (date: string, d: unknown[]) => fetch(`${sim.url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate: date, diffs: d }) });
    await inject(billDate, diffs);
    // The later bills have a line each (an empty day has no bill at all).
    await inject(addDay(billDate), [{ kind: "extra", amountMinor: 111 }]);
    await inject(addDay(billDate, 2), [{ kind: "extra", amountMinor: 222 }]);
    const account = await t.run((tx) => connectorConfig(tx, t.ctx, wechat.id));
    const importDay = async (date: string) => {
      const bytes = (await connectorFor("WECHAT").downloadStatement({ account }, { billDate: date, billType: "ALL" })).bytes;
      return importStatement(t.ctx, { channelAccountId: wechat.id, billDate: date, fileName: `bill-${date}.csv`, bytes, source: "UPLOAD" });
    };
    await importDay(billDate);
    let s = await invariant("import day 1");
    expect(s.open.map((e) => e.kind).sort()).toEqual(["RECON_AMOUNT", "RECON_CHANNEL_ONLY", "RECON_CHANNEL_ONLY", "RECON_FEE"]);
    const byKind = (kind: string, amount?: bigint) => s.open.find((e) => e.kind === kind && (amount === undefined || e.amountMinor === amount))!;

    // Created with its history; the queue filters by type, direction and age.
    const amountEx = byKind("RECON_AMOUNT");
    const item = await t.run((tx) => getExceptionItem(tx, t.ctx, amountEx.id));
    expect(item).toMatchObject({ status: "OPEN", direction: "OVERAGE", type: "AMOUNT", ageBucket: "0-3" });
    expect(item.line).toMatchObject({ outTradeNo: a.outTradeNo });
    expect(item.payment).toMatchObject({ id: a.id, amountMinor: 5_000n });
    expect(item.suspense?.lines.map((l) => [l.code.split(":")[0], l.amountMinor])).toEqual([
      ["channel_clearing", 3n],
      ["overage_suspense", -3n],
    ]);
    expect(item.events.map((e) => e.kind)).toEqual(["CREATED"]);
    expect((await t.run((tx) => findQueue(tx, t.ctx, { direction: "SHORTAGE" }))).items.map((e) => e.kind)).toEqual(["RECON_FEE"]);
    expect((await t.run((tx) => findQueue(tx, t.ctx, { type: "CHANNEL_ONLY" }))).items).toHaveLength(2);
    expect((await t.run((tx) => findQueue(tx, t.ctx, { age: ">30" }))).items).toHaveLength(0);
    // Kinds outside transaction reconciliation are filtered by their whole name.
    const settlementEx = await t.run((tx) => openException(tx, t.ctx, { kind: "SETTLEMENT_DIFFERENCE", causeType: "settlement", causeId: "00000000-0000-4000-8000-000000000001", amountMinor: 12n, businessDate: "2026-11-01" }));
    expect((await t.run((tx) => findQueue(tx, t.ctx, { type: "SETTLEMENT_DIFFERENCE" }))).items.map((e) => e.id)).toEqual([settlementEx.id]);
    await t.run((tx) => tx.exception.update({ where: { tenantId_id: { tenantId: t.tenantId, id: settlementEx.id } }, data: { status: "RESOLVED", resolvedAt: new Date(), resolution: "not this test's subject" } }));

    // Illegal transitions are refused with a reason; a person takes it, assigns, comments.
    expect(await codeOf(t.run((tx) => transitionException(tx, maker, amountEx.id, "RESOLVED")))).toBe("ILLEGAL_EXCEPTION_TRANSITION");
    expect(await codeOf(t.run((tx) => transitionException(tx, maker, amountEx.id, "RESOLUTION_PROPOSED")))).toBe("ILLEGAL_EXCEPTION_TRANSITION");
    await t.run((tx) => transitionException(tx, maker, amountEx.id, "INVESTIGATING", "looking at the coupon"));
    expect(await codeOf(t.run((tx) => transitionException(tx, maker, amountEx.id, "OPEN")))).toBe("ILLEGAL_EXCEPTION_TRANSITION");
    expect(await codeOf(t.run((tx) => assignExceptions(tx, maker, [amountEx.id], t.tenantId)))).toBe("ASSIGNEE_INVALID");
    expect(await t.run((tx) => assignExceptions(tx, maker, s.open.map((e) => e.id), userId(maker)))).toEqual({ changed: 4 });
    expect((await t.run((tx) => findQueue(tx, t.ctx, { assigneeId: userId(maker) }))).items).toHaveLength(4);
    await t.run((tx) => commentOnException(tx, maker, amountEx.id, "Asked WeChat for the coupon detail"));
    expect(await codeOf(t.run((tx) => commentOnException(tx, maker, amountEx.id, "   ")))).toBe("COMMENT_INVALID");

    // Accepting the channel's record needs a payment of ours to correct: a line only the channel shows has none.
    const channelOnly = (await t.run((tx) => findQueue(tx, t.ctx, { type: "CHANNEL_ONLY" }))).items[0]!;
    expect(await codeOf(t.run((tx) => proposeResolution(tx, maker, { exceptionId: channelOnly.id, action: "ACCEPT_CHANNEL", note: "channel right", reason: "channel right" })))).toBe("RESOLUTION_NOT_APPLICABLE");
    // Accept ours with evidence: proposed, rejected (back to investigating), proposed again, approved.
    const p1 = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: amountEx.id, action: "ACCEPT_OURS", note: "ours stands", evidence: "Receipt shows 50.00", attachmentRef: "ticket-42", reason: "Our amount is right" }));
    expect((await t.run((tx) => getExceptionItem(tx, t.ctx, amountEx.id))).status).toBe("RESOLUTION_PROPOSED");
    expect((await t.run((tx) => dayCloseBlockers(tx, t.ctx, billDate))).map((b) => [b.code, b.count])).toEqual([
      ["DIFFERENCES_UNREVIEWED", 3],
      ["RESOLUTIONS_PENDING", 1],
    ]);
    expect(await codeOf(t.run((tx) => proposeResolution(tx, maker, { exceptionId: amountEx.id, action: "WRITE_OFF", note: "twice", reason: "twice" })))).toBe("EXCEPTION_RESOLUTION_PENDING");
    expect(await codeOf(t.run((tx) => decideProposal(tx, maker, { id: p1.id, decision: "APPROVE" })))).toBe("SELF_APPROVAL");
    await t.run((tx) => decideProposal(tx, checker, { id: p1.id, decision: "REJECT", note: "attach the receipt" }));
    expect((await t.run((tx) => getExceptionItem(tx, t.ctx, amountEx.id))).status).toBe("INVESTIGATING");
    await invariant("rejected");
    const p2 = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: amountEx.id, action: "ACCEPT_OURS", note: "ours stands", evidence: "Receipt shows 50.00", attachmentRef: "ticket-42", reason: "Our amount is right, receipt attached" }));
    await t.run((tx) => decideProposal(tx, checker, { id: p2.id, decision: "APPROVE" }));
    s = await invariant("accept ours");
    const done = await t.run((tx) => getExceptionItem(tx, t.ctx, amountEx.id));
    expect(done.status).toBe("RESOLVED");
    expect(done.suspense?.releasedBy).not.toBeNull();
    expect(done.events.map((e) => e.kind)).toEqual(["CREATED", "STATUS", "ASSIGN", "COMMENT", "PROPOSED", "DECLINED", "PROPOSED", "RESOLVED"]);
    expect(done.events.every((e) => e.actor && e.createdAt)).toBe(true);

    // The day cannot close while differences are unreviewed; the message lists what blocks it.
    const later = new Date(Date.parse(`${addDay(billDate, 5)}T04:00:00Z`));
    const blocked = await t.run((tx) => closeReconciledDay(tx, checker, billDate, later)).then(
      () => "closed",
      (e: Error) => e.message,
    );
    expect(blocked).toMatch(/cannot be closed: 3 difference\(s\) dated .* not yet reviewed/);

    // A channel-only line that is one of our dropped payments under another reference: suggested, matched in one step.
    const extra3300 = byKind("RECON_CHANNEL_ONLY", 3_300n);
    const suggestions = await t.run((tx) => suggestMatches(tx, t.ctx, extra3300.id));
    expect(suggestions[0]).toMatchObject({ paymentId: dropped3.id, amountMinor: 3_300n });
    expect(suggestions[0]!.confidence).toBeGreaterThanOrEqual(0.5);
    expect(suggestions.every((x) => x.amountMinor === 3_300n)).toBe(true);
    expect(await codeOf(t.run((tx) => proposeResolution(tx, maker, { exceptionId: extra3300.id, action: "MATCH", paymentId: a.id, note: "match", reason: "wrong amount" })))).toBe("MATCH_AMOUNT_DIFFERS");
    const pm = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: extra3300.id, action: "MATCH", paymentId: dropped3.id, note: "same trade", reason: "Suggested match" }));
    await t.run((tx) => decideProposal(tx, checker, { id: pm.id, decision: "APPROVE" }));
    s = await invariant("match");
    expect(await t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, paymentId: dropped3.id, diffType: "PLATFORM_ONLY" } }))).toMatchObject({ outcome: "RELEASED" });

    // The next day's bill lacks the other two dropped payments: 短款 PLATFORM_ONLY, posted then.
    await importDay(addDay(billDate));
    s = await invariant("import day 2");
    const platformOnly = s.open.filter((e) => e.kind === "RECON_PLATFORM_ONLY").sort((x, y) => Number(x.amountMinor - y.amountMinor));
    expect(platformOnly.map((e) => e.amountMinor)).toEqual([1_500n, 2_100n]);
    const [d1, d2] = platformOnly as [(typeof platformOnly)[0], (typeof platformOnly)[0]];

    // Accept the channel's record: our payment never happened → CLOSED (CORRECTED_BY_RECON), its entries and the suspense reversed.
    const pc = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: d1.id, action: "ACCEPT_CHANNEL", note: "never paid", reason: "The channel has no such trade" }));
    await t.run((tx) => decideProposal(tx, checker, { id: pc.id, decision: "APPROVE" }));
    s = await invariant("accept channel");
    expect(await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: dropped1.id }, select: { status: true, failureCode: true } }))).toEqual({ status: "CLOSED", failureCode: "CORRECTED_BY_RECON" });

    // Accept the channel's fee: no state change. The payment's cost and margin become the channel's,
    // the 短款 is released and the 5 fen of extra cost is booked against clearing (fee at source):
    // clearing ends where the shortage had put it, channel cost is 5 fen higher.
    const feeEx = (await t.run((tx) => findQueue(tx, t.ctx, { type: "FEE" }))).items[0]!;
    const costOf = () => t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: f.id }, select: { feeMinor: true, costMinor: true, marginMinor: true } }));
    const balanceOf = async (ref: Parameters<typeof getBalanceByRef>[2]) => (await t.run((tx) => getBalanceByRef(tx, t.ctx, ref))).postedMinor;
    const [paidBefore, costBefore, clearingBefore] = [await costOf(), await balanceOf(accounts.channelCost), await balanceOf(accounts.clearing(wechat.id))];
    const pfee = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: feeEx.id, action: "ACCEPT_CHANNEL", note: "WeChat's fee stands", reason: "Fee schedule changed at the channel" }));
    await t.run((tx) => decideProposal(tx, checker, { id: pfee.id, decision: "APPROVE" }));
    s = await invariant("accept channel fee");
    expect(await costOf()).toEqual({ feeMinor: paidBefore.feeMinor, costMinor: paidBefore.costMinor + 5n, marginMinor: paidBefore.feeMinor - paidBefore.costMinor - 5n });
    expect(await balanceOf(accounts.channelCost)).toBe(costBefore + 5n);
    expect(await balanceOf(accounts.clearing(wechat.id))).toBe(clearingBefore);
    const feeDone = await t.run((tx) => getExceptionItem(tx, t.ctx, feeEx.id));
    expect(feeDone.status).toBe("RESOLVED");
    expect(feeDone.resolution).toMatch(/Channel's fee accepted/);
    expect(await t.run((tx) => tx.paymentTransition.count({ where: { tenantId: t.tenantId, paymentId: f.id, cause: "CORRECTED_BY_RECON" } }))).toBe(0);

    // Wait for a later file: back in the pool; the next bill still lacks it, so it is raised again (reopened, posted again).
    const pw = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: d2.id, action: "WAIT", note: "WeChat says tomorrow", reason: "Wait for the next bill" }));
    await t.run((tx) => decideProposal(tx, checker, { id: pw.id, decision: "APPROVE" }));
    s = await invariant("wait");
    expect(s.open.find((e) => e.id === d2.id)).toBeUndefined();
    // Pool until today's business date: a bill dated after it expires it again.
    const today = (await t.run((tx) => queueStats(tx, t.ctx))).today;
    expect(today).toBe(billDate);
    await importDay(addDay(billDate, 2));
    s = await invariant("re-raised");
    const reopened = await t.run((tx) => getExceptionItem(tx, t.ctx, d2.id));
    expect(reopened.status).toBe("OPEN");
    expect(reopened.events.map((e) => e.kind)).toContain("REOPENED");

    // A seeded random sequence over what is left: take, propose a random resolution, approve or reject or withdraw.
    const random = rng(20261128);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    let steps = 0;
    for (let step = 0; step < 24; step++) {
      const open = (await t.run((tx) => findQueue(tx, t.ctx, { type: undefined }))).items.filter((e) => e.kind.startsWith("RECON_"));
      if (!open.length) break;
      const e = pick(open);
      if (e.status === "OPEN" && random() < 0.5) {
        await t.run((tx) => transitionException(tx, maker, e.id, "INVESTIGATING"));
      } else if (e.status !== "RESOLUTION_PROPOSED") {
        const action = pick(["ACCEPT_OURS", "WRITE_OFF", "WAIT", "ACCEPT_CHANNEL"] as const);
        const input =
          action === "ACCEPT_OURS"
            ? { exceptionId: e.id, action, note: `step ${step}`, evidence: "channel ticket", reason: `step ${step}` }
            : { exceptionId: e.id, action, note: `step ${step}`, reason: `step ${step}` };
        await codeOf(t.run((tx) => proposeResolution(tx, maker, input as never)));
      } else {
        const decide = random();
        if (decide < 0.2) await t.run((tx) => cancelProposal(tx, maker, e.proposalId!));
        else await codeOf(t.run((tx) => decideProposal(tx, decide < 0.45 ? checker : admin, { id: e.proposalId!, decision: decide < 0.45 ? "REJECT" : "APPROVE" })));
      }
      await invariant(`random step ${step}`);
      steps++;
    }

    expect(steps).toBeGreaterThan(5);
    const closedByRandom = await t.run((tx) => tx.exceptionEvent.count({ where: { tenantId: t.tenantId, kind: { in: ["RESOLVED", "DECLINED"] } } }));
    expect(closedByRandom).toBeGreaterThan(4);

    // Write-offs: a shortage to loss, an overage to unclaimed funds (never to loss).
    const left = (await t.run((tx) => findQueue(tx, t.ctx, {}))).items.filter((e) => e.kind.startsWith("RECON_"));
    const lossBefore = (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.writeOffLoss))).postedMinor;
    const unclaimedBefore = (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.unclaimedFunds))).postedMinor;
    let lossExpected = 0n;
    let unclaimedExpected = 0n;
    for (const e of left) {
      if (e.status === "RESOLUTION_PROPOSED") await t.run((tx) => cancelProposal(tx, maker, e.proposalId!));
      const p = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: e.id, action: "WRITE_OFF", note: "closing out", reason: "Not recoverable" }));
      await t.run((tx) => decideProposal(tx, admin, { id: p.id, decision: "APPROVE" }));
      if (e.direction === "SHORTAGE") lossExpected += e.amountMinor;
      else unclaimedExpected += e.amountMinor;
      await invariant(`write-off ${e.kind}`);
      expect((await t.run((tx) => getExceptionItem(tx, t.ctx, e.id))).status).toBe("WRITTEN_OFF");
    }
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.writeOffLoss))).postedMinor - lossBefore).toBe(lossExpected);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.unclaimedFunds))).postedMinor - unclaimedBefore).toBe(unclaimedExpected);
    s = await invariant("all closed");
    expect([s.over, s.short]).toEqual([0n, 0n]);

    // Now the day closes.
    expect(await t.run((tx) => dayCloseBlockers(tx, t.ctx, billDate))).toEqual([]);
    expect(await t.run((tx) => closeReconciledDay(tx, checker, billDate, later))).toMatchObject({ businessDate: billDate, status: "CLOSED" });
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("DIRECT: differences are worked the same way but hold no suspense and post nothing; the channel's fee accepted moves the margin (分润)", async () => {
    const direct = await startWechatSimulator({ notifyDelayMs: 60_000, feeRatePpm: 2_000 });
    try {
      const t = await makeTenant({ mode: "DIRECT" });
      const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Direct Noodles"))))!;
      const wechat = await t.run(async (tx) => {
        await seedSimulatorChannels(tx, t.ctx, { WECHAT: direct.url }, { zh: false, custodial: false });
        const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
        await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
        return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
      });
      const [maker, checker] = await t.run(async (tx) => {
        const out: TenantContext[] = [];
        for (const k of ["dm", "dc"]) {
          const u = await createUser(tx, t.ctx, { email: `${k}@${t.slug}.test`, name: k, role: "FINANCE", password: "Test-password-1" });
          out.push({ tenantId: t.tenantId, actor: { kind: "USER", userId: u!.id, email: u!.email, role: "FINANCE", merchantId: null } });
        }
        return out as [TenantContext, TenantContext];
      });
      const p = await createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `DQ-${Date.now()}`, amountMinor: 90_000n, product: "WECHAT_CODE", elements: { authCode: "139999999999999999" }, subject: "Direct" });
      const billDate = p.businessDate.toISOString().slice(0, 10);
      await fetch(`${direct.url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate, diffs: [{ kind: "extra", amountMinor: 450 }, { kind: "fee", outTradeNo: p.outTradeNo, deltaMinor: 3 }] }) });
      const account = await t.run((tx) => connectorConfig(tx, t.ctx, wechat.id));
      const bytes = (await connectorFor("WECHAT").downloadStatement({ account }, { billDate, billType: "ALL" })).bytes;
      await importStatement(t.ctx, { channelAccountId: wechat.id, billDate, fileName: "direct.csv", bytes, source: "UPLOAD" });
      const queue = (await t.run((tx) => findQueue(tx, t.ctx, {}))).items;
      const e = queue.find((x) => x.kind === "RECON_CHANNEL_ONLY");
      expect(e).toMatchObject({ kind: "RECON_CHANNEL_ONLY", direction: "OVERAGE", amountMinor: 450n, suspenseEntryId: null });
      const entries = async () => t.run((tx) => tx.journalEntry.count({ where: { tenantId: t.tenantId } }));
      const before = await entries();
      const proposal = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: e!.id, action: "WRITE_OFF", note: "not ours", reason: "Unknown trade" }));
      await t.run((tx) => decideProposal(tx, checker, { id: proposal.id, decision: "APPROVE" }));
      expect((await t.run((tx) => getExceptionItem(tx, t.ctx, e!.id))).status).toBe("WRITTEN_OFF");
      expect(await entries()).toBe(before);
      expect((await t.run((tx) => queueStats(tx, t.ctx))).custodial).toBe(false);

      // The channel charged 3 fen more than our cost: accepted, the payment's margin drops by 3 and
      // the margin receivable (分润 from the acquirer) follows, by what was booked (never below 0).
      const feeEx = queue.find((x) => x.kind === "RECON_FEE")!;
      expect(feeEx).toMatchObject({ direction: "SHORTAGE", amountMinor: 3n, suspenseEntryId: null });
      const paid = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id }, select: { feeMinor: true, costMinor: true, marginMinor: true } }));
      expect(paid.marginMinor).toBeGreaterThan(3n); // so the receivable really moves by 3
      const receivable = async () => (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.marginReceivable))).postedMinor;
      const receivableBefore = await receivable();
      const pf = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: feeEx.id, action: "ACCEPT_CHANNEL", note: "fee stands", reason: "The acquirer's fee" }));
      await t.run((tx) => decideProposal(tx, checker, { id: pf.id, decision: "APPROVE" }));
      const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id }, select: { costMinor: true, marginMinor: true } }));
      expect(after).toEqual({ costMinor: paid.costMinor + 3n, marginMinor: paid.marginMinor - 3n });
      const clamp = (x: bigint) => (x > 0n ? x : 0n);
      expect(await receivable()).toBe(receivableBefore + clamp(after.marginMinor) - clamp(paid.marginMinor));
      expect((await t.run((tx) => getExceptionItem(tx, t.ctx, feeEx.id))).status).toBe("RESOLVED");
    } finally {
      await direct.close();
    }
  });

  it("SLA is per kind and tenant-configurable; a day with nothing to reconcile is not blocked; an unknown difference cannot be resolved", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const policy = await t.run((tx) => setSla(tx, t.ctx, { kind: "RECON_AMOUNT", hours: 4 }));
    expect(policy.RECON_AMOUNT).toBe(4);
    expect(policy.RECON_FEE).toBe(120);
    expect(await codeOf(t.run((tx) => setSla(tx, t.ctx, { kind: "RECON_AMOUNT", hours: 0 })))).toBe("SLA_HOURS_INVALID");
    expect(await codeOf(t.run((tx) => setSla(tx, t.ctx, { kind: "RECON_NONSENSE", hours: 5 })))).toBe("SLA_KIND_INVALID");
    expect((await t.run((tx) => slaSettings(tx, t.ctx))).filter((r) => r.custom)).toEqual([{ kind: "RECON_AMOUNT", hours: 4, defaultHours: 48, custom: true }]);
    expect((await t.run((tx) => setSla(tx, t.ctx, { kind: "RECON_AMOUNT", hours: null }))).RECON_AMOUNT).toBe(48);
    expect((await t.run((tx) => slaSettings(tx, t.ctx))).some((r) => r.custom)).toBe(false);
    // Each change is audited with before and after; setting the same value again is not a change.
    await t.run((tx) => setSla(tx, t.ctx, { kind: "RECON_AMOUNT", hours: null }));
    const audits = await ownerQuery(db.url, `SELECT before, after FROM audit_log WHERE tenant_id = $1 AND action = 'exception.sla' ORDER BY created_at`, [t.tenantId]);
    expect(audits).toEqual([
      { before: { hours: null }, after: { hours: 4 } },
      { before: { hours: 4 }, after: { hours: null } },
    ]);
    // A day with nothing to reconcile closes as before.
    expect(await t.run((tx) => dayCloseBlockers(tx, t.ctx, "2026-01-05"))).toEqual([]);
    expect(await codeOf(t.run((tx) => createProposal(tx, t.ctx, { kind: "recon.resolve", reason: "bad", payload: { exceptionId: t.tenantId, action: "WAIT", note: "xyz" } })))).toBe("NOT_FOUND");
  });
});
