"use client";

import Link from "next/link";
import { useCallback } from "react";
import type { ColumnDef } from "@tanstack/react-table";
import { DataTable, type FetchPageArgs } from "@/components/data-table/data-table";
import { useTRPCClient } from "@/components/providers/trpc";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { useT } from "@/i18n/client";
import { isPayoutStatus, payoutStatusLabel } from "./labels";
import { PayoutStatusBadge } from "./parts";
import { CURRENCY, PAYOUT_STATUS_LIST, PAYOUTS_TABLE_KEY, type PayoutFilterInput, type PayoutListItem } from "./types";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SOURCES = ["WALLET", "MERCHANT"] as const;

/** The table's active filters as the procedure's input: anything malformed (typed by hand in a URL) is left out. */
function filterInput(filters: FetchPageArgs["filters"]): PayoutFilterInput {
  const f: PayoutFilterInput = {};
  if (isPayoutStatus(filters.status)) f.status = filters.status;
  if (filters.source === "WALLET" || filters.source === "MERCHANT") f.source = filters.source;
  if (filters.number) f.number = filters.number.slice(0, 64);
  if (filters.businessDateFrom && DATE.test(filters.businessDateFrom)) f.businessDateFrom = filters.businessDateFrom;
  if (filters.businessDateTo && DATE.test(filters.businessDateTo)) f.businessDateTo = filters.businessDateTo;
  return f;
}

export function PayoutsTable() {
  const t = useT();
  const client = useTRPCClient();
  const fetchPage = useCallback(({ cursor, limit, filters, signal }: FetchPageArgs) => client.wallets.payouts.find.query({ ...filterInput(filters), cursor, limit }, { signal }), [client]);
  const columns: ColumnDef<PayoutListItem, unknown>[] = [
    { id: "createdAt", header: t("wallets.createdAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    {
      id: "requestNo",
      header: t("wallets.requestNo"),
      enableHiding: false,
      cell: ({ row }) => (
        <Link href={`/payouts/${row.original.id}`} className="font-mono text-xs font-medium text-primary underline-offset-2 hover:underline">
          {row.original.requestNo}
        </Link>
      ),
    },
    { id: "source", header: t("wallets.source"), cell: ({ row }) => t(`wallets.source_${row.original.source}`) },
    { id: "merchant", header: t("wallets.merchant"), cell: ({ row }) => row.original.merchantName },
    { id: "account", header: t("wallets.account"), cell: ({ row }) => `${row.original.accountName} · ${t("wallets.accountLast4", { last4: row.original.accountLast4 })}` },
    { id: "amount", header: t("wallets.amount"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.amountMinor} currency={CURRENCY} /> },
    { id: "status", header: t("wallets.status"), cell: ({ row }) => <PayoutStatusBadge status={row.original.status} /> },
    { id: "businessDate", header: t("wallets.businessDate"), cell: ({ row }) => <span className="tabular whitespace-nowrap">{row.original.businessDate.toISOString().slice(0, 10)}</span> },
    { id: "outPayoutNo", header: t("wallets.outPayoutNo"), cell: ({ row }) => <span className="font-mono text-xs">{row.original.outPayoutNo}</span> },
  ];
  return (
    <DataTable<PayoutListItem>
      label={t("wallets.payoutsListLabel")}
      queryKey={PAYOUTS_TABLE_KEY}
      urlStateKey="po"
      fetchPage={fetchPage}
      columns={columns}
      getRowId={(r) => r.id}
      rowHref={(r) => `/payouts/${r.id}`}
      filters={[
        { id: "number", label: t("wallets.number"), type: "text", placeholder: t("wallets.numberPlaceholder") },
        { id: "status", label: t("wallets.status"), type: "select", options: PAYOUT_STATUS_LIST.map((s) => ({ value: s, label: payoutStatusLabel(t, s) })) },
        { id: "source", label: t("wallets.source"), type: "select", options: SOURCES.map((s) => ({ value: s, label: t(`wallets.source_${s}`) })) },
        { id: "businessDateFrom", label: t("wallets.businessDateFrom"), type: "date" },
        { id: "businessDateTo", label: t("wallets.businessDateTo"), type: "date" },
      ]}
      csv={{
        filename: "payouts.csv",
        // Amounts as integer minor units (fen); the account number only by its last four digits.
        columns: [
          { header: "id", value: (r) => r.id },
          { header: "created_at", value: (r) => r.createdAt.toISOString() },
          { header: "business_date", value: (r) => r.businessDate.toISOString().slice(0, 10) },
          { header: "source", value: (r) => r.source },
          { header: "merchant_id", value: (r) => r.merchantId },
          { header: "merchant", value: (r) => r.merchantName },
          { header: "wallet_id", value: (r) => r.walletId },
          { header: "request_no", value: (r) => r.requestNo },
          { header: "out_payout_no", value: (r) => r.outPayoutNo },
          { header: "account_name", value: (r) => r.accountName },
          { header: "account_last4", value: (r) => r.accountLast4 },
          { header: "bank_code", value: (r) => r.bankCode },
          { header: "amount_minor", value: (r) => r.amountMinor },
          { header: "status", value: (r) => r.status },
          { header: "batch_id", value: (r) => r.batchId },
          { header: "failure_code", value: (r) => r.failureCode },
          { header: "completed_at", value: (r) => r.completedAt?.toISOString() ?? null },
        ],
      }}
      emptyTitle={t("wallets.payoutsEmptyTitle")}
      emptyDescription={t("wallets.payoutsEmptyBody")}
    />
  );
}
