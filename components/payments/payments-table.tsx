"use client";

import Link from "next/link";
import { useCallback, useState } from "react";
import type { ColumnDef } from "@tanstack/react-table";
import { productLabel } from "@/components/channels/labels";
import { PRODUCT_LIST } from "@/components/channels/types";
import { DataTable, type FetchPageArgs } from "@/components/data-table/data-table";
import { useTRPCClient } from "@/components/providers/trpc";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { LoadingState } from "@/components/ui/states";
import { useT } from "@/i18n/client";
import { isPaymentStatus, statusLabel } from "./labels";
import { PaymentStatusBadge, TestMarker } from "./parts";
import { PaymentsSummary } from "./payments-summary";
import { NewTestPaymentButton } from "./test-payment-dialog";
import { PAYMENT_STATUS_LIST, PAYMENTS_TABLE_KEY, type PaymentFilterInput, type PaymentListItem } from "./types";
import { usePaymentLookups } from "./use-payment-lookups";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PRODUCTS: ReadonlySet<string> = new Set(PRODUCT_LIST);

/** The table's active filters as the procedures' input: anything malformed (typed by hand in a URL) is left out. */
function filterInput(filters: FetchPageArgs["filters"]): PaymentFilterInput {
  const f: PaymentFilterInput = {};
  if (isPaymentStatus(filters.status)) f.status = filters.status;
  if (filters.product && PRODUCTS.has(filters.product)) f.product = filters.product as NonNullable<PaymentFilterInput["product"]>;
  if (filters.merchantId) f.merchantId = filters.merchantId;
  if (filters.storeId) f.storeId = filters.storeId;
  if (filters.channelAccountId) f.channelAccountId = filters.channelAccountId;
  if (filters.deviceId) f.deviceId = filters.deviceId.slice(0, 64);
  if (filters.merchantOrderNo) f.merchantOrderNo = filters.merchantOrderNo.slice(0, 64);
  if (filters.businessDateFrom && DATE.test(filters.businessDateFrom)) f.businessDateFrom = filters.businessDateFrom;
  if (filters.businessDateTo && DATE.test(filters.businessDateTo)) f.businessDateTo = filters.businessDateTo;
  return f;
}

