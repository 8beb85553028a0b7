// Replays past routing requests under the current and a proposed configuration and reports what
// would have moved: per channel account, overall and per rule, and which requests would newly get
// NO_ROUTE. Daily caps apply as they would have: each replay starts every request from the totals
// as they stood (supplied by the caller) and carries forward its own difference from what actually
// happened, per business day, so a proposal that sends more to one account fills its cap sooner.
import { z } from "zod";
import { compileConfig, isCompiled, type CompiledConfig, type RoutingLookup } from "./compile";
import { evaluate } from "./engine";
import { parseRoutingRequest, ZMinor } from "./schema";
import { localDate } from "./time-window";
import {
  CHANNEL_HEALTH_STATES,
  DEFAULT_TIME_ZONE,
  type AccountLive,
  type CodeParams,
  type Decision,
  type LiveState,
  type MerchantLive,
  type NoRouteCode,
  type RoutingConfig,
  type RoutingRequest,
} from "./types";

export interface HistoryItem {
  readonly id: string;
  readonly request: RoutingRequest;
  /** The business day its totals belong to; default: the request's local date in its time zone. */
  readonly businessDate?: string;
  /**
   * Each account's counters just before this request. An account not listed counts as HEALTHY
   * with nothing taken today (its success statistics come from the configuration).
   */
  readonly accounts?: Readonly<Record<string, AccountLive>>;
  /** The merchant's totals just before this request; absent = nothing taken today. */
  readonly merchant?: MerchantLive;
  /** What actually happened: where it went (absent when it was not routed) and whether it succeeded. */
  readonly actual: { readonly channelAccountId?: string; readonly amountMinor: bigint; readonly succeeded: boolean };
}

/** Payments routed to an account. Cost and margin accrue only where the payment actually succeeded. */
export interface Volume {
  readonly count: number;
  readonly amountMinor: bigint;
  readonly costMinor: bigint;
  readonly marginMinor: bigint;
}

export interface AccountChange {
  readonly channelAccountId: string;
  readonly current: Volume;
  readonly proposed: Volume;
  readonly delta: Volume;
}

export interface DryRunBucket {
  readonly requests: number;
  /** Routed under both, to a different account. */
  readonly changedChoice: number;
  readonly newlyNoRoute: number;
  readonly newlyRouted: number;
  readonly accounts: readonly AccountChange[];
  readonly total: { readonly current: Volume; readonly proposed: Volume; readonly delta: Volume };
}

export interface DryRunRuleBucket extends DryRunBucket {
  readonly ruleId: string;
  readonly name: string;
  /** The rule changed the outcome of at least one request under the current / proposed rules. */
  readonly inCurrent: boolean;
  readonly inProposed: boolean;
}

export interface NewlyNoRoute {
  readonly historyId: string;
  readonly at: string;
  readonly merchantId: string;
  readonly amountMinor: bigint;
  readonly currentChannelAccountId: string;
  readonly reason: NoRouteCode;
  readonly params: CodeParams;
}

export interface DryRunReport {
  readonly requests: number;
  readonly overall: DryRunBucket;
  /** Rules that removed or narrowed candidates for some request under either configuration. */
  readonly byRule: readonly DryRunRuleBucket[];
  /** The first DRY_RUN_MAX_LISTED of them; the count is in overall.newlyNoRoute. */
  readonly newlyNoRoute: readonly NewlyNoRoute[];
  /** Requests that could not be evaluated (a malformed stored request). */
  readonly errors: readonly { readonly historyId: string; readonly message: string }[];
}

export const DRY_RUN_MAX_LISTED = 200;

const ZERO: Volume = { count: 0, amountMinor: 0n, costMinor: 0n, marginMinor: 0n };
const SEP = "\u0000";

function add(v: Volume, amountMinor: bigint, costMinor: bigint, marginMinor: bigint): Volume {
  return { count: v.count + 1, amountMinor: v.amountMinor + amountMinor, costMinor: v.costMinor + costMinor, marginMinor: v.marginMinor + marginMinor };
}

function sub(a: Volume, b: Volume): Volume {
  return { count: a.count - b.count, amountMinor: a.amountMinor - b.amountMinor, costMinor: a.costMinor - b.costMinor, marginMinor: a.marginMinor - b.marginMinor };
}

class BucketAcc {
  requests = 0;
  changedChoice = 0;
  newlyNoRoute = 0;
  newlyRouted = 0;
  readonly current = new Map<string, Volume>();
  readonly proposed = new Map<string, Volume>();

