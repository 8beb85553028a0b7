import { describe, expect, it } from "vitest";
import { dryRun, historyItemFromStored, type HistoryItem } from "./dry-run";
import { route } from "./engine";
import { toJson } from "./schema";
import { account, config, M1, M2, registration, request, rule, ruleSet } from "./test-fixtures";
import type { RoutingConfig } from "./types";

// a1: priority 1, cost 0.3%; a2: priority 2, cost 0.2%, daily cap 250.00 yuan. Fee 0.38% (fixtures).
const current: RoutingConfig = config({
  accounts: [account("a1", { priority: 1, cost: { feeRatePpm: 3000 } }), account("a2", { priority: 2, cost: { feeRatePpm: 2000 }, dailyAmountCapMinor: 25_000n })],
  registrations: [registration("r1", M1, "a1"), registration("r2", M1, "a2"), registration("r3", M2, "a1"), registration("r4", M2, "a2")],
});
const forceA2: RoutingConfig = {
  ...current,
  version: "v2",
  ruleSet: ruleSet({ version: 2, rules: [rule("to-a2", { name: "M1 to a2", targetChannelAccountIds: ["a2"], conditions: { merchantIds: [M1] } })] }),
};

/** One payment of `amount` that actually went to a1, with a1's and a2's totals as they stood. */
function item(id: string, at: string, amount: bigint, a1Today: bigint, over: Partial<HistoryItem> = {}): HistoryItem {
  return {
    id,
    request: request({ amountMinor: amount, at: new Date(at) }),
    accounts: { a1: { todayAmountMinor: a1Today, todayCount: 0 }, a2: { todayAmountMinor: 0n, todayCount: 0 } },
    actual: { channelAccountId: "a1", amountMinor: amount, succeeded: true },
    ...over,
  };
}

