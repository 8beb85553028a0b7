"use client";

import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { ChartCard } from "@/components/charts/chart-card";
import { numberFormatter } from "@/components/charts/chart-utils";
import { DataTable } from "@/components/data-table/data-table";
import { useTRPC } from "@/components/providers/trpc";
import { buttonClass } from "@/components/ui/button";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { channelTypeLabel, healthLabel, latencyText, percentText } from "./labels";
import { Dash, EnabledBadge, HealthBadge } from "./parts";
import { rateLabel } from "./rate";
import { CHANNEL_TYPE_LIST, HEALTH_STATES, type ChannelListItem } from "./types";
import { CHANNELS_TABLE_KEY } from "./use-invalidate-channel";

/** Every channel account of the tenant with its health and the last hour's calls. */
export function ChannelsTable({ canManage }: { canManage: boolean }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.channels.list.queryOptions());

  const columns: ColumnDef<ChannelListItem, unknown>[] = [
    {
      id: "name",
      header: t("channels.name"),
      enableHiding: false,
      cell: ({ row }) => (
        <Link href={`/channels/${row.original.id}`} className="font-medium text-primary underline-offset-2 hover:underline">
          {row.original.name}
        </Link>
      ),
    },
    { id: "type", header: t("channels.channelType"), cell: ({ row }) => channelTypeLabel(t, row.original.channelType) },
    { id: "enabled", header: t("channels.enabledColumn"), cell: ({ row }) => <EnabledBadge enabled={row.original.enabled} /> },
    {
      id: "health",
      header: t("channels.health"),
      cell: ({ row }) => (
        <span className="flex flex-col items-start gap-0.5">
          <HealthBadge state={row.original.healthState} />
          {row.original.healthState !== "HEALTHY" && row.original.healthReason ? (
            <span className="max-w-56 truncate text-xs text-muted-foreground" title={row.original.healthReason}>
              {row.original.healthReason}
            </span>
          ) : null}
        </span>
      ),
    },
    {
      id: "successRate",
      header: t("channels.successRate1h"),
      meta: { align: "right" },
      cell: ({ row }) => {
        const s = row.original.stats;
        const rate = percentText(s.successRate, locale);
        return rate ? (
          <span className="flex flex-col items-end">
            <span className="tabular">{rate}</span>
            <span className="tabular text-xs text-muted-foreground">{t("channels.callsCount", { count: formatNumber(s.calls, locale) })}</span>
          </span>
        ) : (
          <Dash />
        );
      },
    },
    { id: "latency", header: t("channels.avgLatency1h"), meta: { align: "right" }, cell: ({ row }) => <span className="tabular">{latencyText(row.original.stats.avgLatencyMs, locale) ?? <Dash />}</span> },
    {
      id: "registrations",
      header: t("channels.registrationsCount"),
      meta: { align: "right" },
      cell: ({ row }) => (
        <Link href={`/registrations?reg.channelAccountId=${row.original.id}`} className="tabular text-primary underline-offset-2 hover:underline">
          {formatNumber(row.original._count.registrations, locale)}
        </Link>
      ),
    },
    { id: "priority", header: t("channels.priority"), meta: { align: "right" }, cell: ({ row }) => <span className="tabular">{row.original.priority}</span> },
    { id: "weight", header: t("channels.weight"), meta: { align: "right" }, cell: ({ row }) => <span className="tabular">{row.original.weight}</span> },
    { id: "cost", header: t("channels.costRate"), meta: { align: "right" }, cell: ({ row }) => <span className="tabular">{rateLabel(row.original.costRatePpm)}</span> },
  ];

  const busy = (list.data ?? []).filter((a) => a.stats.calls > 0);
  const chartRows = busy.map((a) => ({ name: a.name, succeeded: a.stats.calls - a.stats.failures, failures: a.stats.failures }));

  return (
    <div className="space-y-6">
      <DataTable<ChannelListItem>
        label={t("channels.title")}
        queryKey={CHANNELS_TABLE_KEY}
        urlStateKey="ch"
        // A tenant has a handful of channel accounts and channels.list returns them all; the
        // filters narrow that one list (shared with the chart through the query cache).
        fetchPage={async ({ filters }) => {
          const all = await queryClient.fetchQuery(trpc.channels.list.queryOptions());
          const items = all.filter((a) => (!filters.type || a.channelType === filters.type) && (!filters.health || a.healthState === filters.health));
          return { items, nextCursor: null };
        }}
        columns={columns}
        getRowId={(r) => r.id}
        filters={[
          { id: "type", label: t("channels.channelType"), type: "select", options: CHANNEL_TYPE_LIST.map((c) => ({ value: c, label: channelTypeLabel(t, c) })) },
          { id: "health", label: t("channels.health"), type: "select", options: HEALTH_STATES.map((h) => ({ value: h, label: healthLabel(t, h) })) },
        ]}
        csv={{
          filename: "channel-accounts.csv",
          columns: [
            { header: "id", value: (r) => r.id },
            { header: "name", value: (r) => r.name },
            { header: "channel_type", value: (r) => r.channelType },
            { header: "enabled", value: (r) => (r.enabled ? "true" : "false") },
            { header: "health_state", value: (r) => r.healthState },
            { header: "health_reason", value: (r) => r.healthReason },
            { header: "calls_1h", value: (r) => r.stats.calls },
            { header: "failures_1h", value: (r) => r.stats.failures },
            { header: "avg_latency_ms_1h", value: (r) => (r.stats.avgLatencyMs === null ? null : Math.round(r.stats.avgLatencyMs)) },
            { header: "registrations", value: (r) => r._count.registrations },
            { header: "priority", value: (r) => r.priority },
            { header: "weight", value: (r) => r.weight },
            { header: "cost_rate_ppm", value: (r) => r.costRatePpm },
          ],
        }}
        emptyTitle={t("channels.emptyTitle")}
        emptyDescription={t("channels.emptyBody")}
        emptyAction={
          canManage ? (
            <Link href="/channels/new" className={buttonClass("primary")}>
              {t("channels.new")}
            </Link>
          ) : undefined
        }
      />
      {chartRows.length ? (
        <ChartCard
          title={t("channels.callsChartTitle")}
          description={t("channels.callsChartHelp")}
          chart={{
            kind: "bar",
            data: chartRows,
            xKey: "name",
            xLabel: t("channels.name"),
            series: [
              { key: "succeeded", label: t("channels.succeededCalls"), color: "var(--color-success)" },
              { key: "failures", label: t("channels.failedCalls"), color: "var(--color-danger)" },
            ],
            stacked: true,
            integerValues: true,
            valueFormatter: numberFormatter(locale),
          }}
        />
      ) : null}
    </div>
  );
}
