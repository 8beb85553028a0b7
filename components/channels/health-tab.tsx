"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useMemo, useState, type FormEvent } from "react";
import { ChartCard } from "@/components/charts/chart-card";
import { numberFormatter } from "@/components/charts/chart-utils";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { FormFooter } from "@/components/ui/form-footer";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { channelFormErrors } from "./errors";
import { fillMinutes, type MinutePoint } from "./health-series";
import { healthLabel, latencyText, percentText } from "./labels";
import { Dash, Detail, HealthBadge, KeyValues } from "./parts";
import type { ChannelHealthReport, HealthWindow } from "./types";
import { useInvalidateChannel } from "./use-invalidate-channel";
import { useUserNames } from "./use-user-names";

// Refreshed while the tab is open: a person watching a channel recover wants to see it happen.
const REFRESH_MS = 30_000;
const th = "px-3 py-2 font-medium text-muted-foreground";

export function HealthTab({ accountId, canManage, canSeeUsers }: { accountId: string; canManage: boolean; canSeeUsers: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const health = useQuery({ ...trpc.channels.health.queryOptions({ id: accountId }), refetchInterval: REFRESH_MS });
  const [action, setAction] = useState<"PAUSED" | "HEALTHY" | null>(null);

  if (health.isPending) return <LoadingState rows={6} />;
  if (health.isError) return <ErrorState error={health.error} onRetry={() => void health.refetch()} />;
  const report = health.data;
  // A manual pause waits for a person; an automatic one (also while half-open) can be resumed by
  // hand. Pausing is offered only when healthy: the server treats pausing a paused account as done.
  const canPause = report.storedState === "HEALTHY";
  const canResume = report.storedState !== "HEALTHY";

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <div>
            <CardTitle>{t("channels.currentState")}</CardTitle>
            <CardDescription>{t("channels.healthHelp")}</CardDescription>
          </div>
          {canManage ? (
            <div className="flex gap-2">
              {canPause ? (
                <Button variant="danger" onClick={() => setAction("PAUSED")}>
                  {t("channels.pause")}
                </Button>
              ) : null}
              {canResume ? <Button onClick={() => setAction("HEALTHY")}>{t("channels.resume")}</Button> : null}
            </div>
          ) : null}
        </CardHeader>
        <CardContent>
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Detail label={t("channels.health")} testId="health-state">
              <HealthBadge state={report.state} />
            </Detail>
            <Detail label={t("channels.since")}>
              <DateTime value={report.changedAt} />
            </Detail>
            <Detail label={t("channels.reason")}>{report.reason ?? <Dash />}</Detail>
            <Detail label={t("channels.pausedHow")}>
              {report.storedState === "HEALTHY" ? <Dash /> : report.manual ? t("channels.pausedManually") : t("channels.pausedAutomatically")}
            </Detail>
          </dl>
          {report.state === "HALF_OPEN" ? <p className="mt-3 text-sm text-muted-foreground">{t("channels.halfOpenHelp")}</p> : null}
        </CardContent>
      </Card>

      <WindowsTable windows={report.windows} />
      <MinuteCharts report={report} />
      <EventsTable events={report.events} canSeeUsers={canSeeUsers} />

      {action ? <HealthDialog accountId={accountId} target={action} onClose={() => setAction(null)} /> : null}
    </div>
  );
}