  addSide(side: Map<string, Volume>, d: Decision, amountMinor: bigint, succeeded: boolean): void {
    if (d.outcome !== "ROUTED") return;
    const id = d.chosen.channelAccountId;
    side.set(id, add(side.get(id) ?? ZERO, amountMinor, succeeded ? d.costMinor : 0n, succeeded ? d.marginMinor : 0n));
  }

  record(cur: Decision, prop: Decision, amountMinor: bigint, succeeded: boolean): void {
    this.requests++;
    this.addSide(this.current, cur, amountMinor, succeeded);
    this.addSide(this.proposed, prop, amountMinor, succeeded);
    if (cur.outcome === "ROUTED" && prop.outcome === "ROUTED" && cur.chosen.channelAccountId !== prop.chosen.channelAccountId) this.changedChoice++;
    if (cur.outcome === "ROUTED" && prop.outcome === "NO_ROUTE") this.newlyNoRoute++;
    if (cur.outcome === "NO_ROUTE" && prop.outcome === "ROUTED") this.newlyRouted++;
  }

  finish(): DryRunBucket {
    const ids = [...new Set([...this.current.keys(), ...this.proposed.keys()])].sort();
    let tc = ZERO;
    let tp = ZERO;
    const accounts = ids.map((id) => {
      const current = this.current.get(id) ?? ZERO;
      const proposed = this.proposed.get(id) ?? ZERO;
      tc = { count: tc.count + current.count, amountMinor: tc.amountMinor + current.amountMinor, costMinor: tc.costMinor + current.costMinor, marginMinor: tc.marginMinor + current.marginMinor };
      tp = { count: tp.count + proposed.count, amountMinor: tp.amountMinor + proposed.amountMinor, costMinor: tp.costMinor + proposed.costMinor, marginMinor: tp.marginMinor + proposed.marginMinor };
      return { channelAccountId: id, current, proposed, delta: sub(proposed, current) };
    });
    return {
      requests: this.requests,
      changedChoice: this.changedChoice,
      newlyNoRoute: this.newlyNoRoute,
      newlyRouted: this.newlyRouted,
      accounts,
      total: { current: tc, proposed: tp, delta: sub(tp, tc) },
    };
  }
}

/** One configuration's replay: its decisions feed back into the totals of later requests. */
class Replay {
  private readonly accountDelta = new Map<string, { amount: bigint; count: number }>();
  private readonly merchantDelta = new Map<string, { amount: bigint; count: number }>();

  constructor(private readonly lookup: RoutingLookup) {}

  decide(item: HistoryItem, day: string): Decision {
    const live: LiveState = {
      account: (id) => {
        const base = item.accounts && Object.hasOwn(item.accounts, id) ? item.accounts[id] : undefined;
        const d = this.accountDelta.get(day + SEP + id);
        const amount = (base?.todayAmountMinor ?? 0n) + (d?.amount ?? 0n);
        const count = (base?.todayCount ?? 0) + (d?.count ?? 0);
        return {
          ...base,
          health: base?.health ?? "HEALTHY",
          todayAmountMinor: amount < 0n ? 0n : amount,
          todayCount: Math.max(0, count),
        };
      },
      merchant: (id) => {
        const d = this.merchantDelta.get(day + SEP + id);
        const amount = (item.merchant?.todayAmountMinor ?? 0n) + (d?.amount ?? 0n);
        const count = (item.merchant?.todayCount ?? 0) + (d?.count ?? 0);
        return { todayAmountMinor: amount < 0n ? 0n : amount, todayCount: Math.max(0, count) };
      },
    };
    const decision = evaluate(item.request, this.lookup, live, { checkProductRule: true, ignoreElements: false }).decision;

    // Totals count payments that went on to succeed: replace the actual payment with this one.
    if (item.actual.succeeded) {
      const merchantKey = day + SEP + item.request.merchantId;
      if (decision.outcome === "ROUTED") {
        bump(this.accountDelta, day + SEP + decision.chosen.channelAccountId, item.request.amountMinor, 1);
        bump(this.merchantDelta, merchantKey, item.request.amountMinor, 1);
      }
      if (item.actual.channelAccountId !== undefined) {
        bump(this.accountDelta, day + SEP + item.actual.channelAccountId, -item.actual.amountMinor, -1);
        bump(this.merchantDelta, merchantKey, -item.actual.amountMinor, -1);
      }
    }
    return decision;
  }
}

function bump(map: Map<string, { amount: bigint; count: number }>, key: string, amount: bigint, count: number): void {
  const cur = map.get(key);
  if (cur) {
    cur.amount += amount;
    cur.count += count;
  } else map.set(key, { amount, count });
}

