"use client";

import { useCallback, useState } from "react";
import type { ColumnDef } from "@tanstack/react-table";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { DataTable, type FetchPageArgs } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { SettlementStatusBadge, yuanInputToMinor } from "@/components/settlement/settlements-view";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { EmptyState, ErrorState, errorMessage, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import type { AppRouter } from "@/server/api/root";

// The merchant portal's pages: payments, balances and settlements, API keys. Every procedure they
// call takes the merchant from the session.

type Out = inferRouterOutputs<AppRouter>;
type PortalPayment = Out["merchantPortal"]["payments"]["items"][number];
type PortalSettlement = Out["merchantPortal"]["settlements"]["items"][number];
type PortalDevice = Out["merchantPortal"]["devices"]["items"][number];
const REFUND_TONE: Record<string, "success" | "warning" | "danger" | "neutral"> = { PROCESSING: "warning", SUCCEEDED: "success", FAILED: "danger", CLOSED: "neutral", ABNORMAL: "danger" };
const CURRENCY = "CNY";
const day = (d: Date) => d.toISOString().slice(0, 10);

/** A payment's refunds, and (for the merchant's administrator) a new one. */
function PortalRefunds({ payment, isAdmin, onClose }: { payment: PortalPayment; isAdmin: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const refunds = useQuery(trpc.merchantPortal.refunds.queryOptions({ id: payment.id }));
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const refund = useMutation(
    trpc.merchantPortal.refund.mutationOptions({
      onSuccess: (r) => {
        toast.success(t("settlement.portalRefundDone", { status: t(`payments.refundStatus_${r.status}` as "payments.refundStatus_SUCCEEDED") }));
        setAmount("");
        setReason("");
        void queryClient.invalidateQueries({ queryKey: trpc.merchantPortal.refunds.queryKey({ id: payment.id }) });
        void queryClient.invalidateQueries({ queryKey: ["merchantPortal"] });
      },
      onError: (e) => toast.error(errorMessage(e) ?? String(e)),
    }),
  );
  return (
    <Dialog open onClose={onClose} title={t("settlement.portalRefundsTitle", { orderNo: payment.merchantOrderNo })} description={t("settlement.portalRefundsHelp")}>
      <div className="space-y-4">
        {refunds.isPending ? (
          <LoadingState rows={2} />
        ) : refunds.isError ? (
          <ErrorState error={refunds.error} onRetry={() => void refunds.refetch()} compact />
        ) : refunds.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("settlement.portalNoRefunds")}</p>
        ) : (
          <ul className="divide-y text-sm" aria-label={t("settlement.portalRefunds")}>
            {refunds.data.map((r) => (
              <li key={r.id} className="flex items-center justify-between gap-3 py-2">
                <span className="font-mono text-xs">{r.merchantRefundNo}</span>
                <Money amountMinor={r.amountMinor} currency={CURRENCY} />
                <Badge tone={REFUND_TONE[r.status] ?? "neutral"}>{t(`payments.refundStatus_${r.status}` as "payments.refundStatus_SUCCEEDED")}</Badge>
              </li>
            ))}
          </ul>
        )}
        {isAdmin ? (
          <form
            aria-label={t("settlement.portalRefundSubmit")}
            className="space-y-3"
            onSubmit={(e) => {
              e.preventDefault();
              const minor = yuanInputToMinor(amount);
              if (minor === null || minor <= 0n) return setInvalid(t("settlement.amountInvalid"));
              setInvalid(null);
              refund.mutate({ paymentId: payment.id, amountMinor: minor, ...(reason.trim() ? { reason: reason.trim() } : {}) });
            }}
          >
            <Field label={t("settlement.portalRefundAmount")} error={invalid ?? undefined}>
              <Input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} required />
            </Field>
            <Field label={t("settlement.portalRefundReason")}>
              <Input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} />
            </Field>
            <Button type="submit" loading={refund.isPending}>
              {t("settlement.portalRefundSubmit")}
            </Button>
          </form>
        ) : (
          <p className="text-xs text-muted-foreground">{t("settlement.portalRefundStaff")}</p>
        )}
      </div>
    </Dialog>
  );
}

