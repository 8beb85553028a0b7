"use client";

import { useMutation } from "@tanstack/react-query";
import { useEffect, useId, useState, type FormEvent } from "react";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter, numberFormatter } from "@/components/charts/chart-utils";
import { ErrorNote } from "@/components/ledger/parts";
import { useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { ProgressBar } from "@/components/ui/progress";
import { Select } from "@/components/ui/select";
import { EmptyState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { formatDate, formatNumber } from "@/i18n/format";
import type { Translate } from "@/i18n/translate";
import { noRouteText } from "./codes";
import { draftToWire, type RuleSetDraft } from "./draft";
import { parseDays } from "./dry-run-input";
import { routingErrorText } from "./errors";
import { Stat, thClass } from "./parts";
import { CURRENCY, isRuleSetStatus, type DryRunAccountChange, type DryRunResult, type DryRunVolume, type RuleSetRow } from "./types";
import type { RoutingLookups } from "./use-lookups";

const METRICS = ["count", "amount", "cost", "margin"] as const;
type Metric = (typeof METRICS)[number];

const METRIC_LABEL = { count: "routing.metricCount", amount: "routing.metricAmount", cost: "routing.metricCost", margin: "routing.metricMargin" } as const;

/** "unsaved" or a version number as a string (a <select> value). */
type ProposalChoice = "unsaved" | `${number}`;

function statusLabel(t: Translate, status: string): string {
  return isRuleSetStatus(status) ? t(`routing.status_${status}`) : status;
}

/**
 * Replays past requests under the published rules and a proposal: the unsaved edits, the draft,
 * or any older version ("what if we rolled back?"). A query on the server, run on demand here
 * because it can take seconds.
 */
export function DryRunTab({ ruleSets, working, dirty, lookups }: { ruleSets: readonly RuleSetRow[]; working: RuleSetDraft; dirty: boolean; lookups: RoutingLookups }) {
  const { t, locale } = useI18n();
  const client = useTRPCClient();
  const [daysText, setDaysText] = useState("30");
  const versions = ruleSets.filter((r) => r.status !== "PUBLISHED");
  const draft = ruleSets.find((r) => r.status === "DRAFT");
  const defaultChoice: ProposalChoice | null = dirty ? "unsaved" : draft ? `${draft.version}` : versions[0] ? `${versions[0].version}` : null;
  const [picked, setPicked] = useState<ProposalChoice | null>(null);
  const choice = picked !== null && (picked === "unsaved" ? dirty : versions.some((v) => `${v.version}` === picked)) ? picked : defaultChoice;
  const [submitted, setSubmitted] = useState(false);
  const days = parseDays(daysText);
  const run = useMutation({
    mutationFn: (input: Parameters<typeof client.routing.dryRun.query>[0]) => client.routing.dryRun.query(input),
  });
  const [ran, setRan] = useState<{ days: number; proposed: string } | null>(null);
  const elapsed = useElapsed(run.isPending);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (days === null || choice === null) return;
    const input = choice === "unsaved" ? { days, draft: draftToWire(working) } : { days, version: Number(choice) };
    const proposed = choice === "unsaved" ? t("routing.proposedUnsaved") : t("routing.versionNumber", { version: Number(choice) });
    const r = await run.mutateAsync(input).catch(() => null);
    if (r) setRan({ days, proposed });
  }

  const options = [
    ...(dirty ? [{ value: "unsaved", label: t("routing.proposal_unsaved") }] : []),
    ...versions.map((v) => ({ value: `${v.version}`, label: t("routing.proposal_version", { version: v.version, status: statusLabel(t, v.status) }) })),
  ];

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("routing.dryRunTitle")}</CardTitle>
            <CardDescription>{t("routing.dryRunHelp")}</CardDescription>
          </div>
        </CardHeader>
        <CardContent>
          {choice === null ? (
            <p className="text-sm text-muted-foreground" data-testid="dry-run-nothing">
              {t("routing.proposalNone")}
            </p>
          ) : (
            <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-4">
              <Field label={t("routing.proposal")} className="w-72">
                <Select value={choice} onChange={(e) => setPicked(e.target.value as ProposalChoice)} options={options} disabled={run.isPending} />
              </Field>
              <Field label={t("routing.days")} hint={t("routing.daysHint")} error={submitted && days === null ? t("routing.daysError") : undefined} className="w-40">
                <Input inputMode="numeric" value={daysText} onChange={(e) => setDaysText(e.target.value)} disabled={run.isPending} className="text-right tabular" />
              </Field>
              <Button type="submit" loading={run.isPending} className="mb-6">
                {t("routing.runDryRun")}
              </Button>
            </form>
          )}
          {run.isPending ? (
            <ProgressBar label={t("routing.dryRunRunning")} done={0} valueText={t("routing.elapsed", { seconds: formatNumber(elapsed, locale) })} className="mt-2" />
          ) : null}
          <ErrorNote message={run.error ? routingErrorText(t, run.error) : null} testId="dry-run-error" />
        </CardContent>
      </Card>

      {run.data && ran && !run.isPending ? <DryRunReport report={run.data} days={ran.days} proposed={ran.proposed} lookups={lookups} /> : null}
    </div>
  );
}

