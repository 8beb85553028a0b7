"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter } from "@/components/charts/chart-utils";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Money } from "@/components/ui/money";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { accountTypeLabel, bookLabel } from "./labels";
import { AccountLink, BalancedBadge, MoneyCell } from "./parts";
import { ACCOUNT_TYPES, BOOKS, type TrialBalance, type TrialBalanceAccount } from "./types";
import { isIsoDate } from "./dates";

interface TypeRow {
  type: string;
  OWN: number;
  MEMO: number;
}

export function TrialBalanceView({ initialAsOf }: { initialAsOf: string | null }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const dateId = useId();
  const zeroId = useId();
  const [asOf, setAsOf] = useState(initialAsOf ?? "");
  const [showZero, setShowZero] = useState(false);
  const applied = isIsoDate(asOf) ? asOf : null;
  const tb = useQuery({ ...trpc.ledger.trialBalance.queryOptions(applied ? { asOf: applied } : {}), placeholderData: keepPreviousData });
  // The date in the address too, so Back from an account opened as of it returns to the same view.
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    if (applied) params.set("asOf", applied);
    else params.delete("asOf");
    const search = params.toString() ? `?${params.toString()}` : "";
    if (search !== window.location.search) window.history.replaceState(window.history.state, "", `${window.location.pathname}${search}${window.location.hash}`);
  }, [applied]);

  let body;
  if (tb.isPending) body = <LoadingState rows={8} />;
  else if (tb.isError) body = <ErrorState error={tb.error} onRetry={() => void tb.refetch()} />;
  else if (!tb.data.totals.length) body = <EmptyState title={t("ledger.noAccountsTitle")} />;
  else
    body = (
      <div className={cn("space-y-6", tb.isPlaceholderData && "opacity-60")} aria-busy={tb.isPlaceholderData || undefined}>
        {tb.data.totals.map((total) => (
          <BookTable key={`${total.book}-${total.currency}`} total={total} accounts={tb.data.accounts} showZero={showZero} asOf={tb.data.asOf} />
        ))}
        <TypeChart data={tb.data} />
      </div>
    );

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end gap-4">
        <div className="flex w-48 flex-col gap-1">
          <Label htmlFor={dateId}>{t("ledger.asOf")}</Label>
          <Input id={dateId} type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
        </div>
        {asOf ? (
          <Button variant="ghost" onClick={() => setAsOf("")}>
            {t("ledger.asOfNow")}
          </Button>
        ) : null}
        <label htmlFor={zeroId} className="flex items-center gap-2 pb-2 text-sm">
          <input id={zeroId} type="checkbox" checked={showZero} onChange={(e) => setShowZero(e.target.checked)} />
          {t("ledger.showZeroAccounts")}
        </label>
        <p className="pb-2 text-sm text-muted-foreground" aria-live="polite">
          {applied ? t("ledger.asOfHelp", { date: applied }) : t("ledger.asOfNowHelp")}
        </p>
      </div>
      {body}
    </div>
  );
}