export function PortalPayments({ isAdmin }: { isAdmin: boolean }) {
  const { t } = useI18n();
  const client = useTRPCClient();
  const [refunding, setRefunding] = useState<PortalPayment | null>(null);
  const fetchPage = useCallback(
    ({ cursor, limit, filters, signal }: FetchPageArgs) =>
      client.merchantPortal.payments.query({ cursor, limit, ...(filters.merchantOrderNo ? { merchantOrderNo: filters.merchantOrderNo.slice(0, 64) } : {}) }, { signal }),
    [client],
  );
  const columns: ColumnDef<PortalPayment, unknown>[] = [
    { id: "createdAt", header: t("settlement.paidAt"), cell: ({ row }) => <DateTime value={row.original.paidAt ?? row.original.createdAt} /> },
    { id: "merchantOrderNo", header: t("settlement.orderNo"), enableHiding: false, cell: ({ row }) => <span className="font-mono text-xs">{row.original.merchantOrderNo}</span> },
    { id: "product", header: t("settlement.product"), cell: ({ row }) => row.original.product },
    { id: "store", header: t("settlement.store"), cell: ({ row }) => row.original.storeName ?? "—" },
    { id: "amount", header: t("settlement.amount"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.amountMinor} currency={CURRENCY} /> },
    { id: "fee", header: t("settlement.fee"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.feeMinor} currency={CURRENCY} /> },
    { id: "status", header: t("settlement.paymentStatus"), cell: ({ row }) => <Badge tone={row.original.status === "SUCCEEDED" ? "success" : row.original.status === "PROCESSING" ? "info" : "neutral"}>{t(`payments.status_${row.original.status}` as "payments.status_SUCCEEDED")}</Badge> },
    {
      id: "refunds",
      header: t("settlement.portalRefunds"),
      cell: ({ row }) =>
        row.original.status === "SUCCEEDED" ? (
          <Button size="sm" variant="secondary" onClick={() => setRefunding(row.original)}>
            {t("settlement.portalRefunds")}
          </Button>
        ) : null,
    },
  ];
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settlement.portalPaymentsTitle")}</CardTitle>
        <CardDescription>{t("settlement.portalPaymentsHelp")}</CardDescription>
      </CardHeader>
      <CardContent>
        <DataTable<PortalPayment>
          label={t("settlement.portalPaymentsTitle")}
          queryKey={["merchantPortal", "payments"]}
          urlStateKey="mp"
          fetchPage={fetchPage}
          columns={columns}
          getRowId={(r) => r.id}
          filters={[{ id: "merchantOrderNo", label: t("settlement.orderNo"), type: "text" }]}
          csv={{
            filename: "payments.csv",
            columns: [
              { header: "id", value: (r) => r.id },
              { header: "merchant_order_no", value: (r) => r.merchantOrderNo },
              { header: "out_trade_no", value: (r) => r.outTradeNo },
              { header: "channel_trade_no", value: (r) => r.channelTradeNo },
              { header: "product", value: (r) => r.product },
              { header: "store", value: (r) => r.storeName },
              { header: "device_id", value: (r) => r.deviceId },
              { header: "amount_minor", value: (r) => r.amountMinor },
              { header: "fee_minor", value: (r) => r.feeMinor },
              { header: "status", value: (r) => r.status },
              { header: "business_date", value: (r) => r.businessDate },
              { header: "paid_at", value: (r) => r.paidAt?.toISOString() ?? null },
            ],
          }}
          emptyTitle={t("settlement.noPayments")}
          emptyDescription={t("settlement.noPaymentsBody")}
        />
        {refunding ? <PortalRefunds payment={refunding} isAdmin={isAdmin} onClose={() => setRefunding(null)} /> : null}
      </CardContent>
    </Card>
  );
}

