"use client";

import Link from "next/link";
import { useCallback } from "react";
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { DataTable, type FetchPageArgs } from "@/components/data-table/data-table";
import { Detail } from "@/components/ledger/parts";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { useT } from "@/i18n/client";
import { PayoutStatusBadge, WalletStatusBadge } from "./parts";
import type { PayoutListItem, TransferListItem, WalletDetail, WalletMovement } from "./types";

const link = "text-primary underline-offset-2 hover:underline";

/** One wallet: its balance from the ledger, its ledger movements, its transfers and withdrawals. */
export function WalletView({ initial, canReadLedger }: { initial: WalletDetail; canReadLedger: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const detail = useQuery({ ...trpc.wallets.get.queryOptions({ id: initial.id }), initialData: initial });
  const w = detail.data;

  const fetchMovements = useCallback(({ cursor, limit, signal }: FetchPageArgs) => client.wallets.movements.query({ id: w.id, cursor, limit }, { signal }), [client, w.id]);
  const fetchTransfers = useCallback(({ cursor, limit, signal }: FetchPageArgs) => client.wallets.transfers.query({ walletId: w.id, cursor, limit }, { signal }), [client, w.id]);
  const fetchPayouts = useCallback(({ cursor, limit, signal }: FetchPageArgs) => client.wallets.payouts.find.query({ walletId: w.id, cursor, limit }, { signal }), [client, w.id]);

  const movementColumns: ColumnDef<WalletMovement, unknown>[] = [
    { id: "createdAt", header: t("wallets.createdAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    { id: "businessDate", header: t("wallets.businessDate"), cell: ({ row }) => <span className="tabular">{row.original.businessDate}</span> },
    {
      id: "kind",
      header: t("wallets.kind"),
      cell: ({ row }) =>
        canReadLedger ? (
          <Link href={`/ledger/entries/${row.original.entryId}`} className={`font-mono text-xs ${link}`}>
            {row.original.kind}
          </Link>
        ) : (
          <span className="font-mono text-xs">{row.original.kind}</span>
        ),
    },
    { id: "description", header: t("wallets.description"), cell: ({ row }) => row.original.description ?? "—" },
    { id: "debit", header: t("wallets.debit"), meta: { align: "right" }, cell: ({ row }) => (row.original.debitMinor > 0n ? <Money amountMinor={row.original.debitMinor} currency={w.currency} /> : null) },
    { id: "credit", header: t("wallets.credit"), meta: { align: "right" }, cell: ({ row }) => (row.original.creditMinor > 0n ? <Money amountMinor={row.original.creditMinor} currency={w.currency} /> : null) },
    {
      id: "balanceAfter",
      header: t("wallets.balanceAfter"),
      meta: { align: "right" },
      cell: ({ row }) => (row.original.balanceAfterMinor === null ? null : <Money amountMinor={row.original.balanceAfterMinor} currency={w.currency} />),
    },
  ];

  const transferColumns: ColumnDef<TransferListItem, unknown>[] = [
    { id: "createdAt", header: t("wallets.createdAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    { id: "no", header: t("wallets.transferNo"), cell: ({ row }) => <span className="font-mono text-xs">{row.original.merchantTransferNo}</span> },
    {
      id: "from",
      header: t("wallets.from"),
      cell: ({ row }) => (
        <Link href={`/wallets/${row.original.fromWalletId}`} className={`font-mono text-xs ${link}`}>
          {row.original.fromExternalUserId ?? row.original.fromWalletId.slice(0, 8)}
        </Link>
      ),
    },
    {
      id: "to",
      header: t("wallets.to"),
      cell: ({ row }) => (
        <Link href={`/wallets/${row.original.toWalletId}`} className={`font-mono text-xs ${link}`}>
          {row.original.toExternalUserId ?? row.original.toWalletId.slice(0, 8)}
        </Link>
      ),
    },
    {
      id: "amount",
      header: t("wallets.amount"),
      meta: { align: "right" },
      // Money leaving this wallet shows as negative.
      cell: ({ row }) => <Money amountMinor={row.original.fromWalletId === w.id ? -row.original.amountMinor : row.original.amountMinor} currency={w.currency} />,
    },
  ];

  const payoutColumns: ColumnDef<PayoutListItem, unknown>[] = [
    { id: "createdAt", header: t("wallets.createdAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    {
      id: "requestNo",
      header: t("wallets.requestNo"),
      cell: ({ row }) => (
        <Link href={`/payouts/${row.original.id}`} className={`font-mono text-xs ${link}`}>
          {row.original.requestNo}
        </Link>
      ),
    },
    { id: "account", header: t("wallets.account"), cell: ({ row }) => `${row.original.accountName} · ${t("wallets.accountLast4", { last4: row.original.accountLast4 })}` },
    { id: "amount", header: t("wallets.amount"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.amountMinor} currency={w.currency} /> },
    { id: "status", header: t("wallets.status"), cell: ({ row }) => <PayoutStatusBadge status={row.original.status} /> },
  ];

  return (
    <div className="space-y-6">
      <div>
        <Link href="/wallets" className={`text-sm ${link}`}>
          ← {t("wallets.navWallets")}
        </Link>
      </div>
      <PageHeader title={t("wallets.walletTitle", { user: w.externalUserId })} description={w.merchantName} actions={<WalletStatusBadge status={w.status} />} />
      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("wallets.balanceTitle")}</CardTitle>
            <CardDescription>{t("wallets.balanceHelp", { code: `wallet:${w.id}` })}</CardDescription>
          </div>
        </CardHeader>
        <CardContent>
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Detail label={t("wallets.posted")} testId="wallet-posted">
              <Money amountMinor={w.postedMinor} currency={w.currency} inline className="text-lg font-semibold" />
            </Detail>
            <Detail label={t("wallets.available")} testId="wallet-available">
              <Money amountMinor={w.availableMinor} currency={w.currency} inline className="text-lg font-semibold" />
            </Detail>
            <Detail label={t("wallets.onHold")}>
              <Money amountMinor={w.postedMinor - w.availableMinor} currency={w.currency} inline />
            </Detail>
            <Detail label={t("wallets.createdAt")}>
              <DateTime value={w.createdAt} />
            </Detail>
          </dl>
        </CardContent>
      </Card>

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">{t("wallets.movementsTitle")}</h2>
        <p className="text-sm text-muted-foreground">{t("wallets.movementsHelp")}</p>
        <DataTable<WalletMovement>
          label={t("wallets.movementsTitle")}
          queryKey={["wallets.movements", w.id]}
          fetchPage={fetchMovements}
          columns={movementColumns}
          getRowId={(r) => `${r.entryId}:${r.line}`}
          pageSize={20}
          emptyTitle={t("wallets.movementsEmpty")}
        />
      </section>

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">{t("wallets.walletPayoutsTitle")}</h2>
        <DataTable<PayoutListItem>
          label={t("wallets.walletPayoutsTitle")}
          queryKey={["wallets.payouts.find", { walletId: w.id }]}
          fetchPage={fetchPayouts}
          columns={payoutColumns}
          getRowId={(r) => r.id}
          rowHref={(r) => `/payouts/${r.id}`}
          pageSize={20}
          emptyTitle={t("wallets.walletPayoutsEmpty")}
        />
      </section>

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">{t("wallets.transfersTitle")}</h2>
        <DataTable<TransferListItem>
          label={t("wallets.transfersTitle")}
          queryKey={["wallets.transfers", w.id]}
          fetchPage={fetchTransfers}
          columns={transferColumns}
          getRowId={(r) => r.id}
          pageSize={20}
          emptyTitle={t("wallets.transfersEmpty")}
        />
      </section>
    </div>
  );
}
