"use client";

import Link from "next/link";
import type { ColumnDef } from "@tanstack/react-table";
import { useTRPCClient } from "@/components/providers/trpc";
import { DataTable } from "@/components/data-table/data-table";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { DateTime } from "@/components/ui/date-time";
import { useT } from "@/i18n/client";

export interface MerchantRow {
  id: string;
  legalName: string;
  shortName: string;
  creditCode: string;
  mcc: string;
  status: "ACTIVE" | "SUSPENDED" | "ARCHIVED";
  createdAt: Date;
  _count: { stores: number };
}

const TONE = { ACTIVE: "success", SUSPENDED: "warning", ARCHIVED: "neutral" } as const;

export function MerchantsTable({ canCreate }: { canCreate: boolean }) {
  const t = useT();
  const client = useTRPCClient();
  const columns: ColumnDef<MerchantRow, unknown>[] = [
    {
      id: "shortName",
      header: t("merchants.shortName"),
      enableSorting: true,
      cell: ({ row }) => (
        <Link href={`/merchants/${row.original.id}`} className="font-medium text-primary underline-offset-2 hover:underline">
          {row.original.shortName}
        </Link>
      ),
    },
    { id: "legalName", header: t("merchants.legalName"), accessorFn: (r) => r.legalName },
    { id: "creditCode", header: t("merchants.creditCode"), cell: ({ row }) => <span className="font-mono text-xs">{row.original.creditCode}</span> },
    { id: "mcc", header: t("merchants.mcc"), accessorFn: (r) => r.mcc },
    { id: "stores", header: t("merchants.storeCount"), meta: { align: "right" }, cell: ({ row }) => <span className="tabular">{row.original._count.stores}</span> },
    { id: "status", header: t("common.status"), cell: ({ row }) => <Badge tone={TONE[row.original.status]}>{t(`roles.${row.original.status}`)}</Badge> },
    { id: "createdAt", header: t("common.createdAt"), enableSorting: true, sortDescFirst: true, cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
  ];
  return (
    <DataTable<MerchantRow>
      label={t("merchants.title")}
      queryKey={["merchants.find"]}
      initialSort={{ id: "createdAt", desc: true }}
      fetchPage={({ cursor, limit, filters, sort }) =>
        client.merchants.find.query({
          cursor,
          limit,
          ...(sort && (sort.id === "createdAt" || sort.id === "shortName") ? { sort: { id: sort.id, desc: sort.desc } } : {}),
          ...(filters.q ? { q: filters.q } : {}),
          ...(filters.status ? { status: filters.status as MerchantRow["status"] } : {}),
        })
      }
      columns={columns}
      getRowId={(r) => r.id}
      filters={[
        { id: "q", label: t("common.search"), type: "text", placeholder: t("merchants.searchPlaceholder") },
        {
          id: "status",
          label: t("common.status"),
          type: "select",
          options: (["ACTIVE", "SUSPENDED", "ARCHIVED"] as const).map((s) => ({ value: s, label: t(`roles.${s}`) })),
        },
      ]}
      csv={{
        filename: "merchants.csv",
        columns: [
          { header: "id", value: (r) => r.id },
          { header: "short_name", value: (r) => r.shortName },
          { header: "legal_name", value: (r) => r.legalName },
          { header: "credit_code", value: (r) => r.creditCode },
          { header: "mcc", value: (r) => r.mcc },
          { header: "status", value: (r) => r.status },
          { header: "stores", value: (r) => r._count.stores },
          { header: "created_at", value: (r) => r.createdAt.toISOString() },
        ],
      }}
      emptyTitle={t("merchants.emptyTitle")}
      emptyDescription={t("merchants.emptyBody")}
      emptyAction={
        canCreate ? (
          <Link href="/merchants/new" className={buttonClass("primary")}>
            {t("merchants.new")}
          </Link>
        ) : undefined
      }
    />
  );
}
