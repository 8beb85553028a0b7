"use client";

import Link from "next/link";
import { useCallback } from "react";
import type { ColumnDef } from "@tanstack/react-table";
import { DataTable, type FetchPageArgs } from "@/components/data-table/data-table";
import { useTRPCClient } from "@/components/providers/trpc";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { useT } from "@/i18n/client";
import { WalletStatusBadge } from "./parts";
import { WALLETS_TABLE_KEY, type WalletListItem } from "./types";

const STATUSES = ["ACTIVE", "FROZEN", "CLOSED"] as const;
const isWalletStatus = (v: unknown): v is (typeof STATUSES)[number] => typeof v === "string" && (STATUSES as readonly string[]).includes(v);

/** Every wallet with its balance from the ledger; filter by the merchant's user id or status. */
export function WalletsTable() {
  const t = useT();
  const client = useTRPCClient();
  const fetchPage = useCallback(
    ({ cursor, limit, filters, signal }: FetchPageArgs) =>
      client.wallets.find.query(
        { cursor, limit, ...(filters.externalUserId ? { externalUserId: filters.externalUserId.slice(0, 64) } : {}), ...(isWalletStatus(filters.status) ? { status: filters.status } : {}) },
        { signal },
      ),
    [client],
  );
  const columns: ColumnDef<WalletListItem, unknown>[] = [
    {
      id: "externalUserId",
      header: t("wallets.externalUserId"),
      enableHiding: false,
      cell: ({ row }) => (
        <Link href={`/wallets/${row.original.id}`} className="font-mono text-xs font-medium text-primary underline-offset-2 hover:underline">
          {row.original.externalUserId}
        </Link>
      ),
    },
    { id: "merchant", header: t("wallets.merchant"), cell: ({ row }) => row.original.merchantName },
    { id: "posted", header: t("wallets.posted"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.postedMinor} currency={row.original.currency} /> },
    { id: "available", header: t("wallets.available"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.availableMinor} currency={row.original.currency} /> },
    { id: "status", header: t("wallets.status"), cell: ({ row }) => <WalletStatusBadge status={row.original.status} /> },
    { id: "createdAt", header: t("wallets.createdAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
  ];
  return (
    <DataTable<WalletListItem>
      label={t("wallets.walletsListLabel")}
      queryKey={WALLETS_TABLE_KEY}
      urlStateKey="wal"
      fetchPage={fetchPage}
      columns={columns}
      getRowId={(r) => r.id}
      rowHref={(r) => `/wallets/${r.id}`}
      filters={[
        { id: "externalUserId", label: t("wallets.externalUserId"), type: "text" },
        { id: "status", label: t("wallets.status"), type: "select", options: STATUSES.map((s) => ({ value: s, label: t(`wallets.walletStatus_${s}`) })) },
      ]}
      csv={{
        filename: "wallets.csv",
        columns: [
          { header: "id", value: (r) => r.id },
          { header: "merchant_id", value: (r) => r.merchantId },
          { header: "external_user_id", value: (r) => r.externalUserId },
          { header: "status", value: (r) => r.status },
          { header: "currency", value: (r) => r.currency },
          { header: "posted_minor", value: (r) => r.postedMinor },
          { header: "available_minor", value: (r) => r.availableMinor },
          { header: "created_at", value: (r) => r.createdAt.toISOString() },
        ],
      }}
      emptyTitle={t("wallets.walletsEmptyTitle")}
      emptyDescription={t("wallets.walletsEmptyBody")}
    />
  );
}