function BookTable({ total, accounts, showZero, asOf }: { total: TrialBalance["totals"][number]; accounts: TrialBalanceAccount[]; showZero: boolean; asOf: string | null }) {
  const { t } = useI18n();
  const titleId = useId();
  const rows = accounts.filter((a) => a.book === total.book && a.currency === total.currency && (showZero || a.debitMinor !== 0n || a.creditMinor !== 0n));
  const { currency } = total;
  return (
    <Card data-testid={`tb-${total.book}-${currency}`}>
      <CardHeader>
        <CardTitle id={titleId}>
          {bookLabel(t, total.book)} · {currency}
        </CardTitle>
        <BalancedBadge balanced={total.balanced} />
      </CardHeader>
      <div className="overflow-x-auto">
        <table aria-labelledby={titleId} className="w-full min-w-[48rem] table-fixed border-collapse text-sm">
          <thead className="bg-muted">
            <tr>
              <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                {t("ledger.account")}
              </th>
              <th scope="col" className="w-36 px-3 py-2 text-left font-medium text-muted-foreground">
                {t("ledger.type")}
              </th>
              <th scope="col" className="w-44 px-3 py-2 text-right font-medium text-muted-foreground">
                {t("ledger.debit")}
              </th>
              <th scope="col" className="w-44 px-3 py-2 text-right font-medium text-muted-foreground">
                {t("ledger.credit")}
              </th>
              <th scope="col" className="w-44 px-3 py-2 text-right font-medium text-muted-foreground">
                {t("ledger.balance")}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr className="border-t border-border">
                <td colSpan={5} className="px-3 py-6 text-center text-muted-foreground">
                  {t("ledger.noActivity")}
                </td>
              </tr>
            ) : (
              rows.map((a) => (
                <tr key={a.accountId} className="border-t border-border" data-testid={`tb-row-${a.code}`}>
                  <td className="px-3 py-2">
                    {/* Drill-down: the account as of the same date, its balance there the one in this row. */}
                    <AccountLink id={a.accountId} code={a.code} name={a.name} asOf={asOf} />
                  </td>
                  <td className="px-3 py-2">{accountTypeLabel(t, a.type)}</td>
                  <MoneyCell amountMinor={a.debitMinor} currency={currency} />
                  <MoneyCell amountMinor={a.creditMinor} currency={currency} />
                  <MoneyCell amountMinor={a.balanceMinor} currency={currency} />
                </tr>
              ))
            )}
          </tbody>
          <tfoot>
            <tr className="border-t-2 border-border font-semibold" data-testid="tb-totals">
              <th scope="row" colSpan={2} className="px-3 py-2 text-left">
                {t("ledger.total")}
              </th>
              <MoneyCell amountMinor={total.debitMinor} currency={currency} />
              <MoneyCell amountMinor={total.creditMinor} currency={currency} />
              <td className="px-3 py-2 text-right">
                {total.balanced ? null : (
                  <span className="text-sm text-danger">
                    {t("ledger.offBy")} <Money amountMinor={total.debitMinor - total.creditMinor} currency={currency} inline />
                  </span>
                )}
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
    </Card>
  );
}

/** Balances by account type, one bar per book. One currency per chart: amounts of two currencies do not add up. */
function TypeChart({ data }: { data: TrialBalance }) {
  const { t, locale } = useI18n();
  const currency = data.totals.find((x) => x.currency === "CNY")?.currency ?? data.totals[0]?.currency ?? "CNY";
  const books = BOOKS.filter((b) => data.totals.some((x) => x.book === b && x.currency === currency));
  const sums = new Map<string, Record<string, bigint>>();
  for (const a of data.accounts) {
    if (a.currency !== currency) continue;
    const byBook = sums.get(a.type) ?? {};
    byBook[a.book] = (byBook[a.book] ?? 0n) + a.balanceMinor;
    sums.set(a.type, byBook);
  }
  const rows: TypeRow[] = ACCOUNT_TYPES.filter((type) => sums.has(type)).map((type) => {
    const s = sums.get(type) ?? {};
    // The one place a balance becomes a number: the chart's edge.
    return { type: accountTypeLabel(t, type), OWN: minorToChartNumber(s.OWN ?? 0n), MEMO: minorToChartNumber(s.MEMO ?? 0n) };
  });
  return (
    <ChartCard<TypeRow>
      title={t("ledger.balancesByType")}
      description={t("ledger.balancesByTypeHelp", { currency })}
      chart={{
        kind: "bar",
        data: rows,
        xKey: "type",
        xLabel: t("ledger.type"),
        series: books.map((b) => ({ key: b, label: bookLabel(t, b) })),
        valueFormatter: moneyFormatter(currency, locale),
        integerValues: true,
      }}
    />
  );
}