function effectiveRules(d: Decision): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of d.trace.rules) if (r.effect === "REMOVED" || r.effect === "NARROWED") out.set(r.ruleId, r.name);
  return out;
}

/** `history` must be in time order: each replay's running totals depend on it. */
export function dryRun(history: readonly HistoryItem[], currentConfig: RoutingConfig | CompiledConfig, proposedConfig: RoutingConfig | CompiledConfig): DryRunReport {
  const cur = new Replay(isCompiled(currentConfig) ? currentConfig.lookup : compileConfig(currentConfig).lookup);
  const prop = new Replay(isCompiled(proposedConfig) ? proposedConfig.lookup : compileConfig(proposedConfig).lookup);
  const overall = new BucketAcc();
  const byRule = new Map<string, { acc: BucketAcc; name: string; inCurrent: boolean; inProposed: boolean }>();
  const newlyNoRoute: NewlyNoRoute[] = [];
  const errors: { historyId: string; message: string }[] = [];

  for (const item of history) {
    const day = item.businessDate ?? localDate(item.request.at, item.request.timeZone ?? DEFAULT_TIME_ZONE);
    let c: Decision;
    let p: Decision;
    try {
      c = cur.decide(item, day);
      p = prop.decide(item, day);
    } catch (e) {
      errors.push({ historyId: item.id, message: e instanceof Error ? e.message : String(e) });
      continue;
    }
    const ok = item.actual.succeeded;
    overall.record(c, p, item.request.amountMinor, ok);
    const rc = effectiveRules(c);
    const rp = effectiveRules(p);
    for (const id of new Set([...rc.keys(), ...rp.keys()])) {
      let b = byRule.get(id);
      if (!b) byRule.set(id, (b = { acc: new BucketAcc(), name: rp.get(id) ?? rc.get(id) ?? id, inCurrent: false, inProposed: false }));
      b.inCurrent ||= rc.has(id);
      b.inProposed ||= rp.has(id);
      b.acc.record(c, p, item.request.amountMinor, ok);
    }
    if (c.outcome === "ROUTED" && p.outcome === "NO_ROUTE" && newlyNoRoute.length < DRY_RUN_MAX_LISTED) {
      newlyNoRoute.push({
        historyId: item.id,
        at: item.request.at.toISOString(),
        merchantId: item.request.merchantId,
        amountMinor: item.request.amountMinor,
        currentChannelAccountId: c.chosen.channelAccountId,
        reason: p.reason.code,
        params: p.reason.params,
      });
    }
  }

  return {
    requests: history.length,
    overall: overall.finish(),
    byRule: [...byRule.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([ruleId, b]) => ({ ruleId, name: b.name, inCurrent: b.inCurrent, inProposed: b.inProposed, ...b.acc.finish() })),
    newlyNoRoute,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// From a stored decision (the request JSON, its trace, and how the payment ended) to a history item.

const ZTraceSnapshot = z.object({
  merchantToday: z.object({ amountMinor: ZMinor, count: z.number().int() }).optional(),
  candidates: z.array(
    z.object({
      channelAccountId: z.string(),
      live: z.object({ health: z.enum(CHANNEL_HEALTH_STATES), todayAmountMinor: ZMinor, todayCount: z.number().int() }),
    }),
  ),
});

export interface StoredDecision {
  readonly id: string;
  /** The request as stored (toJson of the RoutingRequest). */
  readonly request: unknown;
  /** The decision's trace as stored: its counters are the totals as they stood. */
  readonly trace: unknown;
  readonly channelAccountId?: string | null;
  readonly amountMinor: bigint;
  /** null while the payment has no final result: counted as not succeeded. */
  readonly succeeded?: boolean | null;
  readonly businessDate?: string;
}

export function historyItemFromStored(row: StoredDecision): HistoryItem {
  const request = parseRoutingRequest(row.request);
  const snap = ZTraceSnapshot.parse(row.trace);
  // fromEntries defines own properties, so no id can reach the prototype.
  const accounts: Record<string, AccountLive> = Object.fromEntries(snap.candidates.map((c) => [c.channelAccountId, c.live]));
  return {
    id: row.id,
    request,
    ...(row.businessDate !== undefined ? { businessDate: row.businessDate } : {}),
    accounts,
    ...(snap.merchantToday ? { merchant: { todayAmountMinor: snap.merchantToday.amountMinor, todayCount: snap.merchantToday.count } } : {}),
    actual: {
      ...(row.channelAccountId ? { channelAccountId: row.channelAccountId } : {}),
      amountMinor: row.amountMinor,
      succeeded: row.succeeded === true,
    },
  };
}
