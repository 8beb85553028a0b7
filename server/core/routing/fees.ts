// Merchant fee, channel cost and the tenant's margin for one payment. All arithmetic is money.ts
// (`feeFor`: rate half-up + fixed, clamped to [min, max], never above the amount). The platform
// fee is not part of the margin here: the ledger books it separately.
import type { ProductCode } from "@/server/channels/types";
import { feeFor } from "@/server/core/ledger/money";
import type { ChannelAccountCandidate, ConfigIssue, FeeRule, FeeSource, RateRule, Registration, SettlementMode } from "./types";

/** What the merchant pays for one payment of `amountMinor` under `rule`. */
export function merchantFee(rule: RateRule, amountMinor: bigint): bigint {
  return feeFor(amountMinor, rule);
}

/**
 * What the channel charges the tenant for one payment. Same arithmetic as the merchant fee; the
 * clamp to the amount holds too, since a channel deducting at source cannot take more than it got.
 */
export function channelCost(costRule: RateRule, amountMinor: bigint): bigint {
  return feeFor(amountMinor, costRule);
}

/** Merchant fee − channel cost (negative when the tenant loses money on the payment). */
export function marginOf(feeMinor: bigint, costMinor: bigint): bigint {
  return feeMinor - costMinor;
}

export function feeBreakdown(feeRule: RateRule, costRule: RateRule, amountMinor: bigint): { feeMinor: bigint; costMinor: bigint; marginMinor: bigint } {
  const feeMinor = merchantFee(feeRule, amountMinor);
  const costMinor = channelCost(costRule, amountMinor);
  return { feeMinor, costMinor, marginMinor: marginOf(feeMinor, costMinor) };
}

/** The merchant's own fee rule for the product, else the tenant default (lowest id on duplicates). */
export function applicableFeeRule(feeRules: readonly FeeRule[], product: ProductCode, merchantId: string): FeeRule | undefined {
  let own: FeeRule | undefined;
  let fallback: FeeRule | undefined;
  for (const r of feeRules) {
    if (r.product !== product) continue;
    if (r.merchantId === merchantId) {
      if (!own || r.id < own.id) own = r;
    } else if (r.merchantId === undefined) {
      if (!fallback || r.id < fallback.id) fallback = r;
    }
  }
  return own ?? fallback;
}

/**
 * The rate a payment through `registration` charges the merchant. DIRECT: the channel settles the
 * merchant and takes the registration's agreed rate itself, so that rate *is* the fee and any fee
 * rule is ignored (charging it as well would bill the merchant twice; directModeConflicts reports
 * the disagreement). CUSTODIAL: the tenant's fee rule. Null when the rate is unknown.
 */
export function feeRateFor(
  mode: SettlementMode,
  feeRule: FeeRule | undefined,
  registration: Registration,
): { rule: RateRule; source: FeeSource } | null {
  if (mode === "DIRECT") {
    if (registration.channelRatePpm === undefined) return null;
    return {
      rule: { feeRatePpm: registration.channelRatePpm },
      source: { kind: "REGISTRATION_RATE", registrationId: registration.id, feeRatePpm: registration.channelRatePpm },
    };
  }
  if (!feeRule) return null;
  return { rule: feeRule, source: { kind: "FEE_RULE", feeRuleId: feeRule.id } };
}

/** 3800 → "0.38%", 2350 → "0.235%", 0 → "0%". */
export function formatPpm(ppm: number): string {
  const whole = Math.trunc(ppm / 10_000);
  const frac = String(Math.abs(ppm % 10_000)).padStart(4, "0").replace(/0+$/, "");
  return `${ppm < 0 && whole === 0 ? "-" : ""}${whole}${frac ? `.${frac}` : ""}%`;
}

const SAMPLE_IDS = 5;

/**
 * DIRECT mode: the merchant's fee is its registration's channel rate. Reports every fee rule that
 * would apply to a registration and says something else (another rate, or a fixed / minimum /
 * maximum part the channel does not charge), and registrations without a rate. One issue per fee
 * rule and disagreeing rate, with a count and a few registration ids, so a tenant default that
 * disagrees with 400 registrations is one line, not 400. `accounts` (optional) limits the check to
 * products each registration's account carries.
 */