describe("dryRun", () => {
  it("reports nothing changed when both configurations are the same", () => {
    const r = dryRun([item("h1", "2026-11-27T02:00:00Z", 10_000n, 0n)], current, current);
    expect(r.overall).toMatchObject({ requests: 1, changedChoice: 0, newlyNoRoute: 0, newlyRouted: 0 });
    expect(r.overall.total.delta).toEqual({ count: 0, amountMinor: 0n, costMinor: 0n, marginMinor: 0n });
    expect(r.byRule).toEqual([]);
  });

  it("moves volume, cost and margin per account and per rule, filling caps as it goes, per business day", () => {
    // Beijing 10:00, 11:00, 12:00 on the 27th, then 09:00 on the 28th; each 100.00 yuan, all to a1 in reality.
    const history = [
      item("h1", "2026-11-27T02:00:00Z", 10_000n, 0n),
      item("h2", "2026-11-27T03:00:00Z", 10_000n, 10_000n),
      item("h3", "2026-11-27T04:00:00Z", 10_000n, 20_000n),
      item("h4", "2026-11-28T01:00:00Z", 10_000n, 0n),
    ];
    const r = dryRun(history, current, forceA2);
    // Proposed: h1, h2 → a2 (20000 of its 25000 cap), h3 would make 30000 → a1; next day h4 → a2 again.
    const a1 = r.overall.accounts.find((a) => a.channelAccountId === "a1");
    const a2 = r.overall.accounts.find((a) => a.channelAccountId === "a2");
    // Each payment: fee 38; cost a1 30 (0.3%), a2 20 (0.2%); margin a1 8, a2 18.
    expect(a1).toEqual({
      channelAccountId: "a1",
      current: { count: 4, amountMinor: 40_000n, costMinor: 120n, marginMinor: 32n },
      proposed: { count: 1, amountMinor: 10_000n, costMinor: 30n, marginMinor: 8n },
      delta: { count: -3, amountMinor: -30_000n, costMinor: -90n, marginMinor: -24n },
    });
    expect(a2?.proposed).toEqual({ count: 3, amountMinor: 30_000n, costMinor: 60n, marginMinor: 54n });
    expect(r.overall.total.delta).toEqual({ count: 0, amountMinor: 0n, costMinor: -30n, marginMinor: 30n });
    expect(r.overall.changedChoice).toBe(3);
    // h3 still went to a1, but the rule was skipped for it (no eligible target), so it is not the rule's.
    expect(r.byRule).toHaveLength(1);
    expect(r.byRule[0]).toMatchObject({ ruleId: "to-a2", name: "M1 to a2", inCurrent: false, inProposed: true, requests: 3, changedChoice: 3 });
  });

  it("without the running totals the cap would not bite: the supplied totals alone say a2 is empty", () => {
    // Same history, but each item already claims a2 had 20000 taken: only h1 fits (20000 + 10000 > 25000).
    const history = ["h1", "h2"].map((id, i) =>
      item(id, `2026-11-27T0${2 + i}:00:00Z`, 10_000n, 0n, { accounts: { a1: { todayAmountMinor: 0n }, a2: { todayAmountMinor: 10_000n } } }),
    );
    const r = dryRun(history, current, forceA2);
    expect(r.overall.accounts.find((a) => a.channelAccountId === "a2")?.proposed.count).toBe(1);
  });

  it("lists requests that would newly get NO_ROUTE, and counts cost and margin only for payments that succeeded", () => {
    const banM2: RoutingConfig = {
      ...current,
      ruleSet: ruleSet({ rules: [rule("ban", { action: "EXCLUDE", targetChannelAccountIds: ["a1", "a2"], conditions: { merchantIds: [M2] } })] }),
    };
    const history: HistoryItem[] = [
      { ...item("h1", "2026-11-27T02:00:00Z", 10_000n, 0n), request: request({ merchantId: M2, amountMinor: 10_000n, at: new Date("2026-11-27T02:00:00Z") }) },
      { ...item("h2", "2026-11-27T03:00:00Z", 10_000n, 0n), actual: { channelAccountId: "a1", amountMinor: 10_000n, succeeded: false } },
    ];
    const r = dryRun(history, current, banM2);
    expect(r.newlyNoRoute).toEqual([
      { historyId: "h1", at: "2026-11-27T02:00:00.000Z", merchantId: M2, amountMinor: 10_000n, currentChannelAccountId: "a1", reason: "ALL_EXCLUDED", params: { channelAccounts: 2 } },
    ]);
    expect(r.overall.newlyNoRoute).toBe(1);
    // h2 failed in reality: its 10000 counts as routed volume, with no cost or margin.
    expect(r.overall.accounts[0]?.proposed).toEqual({ count: 1, amountMinor: 10_000n, costMinor: 0n, marginMinor: 0n });
    expect(r.byRule.map((b) => [b.ruleId, b.newlyNoRoute])).toEqual([["ban", 1]]);
  });

  it("records requests it cannot evaluate instead of failing the whole run", () => {
    const r = dryRun([item("bad", "2026-11-27T02:00:00Z", 0n, 0n), item("ok", "2026-11-27T03:00:00Z", 1n, 0n)], current, current);
    expect(r.errors).toEqual([{ historyId: "bad", message: "The amount must be at least 1 fen" }]);
    expect(r.overall.requests).toBe(1);
  });

  it("rebuilds a history item from a stored decision: the request JSON and the counters in its trace", () => {
    const req = request({ amountMinor: 5_000n, storeId: "s1", metadata: { scene: "canteen" } });
    const live = { account: (id: string) => (id === "a2" ? { todayAmountMinor: 7_000n, todayCount: 3, health: "HALF_OPEN" as const } : undefined), merchant: () => ({ todayAmountMinor: 123n, todayCount: 4 }) };
    const d = route(req, current, live);
    const stored = JSON.parse(JSON.stringify({ request: toJson(req), trace: d.trace })) as { request: unknown; trace: unknown };
    const h = historyItemFromStored({ id: "x", ...stored, channelAccountId: "a1", amountMinor: 5_000n, succeeded: null });
    expect(h.request).toEqual(req);
    expect(h.accounts).toEqual({ a1: { health: "HEALTHY", todayAmountMinor: 0n, todayCount: 0 }, a2: { health: "HALF_OPEN", todayAmountMinor: 7_000n, todayCount: 3 } });
    expect(h.merchant).toEqual({ todayAmountMinor: 123n, todayCount: 4 });
    expect(h.actual).toEqual({ channelAccountId: "a1", amountMinor: 5_000n, succeeded: false });
    // Replaying the stored decision under the same configuration gives the same answer.
    expect(dryRun([h], current, current).overall.accounts.map((a) => a.channelAccountId)).toEqual([d.outcome === "ROUTED" ? d.chosen.channelAccountId : ""]);
  });
});
