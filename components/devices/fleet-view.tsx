"use client";

import Link from "next/link";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter } from "@/components/charts/chart-utils";
import { useTRPC } from "@/components/providers/trpc";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { successRateText, tdClass, thClass } from "./parts";

/** Devices or stores ranked by volume with success rate and health; devices idle for N days. */
export function FleetView() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const [days, setDays] = useState("7");
  const [by, setBy] = useState<"device" | "store">("device");
  const [idleDays, setIdleDays] = useState("7");
  const ranking = useQuery(trpc.devices.ranking.queryOptions({ days: Number(days), by, limit: 20 }));
  const idleN = Math.max(1, Math.min(365, Number(idleDays) || 7));
  const idle = useQuery(trpc.devices.idle.queryOptions({ days: idleN }));
  const rows = ranking.data ?? [];
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end gap-3">
        <Field label={t("devices.period")}>
          <Select
            name="period"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            options={[
              { value: "7", label: t("devices.last7") },
              { value: "30", label: t("devices.last30") },
            ]}
          />
        </Field>
        <Field label={t("devices.rankBy")}>
          <Select
            name="by"
            value={by}
            onChange={(e) => setBy(e.target.value as "device" | "store")}
            options={[
              { value: "device", label: t("devices.rankDevices") },
              { value: "store", label: t("devices.rankStores") },
            ]}
          />
        </Field>
      </div>
      {ranking.isPending ? (
        <LoadingState />
      ) : ranking.isError ? (
        <ErrorState error={ranking.error} onRetry={() => void ranking.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title={t("devices.rankingEmpty")} />
      ) : (
        <>
          <ChartCard
            title={t("devices.rankingChart", { by: by === "device" ? t("devices.rankDevices") : t("devices.rankStores") })}
            chart={{
              kind: "bar",
              data: rows.map((r) => ({ label: r.label, volume: minorToChartNumber(r.amountMinor) })),
              xKey: "label",
              xLabel: by === "device" ? t("devices.serialNumber") : t("devices.store"),
              valueFormatter: moneyFormatter("CNY", locale),
              series: [{ key: "volume", label: t("devices.volume") }],
            }}
          />
          <table className="w-full text-sm" data-testid="ranking-table">
            <thead className="bg-muted/40">
              <tr>
                <th className={thClass}>{by === "device" ? t("devices.serialNumber") : t("devices.store")}</th>
                <th className={`${thClass} text-right`}>{t("devices.volume")}</th>
                <th className={`${thClass} text-right`}>{t("devices.payments")}</th>
                <th className={`${thClass} text-right`}>{t("devices.successRate")}</th>
                <th className={`${thClass} text-right`}>{t("devices.refunds")}</th>
                <th className={`${thClass} text-right`}>{t("devices.margin")}</th>
                <th className={`${thClass} text-right`}>{t("devices.health")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} className="border-t border-border">
                  <td className={tdClass}>{by === "device" && r.id ? <Link href={`/devices/${r.id}`} className="font-mono text-xs text-primary hover:underline">{r.label}</Link> : r.label}</td>
                  <td className={`${tdClass} text-right`}>
                    <Money amountMinor={r.amountMinor} currency="CNY" />
                  </td>
                  <td className={`${tdClass} text-right tabular-nums`}>{r.paymentCount}</td>
                  <td className={`${tdClass} text-right tabular-nums`}>{successRateText(r.successCount, r.paymentCount)}</td>
                  <td className={`${tdClass} text-right`}>
                    <Money amountMinor={r.refundMinor} currency="CNY" />
                  </td>
                  <td className={`${tdClass} text-right`}>
                    <Money amountMinor={r.marginMinor} currency="CNY" />
                  </td>
                  <td className={`${tdClass} text-right tabular-nums`}>
                    {r.online}/{r.devices}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <Card>
        <CardHeader>
          <CardTitle>{t("devices.idleTitle")}</CardTitle>
          <CardDescription>{t("devices.idleHelp", { days: idleN })}</CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          <Field label={t("devices.idleDays")}>
            <Input name="idleDays" type="number" min={1} max={365} value={idleDays} onChange={(e) => setIdleDays(e.target.value)} className="w-32" />
          </Field>
          {idle.isPending ? (
            <LoadingState rows={3} />
          ) : idle.isError ? (
            <ErrorState error={idle.error} onRetry={() => void idle.refetch()} compact />
          ) : idle.data.length === 0 ? (
            <EmptyState title={t("devices.idleEmpty")} />
          ) : (
            <table className="w-full text-sm" data-testid="idle-table">
              <thead className="bg-muted/40">
                <tr>
                  <th className={thClass}>{t("devices.serialNumber")}</th>
                  <th className={thClass}>{t("devices.store")}</th>
                  <th className={thClass}>{t("devices.lastSuccess")}</th>
                  <th className={thClass}>{t("devices.lastSeen")}</th>
                </tr>
              </thead>
              <tbody>
                {idle.data.map((d) => (
                  <tr key={d.id} className="border-t border-border">
                    <td className={tdClass}>
                      <Link href={`/devices/${d.id}`} className="font-mono text-xs text-primary hover:underline">
                        {d.serialNumber}
                      </Link>
                    </td>
                    <td className={tdClass}>{d.storeName ?? "—"}</td>
                    <td className={tdClass}>{d.lastSuccessDate ?? t("devices.never")}</td>
                    <td className={tdClass}>{d.lastSeenAt ? <DateTime value={d.lastSeenAt} /> : t("devices.never")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