/** Whole seconds since `running` turned true (0 when not running). */
function useElapsed(running: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!running) return;
    const started = Date.now();
    setSeconds(0);
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 500);
    return () => clearInterval(timer);
  }, [running]);
  return running ? seconds : 0;
}

function volumeOf(v: DryRunVolume, metric: Metric): bigint {
  switch (metric) {
    case "count":
      return BigInt(v.count);
    case "amount":
      return v.amountMinor;
    case "cost":
      return v.costMinor;
    case "margin":
      return v.marginMinor;
  }
}

function signedCount(n: number, locale: Parameters<typeof formatNumber>[1]): string {
  return `${n > 0 ? "+" : ""}${formatNumber(n, locale)}`;
}

export function DryRunReport({ report, days, proposed, lookups }: { report: DryRunResult; days: number; proposed: string; lookups: RoutingLookups }) {
  const { t, locale, timeZone } = useI18n();
  if (report.requests === 0 && report.errors.length === 0) {
    return (
      <Card data-testid="dry-run-empty">
        <EmptyState title={t("routing.dryRunEmptyTitle")} description={t("routing.dryRunEmptyBody", { days })} />
      </Card>
    );
  }
  const o = report.overall;
  return (
    <div className="space-y-6" data-testid="dry-run-report">
      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("routing.dryRunTitle")}</CardTitle>
            <CardDescription>
              {t("routing.comparison", { current: report.currentVersion, proposed, since: formatDate(report.since, timeZone, locale) })}
            </CardDescription>
          </div>
        </CardHeader>
        <CardContent className="space-y-3">
          <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
            <Stat label={t("routing.requests")} value={formatNumber(report.requests, locale)} testId="dry-run-requests" />
            <Stat label={t("routing.changedChoice")} value={formatNumber(o.changedChoice, locale)} testId="dry-run-changed" />
            <Stat label={t("routing.newlyRouted")} value={formatNumber(o.newlyRouted, locale)} tone={o.newlyRouted ? "success" : undefined} testId="dry-run-newly-routed" />
            <Stat label={t("routing.newlyNoRoute")} value={formatNumber(o.newlyNoRoute, locale)} tone={o.newlyNoRoute ? "danger" : undefined} testId="dry-run-newly-no-route" />
            <Stat label={t("routing.evalErrors")} value={formatNumber(report.errors.length, locale)} />
          </dl>
          {report.errors.length ? <p className="text-sm text-warning">{t("routing.evalErrorsHelp", { count: formatNumber(report.errors.length, locale) })}</p> : null}
        </CardContent>
      </Card>

      <AccountChanges accounts={o.accounts} total={o.total} lookups={lookups} />
      <DeltaChart accounts={o.accounts} lookups={lookups} />
      <RuleBuckets report={report} />
      <NewlyNoRoute report={report} lookups={lookups} />
    </div>
  );
}