function WindowsTable({ windows }: { windows: ChannelHealthReport["windows"] }) {
  const { t, locale } = useI18n();
  const headingId = useId();
  const rows: Array<{ id: string; label: string; w: HealthWindow }> = [
    { id: "m5", label: t("channels.window5m"), w: windows.m5 },
    { id: "h1", label: t("channels.window1h"), w: windows.h1 },
    { id: "d1", label: t("channels.window24h"), w: windows.d1 },
  ];
  return (
    <Card>
      <CardHeader>
        <CardTitle id={headingId}>{t("channels.windows")}</CardTitle>
      </CardHeader>
      <div className="overflow-x-auto">
        <table aria-labelledby={headingId} className="w-full border-collapse text-sm">
          <thead className="bg-muted">
            <tr>
              <th scope="col" className={`${th} text-left`}>
                {t("channels.window")}
              </th>
              <th scope="col" className={`${th} text-right`}>
                {t("channels.calls")}
              </th>
              <th scope="col" className={`${th} text-right`}>
                {t("channels.failures")}
              </th>
              <th scope="col" className={`${th} text-right`}>
                {t("channels.successRate")}
              </th>
              <th scope="col" className={`${th} text-right`}>
                {t("channels.avgLatency")}
              </th>
              <th scope="col" className={`${th} text-right`}>
                {t("channels.maxLatency")}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ id, label, w }) => (
              <tr key={id} className="border-t border-border" data-testid={`window-${id}`}>
                <th scope="row" className="px-3 py-2 text-left font-medium">
                  {label}
                </th>
                <td className="tabular px-3 py-2 text-right">{formatNumber(w.calls, locale)}</td>
                <td className={`tabular px-3 py-2 text-right ${w.failures > 0 ? "text-danger" : ""}`}>{formatNumber(w.failures, locale)}</td>
                <td className="tabular px-3 py-2 text-right">{percentText(w.successRate, locale) ?? <Dash />}</td>
                <td className="tabular px-3 py-2 text-right">{latencyText(w.avgLatencyMs, locale) ?? <Dash />}</td>
                <td className="tabular px-3 py-2 text-right">{latencyText(w.maxLatencyMs, locale) ?? <Dash />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function MinuteCharts({ report }: { report: ChannelHealthReport }) {
  const { t, locale, timeZone } = useI18n();
  // The hour ends at the report's newest data or now, whichever is later (the query refreshes).
  const points = useMemo(() => fillMinutes(report.series, new Date()), [report.series]);
  const clock = useMemo(() => new Intl.DateTimeFormat(locale, { timeZone, hour: "2-digit", minute: "2-digit", hour12: false }), [locale, timeZone]);
  const xFormatter = (v: MinutePoint[keyof MinutePoint & string]) => (typeof v === "number" ? clock.format(new Date(v)) : "");
  if (report.windows.h1.calls === 0) {
    return (
      <Card>
        <CardHeader>
          <CardTitle>{t("channels.lastHour")}</CardTitle>
        </CardHeader>
        <EmptyState title={t("channels.noCallsTitle")} description={t("channels.noCallsBody")} />
      </Card>
    );
  }
  return (
    <div className="grid gap-6 xl:grid-cols-2">
      <ChartCard<MinutePoint>
        title={t("channels.callsPerMinute")}
        description={t("channels.lastHourHelp")}
        chart={{
          kind: "line",
          data: points,
          xKey: "at",
          xLabel: t("channels.minute"),
          xFormatter,
          series: [
            { key: "calls", label: t("channels.calls") },
            { key: "failures", label: t("channels.failures"), color: "var(--color-danger)" },
          ],
          integerValues: true,
          valueFormatter: numberFormatter(locale),
        }}
      />
      <ChartCard<MinutePoint>
        title={t("channels.latencyPerMinute")}
        description={t("channels.lastHourHelp")}
        chart={{
          kind: "line",
          data: points,
          xKey: "at",
          xLabel: t("channels.minute"),
          xFormatter,
          series: [
            { key: "avgLatencyMs", label: t("channels.avgLatency") },
            { key: "maxLatencyMs", label: t("channels.maxLatency"), color: "var(--color-warning)" },
          ],
          integerValues: true,
          valueFormatter: (v) => latencyText(v, locale) ?? "",
        }}
      />
    </div>
  );
}

function EventsTable({ events, canSeeUsers }: { events: ChannelHealthReport["events"]; canSeeUsers: boolean }) {
  const { t } = useI18n();
  const who = useUserNames(canSeeUsers);
  const headingId = useId();
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle id={headingId}>{t("channels.events")}</CardTitle>
          <CardDescription>{t("channels.eventsHelp")}</CardDescription>
        </div>
      </CardHeader>
      {events.length === 0 ? (
        <EmptyState title={t("channels.noEvents")} />
      ) : (
        <div className="overflow-x-auto">
          <table aria-labelledby={headingId} className="w-full border-collapse text-sm">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.eventTime")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.change")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.by")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.reason")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.metrics")}
                </th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id} className="border-t border-border align-top">
                  <td className="px-3 py-2">
                    <DateTime value={e.createdAt} />
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">
                    <span aria-hidden="true" className="inline-flex items-center gap-1">
                      <HealthBadge state={e.fromState} />
                      →
                      <HealthBadge state={e.toState} />
                    </span>
                    <span className="sr-only">{`${healthLabel(t, e.fromState)} → ${healthLabel(t, e.toState)}`}</span>
                  </td>
                  <td className="px-3 py-2">
                    {e.automatic ? <Badge>{t("channels.automatic")}</Badge> : <span title={e.actorId ?? undefined}>{who(e.actorId) ?? t("channels.system")}</span>}
                  </td>
                  <td className="px-3 py-2">{e.reason}</td>
                  <td className="px-3 py-2">
                    <KeyValues value={e.metrics} />
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

/** A person pauses (no probe, no automatic resume) or resumes an account, with a reason for the log. */
function HealthDialog({ accountId, target, onClose }: { accountId: string; target: "PAUSED" | "HEALTHY"; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateChannel(accountId);
  const setHealth = useMutation(trpc.channels.setHealth.mutationOptions());
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const errors = channelFormErrors(t, setHealth.error, ["reason"]);
  const pausing = target === "PAUSED";

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!reason.trim()) {
      setMissing(true);
      return;
    }
    const r = await setHealth.mutateAsync({ id: accountId, state: target, reason: reason.trim() }).catch(() => null);
    if (r) {
      toast.success(pausing ? t("channels.pausedToast") : t("channels.resumedToast"));
      await invalidate();
      onClose();
    }
  }

  return (
    <Dialog open onClose={onClose} title={pausing ? t("channels.pauseTitle") : t("channels.resumeTitle")} description={pausing ? t("channels.pauseHelp") : t("channels.resumeHelp")}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        <Field label={t("channels.reason")} required error={errors.fields.reason ?? (missing ? t("channels.requiredField") : undefined)}>
          <Textarea rows={3} maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <FormFooter
          error={errors.general}
          onCancel={onClose}
          loading={setHealth.isPending}
          submitLabel={pausing ? t("channels.pause") : t("channels.resume")}
          submitVariant={pausing ? "danger" : "primary"}
        />
      </form>
    </Dialog>
  );
}
