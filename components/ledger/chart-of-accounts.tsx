"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Money } from "@/components/ui/money";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { Tabs } from "@/components/ui/tabs";
import { useI18n, useT } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { accountTypeLabel, bookLabel } from "./labels";
import { AccountLink, AccountMarkers, BalancedBadge } from "./parts";
import { ACCOUNT_TYPES, BOOKS, type Book, type ChartPage } from "./types";

const SEARCH_DEBOUNCE_MS = 300;
/** Accounts per page of the chart. */
const CHART_PAGE = 500;

/** /ledger: the trial-balance check per book, then the chart of accounts by book and type. */
export function ChartOfAccounts() {
  const t = useT();
  const [book, setBook] = useState<Book>("OWN");
  return (
    <div className="space-y-6">
      <TrialBalanceSummary />
      <Tabs
        label={t("ledger.books")}
        value={book}
        onValueChange={(id) => setBook(id === "MEMO" ? "MEMO" : "OWN")}
        items={BOOKS.map((b) => ({ id: b, label: bookLabel(t, b), content: <BookAccounts book={b} /> }))}
      />
    </div>
  );
}

function TrialBalanceSummary() {
  const t = useT();
  const trpc = useTRPC();
  const tb = useQuery(trpc.ledger.trialBalance.queryOptions({}));
  if (tb.isPending) return <LoadingState rows={2} />;
  if (tb.isError) return <ErrorState error={tb.error} onRetry={() => void tb.refetch()} />;
  if (!tb.data.totals.length) return null;
  return (
    <section aria-label={t("ledger.trialBalance")} className="grid gap-4 md:grid-cols-2">
      {tb.data.totals.map((total) => (
        <Card key={`${total.book}-${total.currency}`} data-testid={`tb-summary-${total.book}-${total.currency}`}>
          <CardHeader>
            <div>
              <CardTitle>
                {t("ledger.trialBalance")} · {bookLabel(t, total.book)} · {total.currency}
              </CardTitle>
              <p className="mt-1 text-sm text-muted-foreground">{t("ledger.bookHelp", { book: bookLabel(t, total.book) })}</p>
            </div>
            <BalancedBadge balanced={total.balanced} />
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-2 gap-4">
              <div>
                <dt className="text-xs text-muted-foreground">{t("ledger.sumDebits")}</dt>
                <dd className="text-lg font-semibold">
                  <Money amountMinor={total.debitMinor} currency={total.currency} inline />
                </dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">{t("ledger.sumCredits")}</dt>
                <dd className="text-lg font-semibold">
                  <Money amountMinor={total.creditMinor} currency={total.currency} inline />
                </dd>
              </div>
            </dl>
            <Link href="/ledger/trial-balance" className="mt-3 inline-block text-sm text-primary underline-offset-2 hover:underline">
              {t("ledger.viewTrialBalance")}
            </Link>
          </CardContent>
        </Card>
      ))}
    </section>
  );
}