export function directModeConflicts(
  feeRules: readonly FeeRule[],
  registrations: readonly Registration[],
  accounts?: readonly ChannelAccountCandidate[],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const accountById = accounts ? new Map(accounts.map((a) => [a.id, a])) : undefined;
  const products = [...new Set(feeRules.map((r) => r.product))].sort();
  const mismatches = new Map<string, { rule: FeeRule; product: ProductCode; channelRatePpm: number; ids: string[]; count: number }>();
  const extras = new Map<string, { rule: FeeRule; ids: string[]; count: number }>();

  for (const reg of registrations) {
    if (reg.status === "REJECTED") continue;
    if (reg.channelRatePpm === undefined) {
      issues.push({
        code: "DIRECT_REGISTRATION_RATE_MISSING",
        severity: "ERROR",
        path: `registrations[${reg.id}].channelRatePpm`,
        params: { registrationId: reg.id, merchantId: reg.merchantId, channelAccountId: reg.channelAccountId },
        message: `Registration ${reg.id} has no channel rate: in DIRECT mode the merchant's fee is that rate, so payments through it cannot be priced.`,
      });
      continue;
    }
    const account = accountById?.get(reg.channelAccountId);
    if (accountById && !account) continue;
    for (const product of products) {
      if (account && !account.products.includes(product)) continue;
      const rule = applicableFeeRule(feeRules, product, reg.merchantId);
      if (!rule) continue;
      if (rule.feeRatePpm !== reg.channelRatePpm) {
        const key = `${rule.id}\u0000${product}\u0000${reg.channelRatePpm}`;
        const m = mismatches.get(key) ?? { rule, product, channelRatePpm: reg.channelRatePpm, ids: [], count: 0 };
        m.count++;
        if (m.ids.length < SAMPLE_IDS) m.ids.push(reg.id);
        mismatches.set(key, m);
      }
      if ((rule.fixedMinor ?? 0n) !== 0n || (rule.minMinor ?? 0n) !== 0n || rule.maxMinor !== undefined) {
        const e = extras.get(rule.id) ?? { rule, ids: [], count: 0 };
        if (!e.ids.includes(reg.id)) {
          e.count++;
          if (e.ids.length < SAMPLE_IDS) e.ids.push(reg.id);
        }
        extras.set(rule.id, e);
      }
    }
  }

  for (const m of mismatches.values()) {
    const scope = m.rule.merchantId === undefined ? "tenant default" : `merchant ${m.rule.merchantId}`;
    issues.push({
      code: "DIRECT_FEE_RATE_MISMATCH",
      severity: "ERROR",
      path: `feeRules[${m.rule.id}].feeRatePpm`,
      params: {
        feeRuleId: m.rule.id,
        product: m.product,
        feeRatePpm: m.rule.feeRatePpm,
        channelRatePpm: m.channelRatePpm,
        registrationCount: m.count,
        registrationIds: m.ids,
      },
      message:
        `The ${m.product} fee rule (${scope}, ${formatPpm(m.rule.feeRatePpm)}) disagrees with ${m.count} registration(s) whose channel rate is ` +
        `${formatPpm(m.channelRatePpm)} (e.g. ${m.ids.join(", ")}). In DIRECT mode the channel charges the registration's rate and the fee rule is not applied; ` +
        `make them agree or remove the fee rule.`,
    });
  }
  for (const e of extras.values()) {
    const parts = [
      (e.rule.fixedMinor ?? 0n) !== 0n ? "fixed" : null,
      (e.rule.minMinor ?? 0n) !== 0n ? "minimum" : null,
      e.rule.maxMinor !== undefined ? "maximum" : null,
    ].filter((p): p is string => p !== null);
    issues.push({
      code: "DIRECT_FEE_EXTRA_COMPONENT",
      severity: "ERROR",
      path: `feeRules[${e.rule.id}]`,
      params: { feeRuleId: e.rule.id, product: e.rule.product, components: parts, registrationCount: e.count, registrationIds: e.ids },
      message:
        `The ${e.rule.product} fee rule ${e.rule.id} has a ${parts.join(", ")} part, which the channel does not charge in DIRECT mode ` +
        `(${e.count} registration(s) affected, e.g. ${e.ids.join(", ")}). Charging it on top would bill the merchant twice; it is not applied.`,
    });
  }
  return issues;
}
