"use client";

import { useId, type ReactNode } from "react";
import { Dash, Detail } from "@/components/ledger/parts";
import { Badge } from "@/components/ui/badge";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { useI18n } from "@/i18n/client";
import type { Locale } from "@/i18n/define";
import { formatMoney, formatNumber } from "@/i18n/format";
import { checkText, dropText, elementsText, healthName, noRouteText, orderTypeName, productName, reasonLabel, strategyNoteText, warningText } from "./codes";
import { OutcomeBadge, thClass } from "./parts";
import { minorOf, ppmRate, reasonParams } from "./trace";
import { CURRENCY, isStrategy, type CodeParams, type RoutingTrace, type TraceCandidate } from "./types";
import type { RoutingLookups } from "./use-lookups";

export interface TraceMoney {
  feeMinor: bigint;
  costMinor: bigint;
  marginMinor: bigint;
}

/** A no-route reason with its params (a live preview has them; a stored decision only its code). */
export interface TraceReason {
  code: string;
  params: CodeParams | null;
  userActionNeeded?: boolean;
}

function Section({ title, children, help }: { title: string; children: ReactNode; help?: string }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="space-y-2">
      <h3 id={id} className="text-sm font-semibold">
        {title}
      </h3>
      {help ? <p className="text-xs text-muted-foreground">{help}</p> : null}
      {children}
    </section>
  );
}

function Money0({ minor }: { minor: unknown }) {
  const v = minorOf(minor);
  return v === null ? <Dash /> : <Money amountMinor={v} currency={CURRENCY} inline />;
}

/**
 * One routing decision, readably: the request, the checks, each candidate with its rank or why it
 * was dropped, the rules and what they did, the strategy applied, warnings, the chosen account
 * and the fallbacks.
 */
