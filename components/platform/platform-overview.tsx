"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter } from "@/components/charts/chart-utils";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { EmptyState, ErrorState, errorMessage, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";

const CURRENCY = "CNY";

/** Per-tenant volume, margin, platform fee and health for the platform operator. */
export function PlatformOverview() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const q = useQuery(trpc.platform.overview.queryOptions({ days: 30 }));
  const [editing, setEditing] = useState<{ id: string; name: string; bps: number } | null>(null);
  const body = () => {
    if (q.isPending) return <LoadingState rows={3} />;
    if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} compact />;
    if (!q.data.tenants.length) return <EmptyState title={t("business.noTenants")} />;
    const rows = q.data.tenants;
    return (
      <div className="space-y-4">
        <ChartCard
          title={t("business.platformTitle")}
          chart={{
            kind: "bar",
            data: rows.map((r) => ({ name: r.name, volume: minorToChartNumber(r.volumeMinor), margin: minorToChartNumber(r.marginMinor), fee: minorToChartNumber(r.platformFeeMinor) })),
            xKey: "name",
            xLabel: t("business.tenant"),
            series: [
              { key: "volume", label: t("business.volume") },
              { key: "margin", label: t("business.margin"), color: "var(--brand-accent)" },
              { key: "fee", label: t("business.platformFee"), color: "var(--color-warning)" },
            ],
            valueFormatter: moneyFormatter(CURRENCY, locale),
            height: 240,
          }}
        />
        <table className="w-full text-sm">
          <caption className="sr-only">{t("business.platformTitle")}</caption>
          <thead>
            <tr className="text-left text-muted-foreground">
              <th className="py-1 font-medium">{t("business.tenant")}</th>
              <th className="py-1 text-right font-medium">{t("business.volume")}</th>
              <th className="py-1 text-right font-medium">{t("business.margin")}</th>
              <th className="py-1 text-right font-medium">{t("business.feeBps")}</th>
              <th className="py-1 text-right font-medium">{t("business.platformFee")}</th>
              <th className="py-1 font-medium">{t("business.health")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} className="border-t border-border" data-testid={`overview-${r.slug}`}>
                <td className="py-1">{r.name}</td>
                <td className="py-1 text-right">
                  <Money amountMinor={r.volumeMinor} currency={CURRENCY} />
                </td>
                <td className="py-1 text-right">
                  <Money amountMinor={r.marginMinor} currency={CURRENCY} />
                </td>
                <td className="py-1 text-right tabular">{r.platformFeeBps}</td>
                <td className="py-1 text-right">
                  <Money amountMinor={r.platformFeeMinor} currency={CURRENCY} />
                </td>
                <td className={`py-1 text-xs ${r.openExceptions || r.failedWebhooks ? "text-warning" : "text-muted-foreground"}`}>
                  {t("business.healthLine", { exceptions: r.openExceptions, webhooks: r.failedWebhooks })}
                </td>
                <td className="py-1 text-right">
                  <Button size="sm" variant="secondary" onClick={() => setEditing({ id: r.id, name: r.name, bps: r.platformFeeBps })}>
                    {t("business.setFee")}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("business.platformTitle")}</CardTitle>
        <CardDescription>{t("business.platformHelp")}</CardDescription>
      </CardHeader>
      <CardContent>{body()}</CardContent>
      {editing ? <FeeDialog tenant={editing} onClose={() => setEditing(null)} /> : null}
    </Card>
  );
}

function FeeDialog({ tenant, onClose }: { tenant: { id: string; name: string; bps: number }; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [bps, setBps] = useState(String(tenant.bps));
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const save = useMutation(
    trpc.platform.setPlatformFee.mutationOptions({
      onSuccess: () => {
        toast.success(t("business.feeSaved"));
        void queryClient.invalidateQueries({ queryKey: trpc.platform.overview.queryKey() });
        onClose();
      },
      onError: (e) => setError(errorMessage(e) ?? String(e)),
    }),
  );
  return (
    <Dialog
      open
      onClose={onClose}
      title={t("business.feeDialog", { name: tenant.name })}
      footer={
        <Button loading={save.isPending} onClick={() => save.mutate({ tenantId: tenant.id, bps: Number(bps), reason })}>
          {t("business.setFee")}
        </Button>
      }
    >
      <div className="space-y-3">
        <Field label={t("business.feeBps")}>
          <Input inputMode="numeric" value={bps} onChange={(e) => setBps(e.target.value)} />
        </Field>
        <Field label={t("business.feeReason")} error={error ?? undefined}>
          <Input value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
      </div>
    </Dialog>
  );
}