/** The face devices at the merchant's stores. */
export function PortalDevices() {
  const { t } = useI18n();
  const client = useTRPCClient();
  const fetchPage = useCallback(({ cursor, limit, signal }: FetchPageArgs) => client.merchantPortal.devices.query({ cursor, limit }, { signal }), [client]);
  const columns: ColumnDef<PortalDevice, unknown>[] = [
    { id: "serialNumber", header: t("settlement.serialNumber"), enableHiding: false, cell: ({ row }) => <span className="font-mono text-xs">{row.original.serialNumber}</span> },
    { id: "model", header: t("settlement.model"), cell: ({ row }) => row.original.model ?? "—" },
    { id: "store", header: t("settlement.store"), cell: ({ row }) => row.original.storeName ?? "—" },
    { id: "status", header: t("settlement.deviceStatus"), cell: ({ row }) => <Badge tone="neutral">{t(`devices.status_${row.original.status}` as "devices.status_ACTIVE")}</Badge> },
    { id: "online", header: t("devices.online"), cell: ({ row }) => <Badge tone={row.original.isOnline ? "success" : "neutral"}>{row.original.isOnline ? t("devices.online") : t("devices.offline")}</Badge> },
    { id: "lastSeen", header: t("settlement.lastSeen"), cell: ({ row }) => (row.original.lastSeenAt ? <DateTime value={row.original.lastSeenAt} /> : "—") },
    { id: "appVersion", header: t("settlement.appVersion"), cell: ({ row }) => row.original.appVersion ?? "—" },
  ];
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settlement.portalDevicesTitle")}</CardTitle>
        <CardDescription>{t("settlement.portalDevicesHelp")}</CardDescription>
      </CardHeader>
      <CardContent>
        <DataTable<PortalDevice>
          label={t("settlement.portalDevicesTitle")}
          queryKey={["merchantPortal", "devices"]}
          urlStateKey="md"
          fetchPage={fetchPage}
          columns={columns}
          getRowId={(r) => r.id}
          emptyTitle={t("settlement.portalNoDevices")}
          emptyDescription={t("settlement.portalNoDevicesBody")}
        />
      </CardContent>
    </Card>
  );
}

