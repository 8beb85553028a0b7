"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { DataTable, type FetchPageArgs, type FilterDef } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { ErrorState } from "@/components/ui/states";
import { useT } from "@/i18n/client";
import { isIsoDate } from "./dates";
import { accountName, accountTypeLabel, bookLabel, kindLabel, statementKindOptions } from "./labels";
import { AccountMarkers, Dash } from "./parts";
import type { BalanceAsOf, LedgerAccountDetail, StatementItem } from "./types";

// The statement endpoint takes at most 200 rows a page; the table's CSV export asks for more.
const MAX_PAGE = 200;

type Phase = "POSTED" | "PENDING";

/**
 * The statement's date range as sent: the table's filters, capped at the as-of date. Null when
 * nothing can match (a start after the end), so no request is made.
 */
export function statementRange(filters: Record<string, string>, asOf: string | null): { from?: string; to?: string } | null {
  const from = filters.from && isIsoDate(filters.from) ? filters.from : undefined;
  let to = filters.to && isIsoDate(filters.to) ? filters.to : undefined;
  if (asOf && (!to || to > asOf)) to = asOf;
  if (from && to && from > to) return null;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/**
 * /ledger/accounts/<id>: the account's balances and statement; with `asOf` (?asOf=YYYY-MM-DD, the
 * trial balance's drill-down) its posted balance at the end of that business date and the
 * statement up to it, under a banner that leads back to today.
 */
export function AccountView({ initial, asOf = null, initialAsOf }: { initial: LedgerAccountDetail; asOf?: string | null; initialAsOf?: BalanceAsOf }) {
  const t = useT();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [phase, setPhase] = useState<Phase>("POSTED");
  const query = useQuery(trpc.ledger.getAccount.queryOptions({ id: initial.id }, { initialData: initial }));
  const account = query.data;
  const { currency } = account;
  const asOfQuery = useQuery({
    ...trpc.ledger.balanceAsOf.queryOptions({ accountId: initial.id, businessDate: asOf ?? "" }, initialAsOf ? { initialData: initialAsOf } : {}),
    enabled: asOf !== null,
  });

  const balances: Array<{ label: string; value: bigint | null; testId: string }> = [
    asOf
      ? { label: t("ledger.postedAsOf", { date: asOf }), value: asOfQuery.data?.postedMinor ?? null, testId: "balance-posted-as-of" }
      : { label: t("ledger.posted"), value: account.balance.postedMinor, testId: "balance-posted" },
    { label: t("ledger.pendingDebit"), value: account.balance.pendingDebitMinor, testId: "balance-pending-debit" },
    { label: t("ledger.pendingCredit"), value: account.balance.pendingCreditMinor, testId: "balance-pending-credit" },
    { label: t("ledger.available"), value: account.balance.availableMinor, testId: "balance-available" },
  ];

  const filters: FilterDef[] = [
    { id: "from", label: t("ledger.statementFrom"), type: "date" },
    { id: "to", label: t("ledger.statementTo"), type: "date" },
    { id: "kind", label: t("ledger.statementKind"), type: "select", options: statementKindOptions(t) },
  ];
  // The table's fetcher, also its CSV export's: both send the filters shown.
  const fetchPage = ({ cursor, limit, filters: f, signal }: FetchPageArgs) => {
    const range = statementRange(f, asOf);
    if (!range) return Promise.resolve({ items: [] as StatementItem[], nextCursor: null });
    return client.ledger.statement.query({ accountId: account.id, cursor, limit: Math.min(limit, MAX_PAGE), phase, ...range, ...(f.kind ? { kind: f.kind } : {}) }, { signal });
  };

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
      {asOf ? (
        <div role="note" className="flex flex-wrap items-center justify-between gap-3 rounded-brand border border-primary/40 bg-primary/10 px-4 py-3 text-sm" data-testid="as-of-banner">
          <p>{t("ledger.asOfBanner", { date: asOf })}</p>
          <Link href={`/ledger/accounts/${account.id}`} className="font-medium text-primary underline-offset-2 hover:underline">
            {t("ledger.asOfBackToToday")}
          </Link>
        </div>
      ) : null}
      {query.isError ? <ErrorState compact error={query.error} onRetry={() => void query.refetch()} /> : null}
      {asOfQuery.isError ? <ErrorState compact error={asOfQuery.error} onRetry={() => void asOfQuery.refetch()} /> : null}
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {balances.map((b) => (
          // data-amount-minor: the exact value for tests and tools, without reading formatted text.
          <Card key={b.testId} data-testid={b.testId} data-amount-minor={b.value?.toString()} aria-busy={b.value === null || undefined}>
            <CardContent className="p-4">
              <p className="text-sm text-muted-foreground">{b.label}</p>
              {b.value === null ? (
                <span className="mt-1 block h-8 w-32 animate-pulse rounded-brand bg-muted motion-reduce:animate-none" />
              ) : (
                <Money amountMinor={b.value} currency={currency} inline className="mt-1 block text-2xl font-semibold" />
              )}
            </CardContent>
          </Card>
        ))}
      </div>
      <p className="text-xs text-muted-foreground">
        {t("ledger.balanceHelp")}
        {asOf ? ` ${t("ledger.asOfBalanceHelp")}` : null}
      </p>

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">{t("ledger.statement")}</h2>
        <p className="text-xs text-muted-foreground">{t("ledger.statementFilterHelp")}</p>
        <DataTable<StatementItem>
          label={t("ledger.statement")}
          queryKey={["ledger.statement", account.id, phase, asOf]}
          fetchPage={fetchPage}
          filters={filters}
          urlStateKey="st"
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
            filename: `statement-${account.code.replace(/:/g, "-")}-${phase.toLowerCase()}${asOf ? `-as-of-${asOf}` : ""}.csv`,
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