function BookAccounts({ book }: { book: Book }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const searchId = useId();
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  // Keyset pages in the chart's order (type, then code): a tenant with thousands of merchants or
  // wallets has more accounts than one answer carries, and the page says how many it shows.
  const accounts = useInfiniteQuery({
    ...trpc.ledger.chartOfAccounts.infiniteQueryOptions({ book, limit: CHART_PAGE, ...(q ? { q } : {}) }, { getNextPageParam: (last) => last.nextCursor, initialCursor: null }),
    placeholderData: keepPreviousData,
  });
  const rows = accounts.data?.pages.flatMap((p) => p.items) ?? [];

  let body;
  if (accounts.isPending) body = <LoadingState rows={6} />;
  else if (accounts.isError && !rows.length) body = <ErrorState error={accounts.error} onRetry={() => void accounts.refetch()} />;
  else if (!rows.length) {
    body = q ? (
      <EmptyState title={t("ui.noMatchesTitle")} description={t("ledger.noAccountsMatch", { q })} />
    ) : (
      <EmptyState title={t("ledger.noAccountsTitle")} description={t("ledger.noAccountsBody", { book: bookLabel(t, book) })} />
    );
  } else {
    body = (
      <div className={cn("space-y-6", accounts.isPlaceholderData && "opacity-60")} aria-busy={accounts.isPlaceholderData || undefined}>
        {ACCOUNT_TYPES.map((type) => {
          const ofType = rows.filter((a) => a.type === type);
          return ofType.length ? <TypeSection key={type} title={accountTypeLabel(t, type)} accounts={ofType} /> : null;
        })}
        {accounts.isFetchNextPageError ? <ErrorState compact error={accounts.error} onRetry={() => void accounts.fetchNextPage()} /> : null}
        {accounts.hasNextPage ? (
          <div className="flex flex-wrap items-center justify-between gap-3 rounded-brand border border-warning/40 bg-warning/10 px-4 py-3 text-sm" data-testid="accounts-truncated">
            <p aria-live="polite">{t("ledger.accountsShown", { count: formatNumber(rows.length, locale) })}</p>
            <Button variant="secondary" size="sm" loading={accounts.isFetchingNextPage} disabled={accounts.isPlaceholderData} onClick={() => void accounts.fetchNextPage()}>
              {t("ledger.loadMoreAccounts")}
            </Button>
          </div>
        ) : null}
      </div>
    );
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="flex w-72 flex-col gap-1">
          <Label htmlFor={searchId}>{t("ledger.filterAccounts")}</Label>
          <Input id={searchId} type="search" value={text} placeholder={t("ledger.filterAccountsPlaceholder")} onChange={(e) => setText(e.target.value)} />
        </div>
        <p className="max-w-xl text-xs text-muted-foreground">{t("ledger.markersLegend")}</p>
      </div>
      {body}
    </div>
  );
}

function TypeSection({ title, accounts }: { title: string; accounts: ChartPage["items"] }) {
  const t = useT();
  const router = useRouter();
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="rounded-brand border border-border bg-card">
      <h3 id={headingId} className="border-b border-border px-4 py-2 text-sm font-semibold">
        {title} <span className="font-normal text-muted-foreground">({accounts.length})</span>
      </h3>
      <div className="overflow-x-auto">
        {/* Fixed widths: the sections of every type line their amount columns up with each other. */}
        <table className="w-full min-w-[56rem] table-fixed border-collapse text-sm">
          <thead className="bg-muted">
            <tr>
              <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                {t("ledger.account")}
              </th>
              <th scope="col" className="w-40 px-3 py-2 text-left font-medium text-muted-foreground">
                <span className="sr-only">{t("ledger.markers")}</span>
              </th>
              <th scope="col" className="w-40 px-3 py-2 text-right font-medium text-muted-foreground">
                {t("ledger.posted")}
              </th>
              <th scope="col" className="w-40 px-3 py-2 text-right font-medium text-muted-foreground">
                {t("ledger.pendingDebit")}
              </th>
              <th scope="col" className="w-40 px-3 py-2 text-right font-medium text-muted-foreground">
                {t("ledger.pendingCredit")}
              </th>
              <th scope="col" className="w-40 px-3 py-2 text-right font-medium text-muted-foreground">
                {t("ledger.available")}
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr
                key={a.id}
                data-testid={`account-row-${a.code}`}
                className="cursor-pointer border-t border-border hover:bg-muted/60"
                onClick={(e) => {
                  // The code cell is a real link (keyboard, new tab); the rest of the row is a shortcut to it.
                  if (e.target instanceof Element && e.target.closest("a")) return;
                  if (window.getSelection()?.toString()) return;
                  router.push(`/ledger/accounts/${a.id}`);
                }}
              >
                <td className="px-3 py-2 align-middle">
                  <AccountLink id={a.id} code={a.code} name={a.name} />
                </td>
                <td className="px-3 py-2 align-middle">
                  <AccountMarkers isHot={a.isHot} bound={a.bound} />
                </td>
                <td className="px-3 py-2 text-right align-middle">
                  <Money amountMinor={a.balance.postedMinor} currency={a.currency} />
                </td>
                <td className="px-3 py-2 text-right align-middle">
                  <Money amountMinor={a.balance.pendingDebitMinor} currency={a.currency} />
                </td>
                <td className="px-3 py-2 text-right align-middle">
                  <Money amountMinor={a.balance.pendingCreditMinor} currency={a.currency} />
                </td>
                <td className="px-3 py-2 text-right align-middle">
                  <Money amountMinor={a.balance.availableMinor} currency={a.currency} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