export function PortalBalances() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const q = useQuery(trpc.merchantPortal.balances.queryOptions());
  const body = () => {
    if (q.isPending) return <LoadingState rows={2} />;
    if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} compact />;
    const b = q.data;
    const tiles: Array<[string, bigint]> =
      b.mode === "DIRECT"
        ? [[t("settlement.owedByChannel"), b.owedByChannelMinor]]
        : [
            [t("settlement.pending"), b.pendingMinor],
            [t("settlement.available"), b.availableMinor],
            [t("settlement.payoutsInProgress"), b.payoutsInProgressMinor],
            [t("settlement.reserve"), b.reserveMinor],
            [t("settlement.debt"), b.debtMinor],
          ];
    return (
      <div className="space-y-3">
        <dl className="grid gap-3 sm:grid-cols-3 lg:grid-cols-5">
          {tiles.map(([label, v]) => (
            <div key={label} className="rounded-brand border border-border p-3">
              <dt className="text-xs text-muted-foreground">{label}</dt>
              <dd className="mt-1 text-lg font-semibold" data-testid={`balance-${label}`}>
                <Money amountMinor={v} currency={CURRENCY} />
              </dd>
            </div>
          ))}
        </dl>
        {b.mode === "CUSTODIAL" && b.reserveReleases.length ? (
          <ul className="text-sm text-muted-foreground">
            {b.reserveReleases.map((r) => (
              <li key={`${r.releaseOn}-${r.amountMinor}`}>
                <Money amountMinor={r.amountMinor} currency={CURRENCY} inline /> · {t("settlement.releaseOn", { date: r.releaseOn })}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    );
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settlement.portalBalancesTitle")}</CardTitle>
        <CardDescription>{t("settlement.portalBalancesHelp")}</CardDescription>
      </CardHeader>
      <CardContent>{body()}</CardContent>
    </Card>
  );
}

export function PortalSettlements() {
  const { t } = useI18n();
  const client = useTRPCClient();
  const fetchPage = useCallback(({ cursor, limit, signal }: FetchPageArgs) => client.merchantPortal.settlements.query({ cursor, limit }, { signal }), [client]);
  const columns: ColumnDef<PortalSettlement, unknown>[] = [
    { id: "date", header: t("settlement.date"), cell: ({ row }) => <span className="tabular">{day(row.original.settlementDate)}</span> },
    { id: "status", header: t("settlement.status"), cell: ({ row }) => <SettlementStatusBadge status={row.original.status} /> },
    { id: "cutoff", header: t("settlement.cutoff"), cell: ({ row }) => <span className="tabular">{day(row.original.cutoffDate)}</span> },
    { id: "gross", header: t("settlement.gross"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.grossMinor} currency={CURRENCY} /> },
    { id: "reserve", header: t("settlement.reserve"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.reserveMinor} currency={CURRENCY} /> },
    { id: "net", header: t("settlement.net"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.netMinor} currency={CURRENCY} /> },
  ];
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settlement.portalSettlementsTitle")}</CardTitle>
      </CardHeader>
      <CardContent>
        <DataTable<PortalSettlement>
          label={t("settlement.portalSettlementsTitle")}
          queryKey={["merchantPortal", "settlements"]}
          fetchPage={fetchPage}
          columns={columns}
          getRowId={(r) => r.id}
          emptyTitle={t("settlement.empty")}
        />
      </CardContent>
    </Card>
  );
}

export function PortalApiKeys({ isAdmin }: { isAdmin: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.merchantPortal.apiKeys.queryOptions());
  const [label, setLabel] = useState("");
  const [created, setCreated] = useState<{ keyId: string; secret: string } | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.merchantPortal.apiKeys.queryKey() });
  const create = useMutation(
    trpc.merchantPortal.createApiKey.mutationOptions({
      onSuccess: (k) => {
        setCreated({ keyId: k.keyId, secret: k.secret });
        setLabel("");
        refresh();
      },
      onError: (e) => toast.error(errorMessage(e) ?? String(e)),
    }),
  );
  const revoke = useMutation(
    trpc.merchantPortal.revokeApiKey.mutationOptions({
      onSuccess: () => {
        toast.success(t("settlement.revoked"));
        refresh();
      },
      onError: (e) => toast.error(errorMessage(e) ?? String(e)),
    }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settlement.portalDevelopersTitle")}</CardTitle>
        <CardDescription>{t("settlement.portalDevelopersHelp")}</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {isAdmin ? (
          <form
            className="flex flex-wrap items-end gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate(label.trim() ? { label: label.trim() } : {});
            }}
          >
            <Field label={t("settlement.keyLabel")}>
              <Input name="label" value={label} maxLength={80} onChange={(e) => setLabel(e.target.value)} />
            </Field>
            <Button type="submit" loading={create.isPending}>
              {t("settlement.createKey")}
            </Button>
          </form>
        ) : (
          <p className="text-sm text-muted-foreground">{t("settlement.staffOnlyRead")}</p>
        )}
        {created ? (
          <div className="rounded-brand border border-warning/40 bg-warning/5 p-3 text-sm" role="status" data-testid="new-api-key">
            <p className="font-medium">{t("settlement.keyCreated")}</p>
            <p className="mt-1">
              {t("settlement.keyId")}: <code data-testid="new-key-id">{created.keyId}</code>
            </p>
            <p>
              {t("settlement.secret")}: <code data-testid="new-key-secret">{created.secret}</code>
            </p>
          </div>
        ) : null}
        {keys.isPending ? (
          <LoadingState rows={2} />
        ) : keys.isError ? (
          <ErrorState error={keys.error} onRetry={() => void keys.refetch()} compact />
        ) : !keys.data.length ? (
          <EmptyState title={t("settlement.noKeys")} description={t("settlement.noKeysBody")} />
        ) : (
          <table className="w-full text-sm">
            <caption className="sr-only">{t("settlement.portalDevelopersTitle")}</caption>
            <thead>
              <tr className="text-left text-muted-foreground">
                <th className="py-1 font-medium">{t("settlement.keyId")}</th>
                <th className="py-1 font-medium">{t("settlement.keyLabel")}</th>
                <th className="py-1 font-medium">{t("settlement.keyStatus")}</th>
                <th className="py-1 font-medium">{t("settlement.keyCreatedAt")}</th>
                <th className="py-1 font-medium">{t("settlement.keyLastUsed")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} className="border-t border-border" data-testid={`api-key-${k.keyId}`}>
                  <td className="py-1 font-mono text-xs">{k.keyId}</td>
                  <td className="py-1">{k.label ?? ""}</td>
                  <td className="py-1">
                    <Badge tone={k.status === "ACTIVE" ? "success" : "neutral"}>{k.status}</Badge>
                  </td>
                  <td className="py-1">
                    <DateTime value={k.createdAt} />
                  </td>
                  <td className="py-1">{k.lastUsedAt ? <DateTime value={k.lastUsedAt} /> : "—"}</td>
                  <td className="py-1 text-right">
                    {isAdmin && k.status === "ACTIVE" ? (
                      <Button size="sm" variant="danger" loading={revoke.isPending && revoke.variables?.id === k.id} onClick={() => revoke.mutate({ id: k.id })}>
                        {t("settlement.revoke")}
                      </Button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CardContent>
    </Card>
  );
}

export function PortalWebhook({ isAdmin }: { isAdmin: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const endpoint = useQuery(trpc.merchantPortal.webhookEndpoint.queryOptions());
  const [url, setUrl] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.merchantPortal.webhookEndpoint.queryKey() });
  const save = useMutation(
    trpc.merchantPortal.saveWebhookEndpoint.mutationOptions({
      onSuccess: (r) => {
        toast.success(t("settlement.webhookSaved"));
        if (r.secret) setSecret(r.secret);
        refresh();
      },
      onError: (e) => toast.error(errorMessage(e) ?? String(e)),
    }),
  );
  const rotate = useMutation(
    trpc.merchantPortal.rotateWebhookSecret.mutationOptions({
      onSuccess: (r) => {
        setSecret(r.secret);
        refresh();
      },
      onError: (e) => toast.error(errorMessage(e) ?? String(e)),
    }),
  );
  if (endpoint.isPending) return <LoadingState rows={2} />;
  if (endpoint.isError) return <ErrorState error={endpoint.error} onRetry={() => void endpoint.refetch()} compact />;
  const current = endpoint.data;
  const value = url ?? current?.url ?? "";
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settlement.webhookTitle")}</CardTitle>
        <CardDescription>{t("settlement.webhookHelp")}</CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        {!current && !isAdmin ? <EmptyState title={t("settlement.webhookNone")} /> : null}
        {isAdmin ? (
          <form
            className="flex flex-wrap items-end gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate({ url: value.trim() });
            }}
          >
            <Field label={t("settlement.webhookUrl")}>
              <Input name="webhookUrl" type="url" className="min-w-80" value={value} onChange={(e) => setUrl(e.target.value)} placeholder="https://" />
            </Field>
            <Button type="submit" loading={save.isPending}>
              {t("settlement.webhookSave")}
            </Button>
            {current ? (
              <Button variant="secondary" loading={rotate.isPending} onClick={() => rotate.mutate()}>
                {t("settlement.webhookRotate")}
              </Button>
            ) : null}
          </form>
        ) : current ? (
          <p className="font-mono text-sm">{current.url}</p>
        ) : null}
        {secret ? (
          <div className="rounded-brand border border-warning/40 bg-warning/5 p-3 text-sm" role="status">
            <p className="font-medium">{t("settlement.webhookSecret")}</p>
            <code data-testid="webhook-secret">{secret}</code>
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}
