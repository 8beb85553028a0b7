"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { ErrorState } from "@/components/ui/states";
import { useT } from "@/i18n/client";
import type { MessageKey } from "@/i18n/catalogue";
import { accountName, accountTypeLabel, bookLabel, kindLabel } from "./labels";
import { AccountMarkers, Dash } from "./parts";
import type { LedgerAccountDetail, StatementItem } from "./types";

// The statement endpoint takes at most 200 rows a page; the table's CSV export asks for more.
const MAX_PAGE = 200;

type Phase = "POSTED" | "PENDING";

export function AccountView({ initial }: { initial: LedgerAccountDetail }) {
  const t = useT();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [phase, setPhase] = useState<Phase>("POSTED");
  const query = useQuery(trpc.ledger.getAccount.queryOptions({ id: initial.id }, { initialData: initial }));
  const account = query.data;
  const { currency } = account;

  const balances: Array<{ label: MessageKey; value: bigint; testId: string }> = [
    { label: "ledger.posted", value: account.balance.postedMinor, testId: "balance-posted" },
    { label: "ledger.pendingDebit", value: account.balance.pendingDebitMinor, testId: "balance-pending-debit" },
    { label: "ledger.pendingCredit", value: account.balance.pendingCreditMinor, testId: "balance-pending-credit" },
    { label: "ledger.available", value: account.balance.availableMinor, testId: "balance-available" },
  ];

  const amount = (v: bigint) => (v === 0n ? <Dash /> : <Money amountMinor={v} currency={currency} />);
  const columns: ColumnDef<StatementItem, unknown>[] = [
    { id: "businessDate", header: t("ledger.businessDate"), cell: ({ row }) => <span className="tabular whitespace-nowrap">{row.original.businessDate}</span> },
    { id: "createdAt", header: t("ledger.recordedAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    {
      id: "kind",
      header: t("ledger.kind"),
      cell: ({ row }) => (
        <span className="inline-flex flex-wrap items-center gap-1" title={row.original.kind}>
          {kindLabel(t, row.original.kind)}
          {row.original.isReversal ? <Badge tone="warning">{t("ledger.reversalMarker")}</Badge> : null}
        </span>
      ),
    },
    { id: "description", header: t("ledger.description"), cell: ({ row }) => row.original.description ?? <Dash /> },
    { id: "debit", header: t("ledger.debit"), meta: { align: "right" }, cell: ({ row }) => amount(row.original.debitMinor) },
    { id: "credit", header: t("ledger.credit"), meta: { align: "right" }, cell: ({ row }) => amount(row.original.creditMinor) },
    {
      id: "balanceAfter",
      header: t("ledger.balanceAfter"),
      meta: { align: "right" },
      cell: ({ row }) => (row.original.balanceAfterMinor === null ? <Dash /> : <Money amountMinor={row.original.balanceAfterMinor} currency={currency} />),
    },
    {
      id: "entry",
      header: t("ledger.entry"),
      enableHiding: false,
      cell: ({ row }) => (
        <Link
          href={`/ledger/entries/${row.original.entryId}`}
          className="whitespace-nowrap text-primary underline-offset-2 hover:underline"
          aria-label={t("ledger.viewEntryNumber", { seq: row.original.seq.toString() })}
        >
          #{row.original.seq.toString()}
        </Link>
      ),
    },
  ];

  return (
    <div className="space-y-6">
      <PageHeader
        title={<span data-testid="account-title">{accountName(t, account)}</span>}
        description={<span className="break-all font-mono">{account.code}</span>}
        actions={
          <span className="flex flex-wrap items-center gap-1">
            <Badge>{bookLabel(t, account.book)}</Badge>
            <Badge>{accountTypeLabel(t, account.type)}</Badge>
            <Badge>{currency}</Badge>
            <AccountMarkers isHot={account.isHot} bound={account.bound} />
          </span>
        }
      />
      {query.isError ? <ErrorState compact error={query.error} onRetry={() => void query.refetch()} /> : null}
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {balances.map((b) => (
          // data-amount-minor: the exact value for tests and tools, without reading formatted text.
          <Card key={b.testId} data-testid={b.testId} data-amount-minor={b.value.toString()}>
            <CardContent className="p-4">
              <p className="text-sm text-muted-foreground">{t(b.label)}</p>
              <Money amountMinor={b.value} currency={currency} inline className="mt-1 block text-2xl font-semibold" />
            </CardContent>
          </Card>
        ))}
      </div>
      <p className="text-xs text-muted-foreground">{t("ledger.balanceHelp")}</p>

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">{t("ledger.statement")}</h2>
        <DataTable<StatementItem>
          label={t("ledger.statement")}
          queryKey={["ledger.statement", account.id, phase]}
          fetchPage={({ cursor, limit, signal }) => client.ledger.statement.query({ accountId: account.id, cursor, limit: Math.min(limit, MAX_PAGE), phase }, { signal })}
          columns={columns}
          getRowId={(r) => `${r.entryId}:${r.line}`}
          toolbar={
            <div role="group" aria-label={t("ledger.phase")} className="inline-flex rounded-brand border border-border p-0.5">
              {(["POSTED", "PENDING"] as const).map((p) => (
                <Button key={p} size="sm" variant={phase === p ? "primary" : "ghost"} aria-pressed={phase === p} onClick={() => setPhase(p)}>
                  {t(p === "POSTED" ? "ledger.phasePosted" : "ledger.phasePending")}
                </Button>
              ))}
            </div>
          }
          csv={{
            filename: `statement-${account.code.replace(/:/g, "-")}-${phase.toLowerCase()}.csv`,
            columns: [
              { header: "business_date", value: (r) => r.businessDate },
              { header: "created_at", value: (r) => r.createdAt.toISOString() },
              { header: "entry_id", value: (r) => r.entryId },
              { header: "seq", value: (r) => r.seq },
              { header: "kind", value: (r) => r.kind },
              { header: "description", value: (r) => r.description },
              { header: "currency", value: () => currency },
              { header: "debit_minor", value: (r) => r.debitMinor },
              { header: "credit_minor", value: (r) => r.creditMinor },
              { header: "balance_after_minor", value: (r) => r.balanceAfterMinor },
              { header: "cause_type", value: (r) => r.causeType },
              { header: "cause_id", value: (r) => r.causeId },
              { header: "is_reversal", value: (r) => (r.isReversal ? "true" : "false") },
            ],
          }}
          emptyTitle={phase === "POSTED" ? t("ledger.noPostingsTitle") : t("ledger.noPendingTitle")}
          emptyDescription={phase === "POSTED" ? t("ledger.noPostingsBody") : t("ledger.noPendingBody")}
        />
      </section>
    </div>
  );
}