/** The list: filters (mirrored in the URL), column choice, CSV export and the summary for the filter. */
export function PaymentsTable({ canCreateTest }: { canCreateTest: boolean }) {
  const t = useT();
  const client = useTRPCClient();
  const lookups = usePaymentLookups();
  // The summary follows the filter the list last asked the server for.
  const [summaryFilter, setSummaryFilter] = useState<PaymentFilterInput | null>(null);

  const fetchPage = useCallback(
    async ({ cursor, limit, filters, signal }: FetchPageArgs) => {
      const input = filterInput(filters);
      if (cursor === null) setSummaryFilter((prev) => (JSON.stringify(prev) === JSON.stringify(input) ? prev : input));
      return client.payments.find.query({ ...input, cursor, limit }, { signal });
    },
    [client],
  );

  const columns: ColumnDef<PaymentListItem, unknown>[] = [
    { id: "createdAt", header: t("payments.createdAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    {
      id: "merchantOrderNo",
      header: t("payments.merchantOrderNo"),
      enableHiding: false,
      cell: ({ row }) => (
        <span className="flex items-center gap-1.5">
          <Link href={`/payments/${row.original.id}`} className="font-mono text-xs font-medium text-primary underline-offset-2 hover:underline">
            {row.original.merchantOrderNo}
          </Link>
          <TestMarker merchantOrderNo={row.original.merchantOrderNo} />
        </span>
      ),
    },
    {
      id: "merchant",
      header: t("payments.merchant"),
      cell: ({ row }) => (
        <span className="flex flex-col">
          <span>{row.original.merchantName ?? t("payments.unknownName", { id: row.original.merchantId.slice(0, 8) })}</span>
          {row.original.storeName ? <span className="text-xs text-muted-foreground">{row.original.storeName}</span> : null}
        </span>
      ),
    },
    { id: "product", header: t("payments.product"), cell: ({ row }) => productLabel(t, row.original.product) },
    { id: "amount", header: t("payments.amount"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.amountMinor} currency={row.original.currency} /> },
    { id: "fee", header: t("payments.fee"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.feeMinor} currency={row.original.currency} /> },
    { id: "margin", header: t("payments.margin"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.marginMinor} currency={row.original.currency} /> },
    { id: "status", header: t("payments.status"), cell: ({ row }) => <PaymentStatusBadge status={row.original.status} /> },
    { id: "channelAccount", header: t("payments.channelAccount"), cell: ({ row }) => row.original.channelAccountName ?? row.original.channelAccountId.slice(0, 8) },
    { id: "businessDate", header: t("payments.businessDate"), cell: ({ row }) => <span className="tabular whitespace-nowrap">{row.original.businessDate}</span> },
    { id: "device", header: t("payments.device"), cell: ({ row }) => <span className="font-mono text-xs">{row.original.deviceId ?? "—"}</span> },
    { id: "channelTradeNo", header: t("payments.channelTradeNo"), cell: ({ row }) => <span className="font-mono text-xs">{row.original.channelTradeNo ?? "—"}</span> },
  ];

  return (
    <div className="space-y-6">
      <PaymentsSummary filter={summaryFilter} />
      {lookups.isPending ? (
        // The select filters check URL values against their options, so they wait for them.
        <LoadingState rows={6} className="rounded-brand border border-border bg-card" />
      ) : (
        <DataTable<PaymentListItem>
          label={t("payments.listLabel")}
          queryKey={PAYMENTS_TABLE_KEY}
          urlStateKey="pay"
          fetchPage={fetchPage}
          columns={columns}
          getRowId={(r) => r.id}
          rowHref={(r) => `/payments/${r.id}`}
          filters={[
            { id: "merchantOrderNo", label: t("payments.merchantOrderNo"), type: "text", placeholder: t("payments.filterOrderNoPlaceholder") },
            { id: "status", label: t("payments.status"), type: "select", options: PAYMENT_STATUS_LIST.map((s) => ({ value: s, label: statusLabel(t, s) })) },
            { id: "product", label: t("payments.product"), type: "select", options: PRODUCT_LIST.map((p) => ({ value: p, label: productLabel(t, p) })) },
            { id: "merchantId", label: t("payments.merchant"), type: "select", options: lookups.merchants.map((m) => ({ value: m.id, label: m.shortName })) },
            { id: "storeId", label: t("payments.store"), type: "select", options: lookups.stores.map((s) => ({ value: s.id, label: `${s.name} · ${s.merchantName}` })) },
            { id: "channelAccountId", label: t("payments.channelAccount"), type: "select", options: lookups.accounts.map((a) => ({ value: a.id, label: a.name })) },
            { id: "deviceId", label: t("payments.device"), type: "text", placeholder: t("payments.filterDevicePlaceholder") },
            { id: "businessDateFrom", label: t("payments.businessDateFrom"), type: "date" },
            { id: "businessDateTo", label: t("payments.businessDateTo"), type: "date" },
          ]}
          csv={{
            filename: "payments.csv",
            // Amounts as integer minor units (fen), as every CSV of the console.
            columns: [
              { header: "id", value: (r) => r.id },
              { header: "created_at", value: (r) => r.createdAt.toISOString() },
              { header: "business_date", value: (r) => r.businessDate },
              { header: "merchant_order_no", value: (r) => r.merchantOrderNo },
              { header: "out_trade_no", value: (r) => r.outTradeNo },
              { header: "channel_trade_no", value: (r) => r.channelTradeNo },
              { header: "merchant_id", value: (r) => r.merchantId },
              { header: "merchant", value: (r) => r.merchantName },
              { header: "store_id", value: (r) => r.storeId },
              { header: "store", value: (r) => r.storeName },
              { header: "device_id", value: (r) => r.deviceId },
              { header: "order_type", value: (r) => r.orderType },
              { header: "product", value: (r) => r.product },
              { header: "status", value: (r) => r.status },
              { header: "currency", value: (r) => r.currency },
              { header: "amount_minor", value: (r) => r.amountMinor },
              { header: "fee_minor", value: (r) => r.feeMinor },
              { header: "cost_minor", value: (r) => r.costMinor },
              { header: "margin_minor", value: (r) => r.marginMinor },
              { header: "channel_account_id", value: (r) => r.channelAccountId },
              { header: "channel_account", value: (r) => r.channelAccountName },
              { header: "failure_code", value: (r) => r.failureCode },
              { header: "paid_at", value: (r) => r.paidAt?.toISOString() ?? null },
            ],
          }}
          emptyTitle={t("payments.emptyTitle")}
          emptyDescription={t("payments.emptyBody")}
          emptyAction={canCreateTest ? <NewTestPaymentButton variant="primary" /> : undefined}
        />
      )}
    </div>
  );
}