function AccountChanges({ accounts, total, lookups }: { accounts: readonly DryRunAccountChange[]; total: DryRunResult["overall"]["total"]; lookups: RoutingLookups }) {
  const { t, locale } = useI18n();
  const titleId = useId();
  const cells = (c: { current: DryRunVolume; proposed: DryRunVolume; delta: DryRunVolume }, bold = false) =>
    METRICS.flatMap((m) =>
      (["current", "proposed", "delta"] as const).map((side) => {
        const v = c[side];
        return (
          <td key={`${m}-${side}`} className={`whitespace-nowrap px-3 py-2 text-right ${side === "delta" ? "bg-muted/40" : ""} ${bold ? "font-semibold" : ""}`}>
            {m === "count" ? (
              <span className={`tabular ${side === "delta" && v.count < 0 ? "text-danger" : ""}`}>{side === "delta" ? signedCount(v.count, locale) : formatNumber(v.count, locale)}</span>
            ) : (
              <Money amountMinor={volumeOf(v, m)} currency={CURRENCY} />
            )}
          </td>
        );
      }),
    );
  return (
    <Card>
      <CardHeader>
        <div className="min-w-0">
          <CardTitle id={titleId}>{t("routing.accountChanges")}</CardTitle>
          <CardDescription>{t("routing.accountChangesHelp")}</CardDescription>
        </div>
      </CardHeader>
      <div className="overflow-x-auto">
        <table aria-labelledby={titleId} className="w-full border-collapse text-sm" data-testid="dry-run-accounts">
          <thead className="bg-muted">
            <tr>
              <th scope="col" rowSpan={2} className={thClass()}>
                {t("routing.channelAccount")}
              </th>
              {METRICS.map((m) => (
                <th key={m} scope="colgroup" colSpan={3} className="border-s border-border px-3 py-2 text-center font-medium text-muted-foreground">
                  {t(METRIC_LABEL[m])}
                </th>
              ))}
            </tr>
            <tr>
              {METRICS.flatMap((m) =>
                (["current", "proposed", "delta"] as const).map((side) => (
                  <th key={`${m}-${side}`} scope="col" className={thClass("right")}>
                    <span aria-hidden="true">{t(`routing.${side}`)}</span>
                    <span className="sr-only">{t("routing.metricColumn", { metric: t(METRIC_LABEL[m]), side: t(`routing.${side}`) })}</span>
                  </th>
                )),
              )}
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.channelAccountId} className="border-t border-border">
                <th scope="row" className="whitespace-nowrap px-3 py-2 text-left font-medium">
                  {lookups.names.account(a.channelAccountId)}
                </th>
                {cells(a)}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr className="border-t-2 border-border">
              <th scope="row" className="px-3 py-2 text-left font-semibold">
                {t("routing.total")}
              </th>
              {cells(total, true)}
            </tr>
          </tfoot>
        </table>
      </div>
    </Card>
  );
}

interface DeltaRow {
  account: string;
  value: number;
}

function DeltaChart({ accounts, lookups }: { accounts: readonly DryRunAccountChange[]; lookups: RoutingLookups }) {
  const { t, locale } = useI18n();
  const [metric, setMetric] = useState<Metric>("count");
  const selectId = useId();
  // The one place money leaves bigint: the chart edge (chart-utils.ts).
  const data: DeltaRow[] = accounts.map((a) => ({
    account: lookups.names.account(a.channelAccountId),
    value: metric === "count" ? a.delta.count : minorToChartNumber(volumeOf(a.delta, metric)),
  }));
  return (
    <ChartCard
      title={t("routing.deltaChartTitle")}
      description={t("routing.deltaChartHelp")}
      actions={
        <span className="flex items-center gap-2">
          <label htmlFor={selectId} className="text-sm text-muted-foreground">
            {t("routing.measure")}
          </label>
          <Select
            id={selectId}
            value={metric}
            onChange={(e) => setMetric(METRICS.find((m) => m === e.target.value) ?? "count")}
            options={METRICS.map((m) => ({ value: m, label: t(METRIC_LABEL[m]) }))}
            className="h-8 w-36"
          />
        </span>
      }
      chart={{
        kind: "bar",
        data,
        xKey: "account",
        xLabel: t("routing.channelAccount"),
        series: [{ key: "value", label: `${t(METRIC_LABEL[metric])} · ${t("routing.delta")}` }],
        valueFormatter: metric === "count" ? numberFormatter(locale) : moneyFormatter(CURRENCY, locale),
        integerValues: true,
      }}
    />
  );
}