export function TraceView({ trace, reason, money, lookups }: { trace: RoutingTrace; reason?: TraceReason | null; money?: TraceMoney | null; lookups: RoutingLookups }) {
  const { t, locale } = useI18n();
  const { names, ctx } = lookups;
  const req = trace.request;
  const routed = trace.outcome === "ROUTED";
  const chosenCandidate = trace.candidates.find((c) => c.channelAccountId === trace.chosen);
  const reasonCode = reason?.code ?? trace.reason ?? null;
  const reasonText = reasonCode ? noRouteText(ctx, reasonCode, reason?.params ?? reasonParams(trace)) : null;
  const strategy = trace.strategy;
  const strategyName = (s: string) => (isStrategy(s) ? t(`routing.strategy_${s}`) : s);
  const omitted = Object.entries(trace.omittedCandidates.byCode ?? {});

  return (
    <div className="space-y-6" data-testid="trace-view">
      <Section title={t("routing.traceOutcome")}>
        <div className="space-y-2 rounded-brand border border-border p-3" data-testid="trace-outcome">
          <div className="flex flex-wrap items-center gap-2">
            <OutcomeBadge outcome={trace.outcome} />
            {routed && trace.chosen ? (
              <span className="text-sm">
                {t("routing.chosen")}:{" "}
                <strong data-testid="trace-chosen">{names.account(trace.chosen)}</strong>
              </span>
            ) : null}
          </div>
          {routed && chosenCandidate?.isProbe ? <p className="text-sm text-warning">{t("routing.probeNote")}</p> : null}
          {routed ? (
            <p className="text-sm">
              {t("routing.fallbacks")}:{" "}
              <span data-testid="trace-fallbacks">{trace.fallbacks.length ? trace.fallbacks.map((id) => names.account(id)).join(" → ") : t("routing.fallbacksNone")}</span>
            </p>
          ) : null}
          {routed && money ? (
            <dl className="grid gap-3 sm:grid-cols-3">
              <Detail label={t("routing.fee")}>
                <Money amountMinor={money.feeMinor} currency={CURRENCY} inline />
              </Detail>
              <Detail label={t("routing.cost")}>
                <Money amountMinor={money.costMinor} currency={CURRENCY} inline />
              </Detail>
              <Detail label={t("routing.margin")}>
                <Money amountMinor={money.marginMinor} currency={CURRENCY} inline />
              </Detail>
            </dl>
          ) : null}
          {!routed && reasonText ? (
            <div>
              <p className="text-xs font-medium text-muted-foreground">{t("routing.noRouteReason")}</p>
              <p className="text-sm" data-testid="trace-reason">
                {reasonText}
              </p>
              {reason?.userActionNeeded ? <p className="mt-1 text-sm text-muted-foreground">{t("routing.userActionNeeded")}</p> : null}
            </div>
          ) : null}
        </div>
      </Section>

      <Section title={t("routing.traceRequest")}>
        <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <Detail label={t("routing.merchant")}>{names.merchant(req.merchantId)}</Detail>
          <Detail label={t("routing.store")}>{req.storeId ? names.store(req.storeId) : <Dash />}</Detail>
          <Detail label={t("routing.orderType")}>{orderTypeName(t, req.orderType)}</Detail>
          <Detail label={t("routing.product")}>{productName(t, req.product)}</Detail>
          <Detail label={t("routing.amount")}>
            <Money0 minor={req.amountMinor} />
          </Detail>
          <Detail label={t("routing.elements")}>{elementsText(t, locale, req.elements)}</Detail>
          <Detail label={t("routing.traceAt")}>
            <DateTime value={req.at} />
          </Detail>
          <Detail label={t("routing.settlementMode")}>{req.settlementMode === "DIRECT" || req.settlementMode === "CUSTODIAL" ? t(`routing.settlementMode_${req.settlementMode}`) : String(req.settlementMode)}</Detail>
          <Detail label={t("routing.ruleSetVersion")}>{t("routing.versionNumber", { version: trace.ruleSetVersion })}</Detail>
        </dl>
      </Section>

      {trace.checks.length ? (
        <Section title={t("routing.traceChecks")}>
          <ul className="space-y-1 text-sm">
            {trace.checks.map((c, i) => (
              <li key={`${c.check}-${i}`} className="flex flex-wrap items-center gap-2">
                <Badge tone={c.ok ? "success" : "danger"}>{c.ok ? t("routing.checkPassed") : t("routing.checkFailed")}</Badge>
                <span className="font-medium">{t(`routing.check_${c.check}`)}</span>
                {c.code || !c.ok ? <span className="text-muted-foreground">{checkText(ctx, c)}</span> : null}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      <Section title={t("routing.traceCandidates")} help={t("routing.traceCandidatesHelp")}>
        {trace.candidates.length ? <Candidates candidates={trace.candidates} lookups={lookups} /> : <Dash />}
        {trace.omittedCandidates.count > 0 ? (
          <p className="text-sm text-muted-foreground">
            {t("routing.omittedCandidates", {
              count: formatNumber(trace.omittedCandidates.count, locale),
              codes: omitted.map(([code, n]) => `${code === "RANKED" ? t("routing.ranked") : reasonLabel(t, code)} ×${n}`).join(", "),
            })}
          </p>
        ) : null}
        {trace.unregisteredAccounts > 0 ? <p className="text-sm text-muted-foreground">{t("routing.unregisteredAccounts", { count: formatNumber(trace.unregisteredAccounts, locale) })}</p> : null}
        {trace.channelFilter ? (
          <p className="text-sm text-muted-foreground" data-testid="trace-channel-filter">
            {t("routing.traceChannelFilter", {
              filter: [
                ...(trace.channelFilter.forceChannel ? [t("routing.traceForced", { channel: trace.channelFilter.forceChannel })] : []),
                ...(trace.channelFilter.excludeChannels?.length ? [t("routing.traceExcluded", { channels: trace.channelFilter.excludeChannels.join(", ") })] : []),
              ].join("; "),
              count: formatNumber(trace.channelFilter.removedAccounts ?? 0, locale),
            })}
          </p>
        ) : null}
      </Section>

      <Section title={t("routing.traceRules")}>
        {trace.rules.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("routing.traceRulesNone")}</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full border-collapse text-sm" data-testid="trace-rules">
              <thead className="bg-muted">
                <tr>
                  <th scope="col" className={thClass()}>
                    {t("routing.ruleName")}
                  </th>
                  <th scope="col" className={thClass()}>
                    {t("routing.action")}
                  </th>
                  <th scope="col" className={thClass()}>
                    {t("routing.effect")}
                  </th>
                  <th scope="col" className={thClass()}>
                    {t("routing.targets")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {trace.rules.map((r) => (
                  <tr key={r.ruleId} className="border-t border-border align-top">
                    <th scope="row" className="px-3 py-2 text-left font-medium">
                      {r.name || names.rule(r.ruleId)}
                    </th>
                    <td className="px-3 py-2">
                      <Badge tone={r.action === "FORCE" ? "info" : "warning"}>{t(`routing.action_${r.action}`)}</Badge>
                    </td>
                    <td className="px-3 py-2">{t(`routing.effect_${r.effect}`)}</td>
                    <td className="px-3 py-2">{r.channelAccountIds.map((id) => names.account(id)).join(", ") || <Dash />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {trace.omittedRules > 0 ? <p className="text-sm text-muted-foreground">{t("routing.omittedRules", { count: formatNumber(trace.omittedRules, locale) })}</p> : null}
      </Section>

      <Section title={t("routing.traceStrategy")}>
        <p className="text-sm" data-testid="trace-strategy">
          {strategy.applied === strategy.configured
            ? t("routing.strategyConfigured", { configured: strategyName(strategy.configured) })
            : t("routing.strategyApplied", { configured: strategyName(strategy.configured), applied: strategyName(strategy.applied) })}
        </p>
        {strategy.note ? <p className="text-sm text-muted-foreground">{strategyNoteText(t, strategy.note, strategy.minSample)}</p> : null}
      </Section>

      {trace.warnings.length ? (
        <Section title={t("routing.traceWarnings")}>
          <ul className="space-y-1 text-sm">
            {trace.warnings.map((w, i) => (
              <li key={`${w.code}-${i}`} className="flex items-start gap-2">
                <Badge tone="warning">{t("routing.severity_WARNING")}</Badge>
                <span>{warningText(ctx, w)}</span>
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      <p className="break-all text-xs text-muted-foreground">{t("routing.configVersion", { version: trace.configVersion })}</p>
    </div>
  );
}

function Candidates({ candidates, lookups }: { candidates: readonly TraceCandidate[]; lookups: RoutingLookups }) {
  const { t, locale } = useI18n();
  const { names, ctx } = lookups;
  return (
    <div className="overflow-x-auto">
      <table className="w-full border-collapse text-sm" data-testid="trace-candidates">
        <thead className="bg-muted">
          <tr>
            <th scope="col" className={thClass()}>
              {t("routing.channelAccount")}
            </th>
            <th scope="col" className={thClass()}>
              {t("routing.candidateStatus")}
            </th>
            <th scope="col" className={thClass()}>
              {t("routing.score")}
            </th>
            <th scope="col" className={thClass()}>
              {t("routing.live")}
            </th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((c) => {
            const today = minorOf(c.live.todayAmountMinor);
            const cost = c.score ? minorOf(c.score.costMinor) : null;
            return (
              <tr key={c.channelAccountId} className="border-t border-border align-top">
                <th scope="row" className="px-3 py-2 text-left font-medium">
                  {names.account(c.channelAccountId)}
                </th>
                <td className="px-3 py-2">
                  {c.status === "RANKED" ? (
                    <span className="flex flex-wrap items-center gap-1">
                      <Badge tone={c.rank === 1 ? "success" : "info"}>{t("routing.rankN", { rank: c.rank ?? "?" })}</Badge>
                      {c.isProbe ? <Badge tone="warning">{t("routing.probe")}</Badge> : null}
                    </span>
                  ) : (
                    <span className="flex flex-col gap-1">
                      <span>
                        <Badge tone="neutral">{t("routing.dropped")}</Badge> <span className="font-medium">{c.drop ? reasonLabel(t, c.drop.code) : null}</span>
                      </span>
                      {c.drop ? <span className="text-xs text-muted-foreground">{dropText(ctx, c.drop.code, c.drop.params)}</span> : null}
                    </span>
                  )}
                </td>
                <td className="px-3 py-2 text-xs">
                  {c.score ? (
                    <ul>
                      <li>{t("routing.scoreCost", { cost: cost === null ? "—" : formatMoneyText(cost, locale) })}</li>
                      <li>{t("routing.scorePriority", { priority: c.score.priority })}</li>
                      <li>{t("routing.scoreWeight", { weight: c.score.weight })}</li>
                      <li>{t("routing.scoreSuccess", { rate: ppmRate(c.score.successRatePpm, locale), sample: formatNumber(c.score.sampleSize, locale) })}</li>
                    </ul>
                  ) : (
                    <Dash />
                  )}
                </td>
                <td className="px-3 py-2 text-xs">
                  {t("routing.liveToday", {
                    health: healthName(t, c.live.health),
                    amount: today === null ? "—" : formatMoneyText(today, locale),
                    count: formatNumber(c.live.todayCount, locale),
                  })}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

// Inside a sentence the amount is text, formatted exactly like <Money> (same formatter, no float).
function formatMoneyText(minor: bigint, locale: Locale): string {
  return formatMoney(minor, CURRENCY, locale);
}