function RuleBuckets({ report }: { report: DryRunResult }) {
  const { t, locale } = useI18n();
  const titleId = useId();
  const yesNo = (v: boolean) => <Badge tone={v ? "info" : "neutral"}>{v ? t("routing.yes") : t("routing.no")}</Badge>;
  return (
    <Card>
      <CardHeader>
        <div className="min-w-0">
          <CardTitle id={titleId}>{t("routing.byRuleTitle")}</CardTitle>
          <CardDescription>{t("routing.byRuleHelp")}</CardDescription>
        </div>
      </CardHeader>
      {report.byRule.length === 0 ? (
        <CardContent>
          <p className="text-sm text-muted-foreground">{t("routing.byRuleEmpty")}</p>
        </CardContent>
      ) : (
        <div className="overflow-x-auto">
          <table aria-labelledby={titleId} className="w-full border-collapse text-sm" data-testid="dry-run-rules">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className={thClass()}>
                  {t("routing.ruleName")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.inCurrent")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.inProposed")}
                </th>
                <th scope="col" className={thClass("right")}>
                  {t("routing.requests")}
                </th>
                <th scope="col" className={thClass("right")}>
                  {t("routing.changedChoice")}
                </th>
                <th scope="col" className={thClass("right")}>
                  {t("routing.newlyRouted")}
                </th>
                <th scope="col" className={thClass("right")}>
                  {t("routing.newlyNoRoute")}
                </th>
                <th scope="col" className={thClass("right")}>
                  {t("routing.deltaAmount")}
                </th>
                <th scope="col" className={thClass("right")}>
                  {t("routing.deltaMargin")}
                </th>
              </tr>
            </thead>
            <tbody>
              {report.byRule.map((b) => (
                <tr key={b.ruleId} className="border-t border-border">
                  <th scope="row" className="px-3 py-2 text-left font-medium">
                    {b.name || b.ruleId}
                  </th>
                  <td className="px-3 py-2">{yesNo(b.inCurrent)}</td>
                  <td className="px-3 py-2">{yesNo(b.inProposed)}</td>
                  <td className="tabular px-3 py-2 text-right">{formatNumber(b.requests, locale)}</td>
                  <td className="tabular px-3 py-2 text-right">{formatNumber(b.changedChoice, locale)}</td>
                  <td className="tabular px-3 py-2 text-right">{formatNumber(b.newlyRouted, locale)}</td>
                  <td className="tabular px-3 py-2 text-right">{formatNumber(b.newlyNoRoute, locale)}</td>
                  <td className="px-3 py-2 text-right">
                    <Money amountMinor={b.total.delta.amountMinor} currency={CURRENCY} />
                  </td>
                  <td className="px-3 py-2 text-right">
                    <Money amountMinor={b.total.delta.marginMinor} currency={CURRENCY} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function NewlyNoRoute({ report, lookups }: { report: DryRunResult; lookups: RoutingLookups }) {
  const { t } = useI18n();
  const titleId = useId();
  return (
    <Card>
      <CardHeader>
        <div className="min-w-0">
          <CardTitle id={titleId}>{t("routing.newlyNoRouteTitle")}</CardTitle>
          <CardDescription>{t("routing.newlyNoRouteHelp")}</CardDescription>
        </div>
      </CardHeader>
      {report.newlyNoRoute.length === 0 ? (
        <CardContent>
          <p className="text-sm text-muted-foreground">{t("routing.newlyNoRouteNone")}</p>
        </CardContent>
      ) : (
        <div className="overflow-x-auto">
          <table aria-labelledby={titleId} className="w-full border-collapse text-sm" data-testid="dry-run-no-route">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className={thClass()}>
                  {t("routing.time")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.merchant")}
                </th>
                <th scope="col" className={thClass("right")}>
                  {t("routing.amount")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.currentAccount")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.reason")}
                </th>
              </tr>
            </thead>
            <tbody>
              {report.newlyNoRoute.map((n) => (
                <tr key={n.historyId} className="border-t border-border align-top">
                  <td className="px-3 py-2">
                    <DateTime value={n.at} />
                  </td>
                  <td className="px-3 py-2">{lookups.names.merchant(n.merchantId)}</td>
                  <td className="px-3 py-2 text-right">
                    <Money amountMinor={n.amountMinor} currency={CURRENCY} />
                  </td>
                  <td className="px-3 py-2">{lookups.names.account(n.currentChannelAccountId)}</td>
                  <td className="px-3 py-2">{noRouteText(lookups.ctx, n.reason, n.params)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
