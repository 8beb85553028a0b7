"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Dash } from "@/components/ledger/parts";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { formatDateTime } from "@/i18n/format";
import { orderTypeName, productName, reasonLabel } from "./codes";
import { OutcomeBadge, thClass } from "./parts";
import { asTrace } from "./trace";
import { TraceView } from "./trace-view";
import { CURRENCY, type DecisionRow } from "./types";
import type { RoutingLookups } from "./use-lookups";

const LIMITS = [50, 100, 200] as const;
const OUTCOMES = ["ROUTED", "NO_ROUTE", "RISK_REFUSED"] as const;
type OutcomeFilter = "" | (typeof OUTCOMES)[number];

/** The latest routing decisions, newest first, each with its trace. */
export function DecisionsTab({ lookups }: { lookups: RoutingLookups }) {
  const { t, locale, timeZone } = useI18n();
  const trpc = useTRPC();
  const titleId = useId();
  const outcomeId = useId();
  const limitId = useId();
  const [outcome, setOutcome] = useState<OutcomeFilter>("");
  const [limit, setLimit] = useState<(typeof LIMITS)[number]>(50);
  const [open, setOpen] = useState<DecisionRow | null>(null);
  const decisions = useQuery({ ...trpc.routing.decisions.queryOptions({ limit, ...(outcome ? { outcome } : {}) }), placeholderData: keepPreviousData });
  const { names } = lookups;

  let body;
  if (decisions.isPending) body = <LoadingState rows={6} />;
  else if (decisions.isError) body = <ErrorState error={decisions.error} onRetry={() => void decisions.refetch()} />;
  else if (decisions.data.length === 0) body = <EmptyState title={outcome ? t("routing.decisionsEmptyFiltered") : t("routing.decisionsEmpty")} />;
  else
    body = (
      <div className={cn("overflow-x-auto", decisions.isPlaceholderData && "opacity-60")} aria-busy={decisions.isPlaceholderData || undefined}>
        <table aria-labelledby={titleId} className="w-full border-collapse text-sm" data-testid="decisions-table">
          <thead className="bg-muted">
            <tr>
              <th scope="col" className={thClass()}>
                {t("routing.time")}
              </th>
              <th scope="col" className={thClass()}>
                {t("routing.merchant")}
              </th>
              <th scope="col" className={thClass()}>
                {t("routing.product")}
              </th>
              <th scope="col" className={thClass("right")}>
                {t("routing.amount")}
              </th>
              <th scope="col" className={thClass()}>
                {t("routing.outcome")}
              </th>
              <th scope="col" className={thClass()}>
                {t("routing.routedTo")}
              </th>
              <th scope="col" className={thClass("right")}>
                {t("routing.fee")}
              </th>
              <th scope="col" className={thClass("right")}>
                {t("routing.cost")}
              </th>
              <th scope="col" className={thClass("right")}>
                {t("routing.margin")}
              </th>
              <th scope="col" className={thClass()}>
                {t("routing.payment")}
              </th>
              <th scope="col" className={thClass("right")}>
                <span className="sr-only">{t("common.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {decisions.data.map((d) => (
              <tr key={d.id} className="border-t border-border align-top">
                <td className="px-3 py-2">
                  <DateTime value={d.createdAt} />
                </td>
                <td className="px-3 py-2">
                  {names.merchant(d.merchantId)}
                  {d.storeId ? <span className="block text-xs text-muted-foreground">{names.store(d.storeId)}</span> : null}
                </td>
                <td className="px-3 py-2">
                  {productName(t, d.product)}
                  <span className="block text-xs text-muted-foreground">{orderTypeName(t, d.orderType)}</span>
                </td>
                <td className="px-3 py-2 text-right">
                  <Money amountMinor={d.amountMinor} currency={CURRENCY} />
                </td>
                <td className="px-3 py-2">
                  <OutcomeBadge outcome={d.outcome} />
                  {d.riskFlags.length ? (
                    <span className="mt-1 block text-xs text-warning" title={t("routing.riskFlags")}>
                      {d.riskFlags.map((f) => reasonLabel(t, f)).join(", ")}
                    </span>
                  ) : null}
                </td>
                <td className="px-3 py-2">{d.channelAccountId ? names.account(d.channelAccountId) : d.reason ? reasonLabel(t, d.reason) : <Dash />}</td>
                <td className="px-3 py-2 text-right">{d.feeMinor !== null ? <Money amountMinor={d.feeMinor} currency={CURRENCY} /> : <Dash />}</td>
                <td className="px-3 py-2 text-right">{d.costMinor !== null ? <Money amountMinor={d.costMinor} currency={CURRENCY} /> : <Dash />}</td>
                <td className="px-3 py-2 text-right">{d.marginMinor !== null ? <Money amountMinor={d.marginMinor} currency={CURRENCY} /> : <Dash />}</td>
                <td className="px-3 py-2">{d.outcome === "ROUTED" ? t(d.succeeded === null ? "routing.payment_null" : d.succeeded ? "routing.payment_true" : "routing.payment_false") : <Dash />}</td>
                <td className="px-3 py-2 text-right">
                  <Button size="sm" variant="ghost" onClick={() => setOpen(d)}>
                    {t("routing.viewTrace")}
                    <span className="sr-only">{`: ${formatDateTime(d.createdAt, timeZone, locale)}`}</span>
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <>
      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle id={titleId}>{t("routing.decisionsTitle")}</CardTitle>
            <CardDescription>{t("routing.decisionsHelp")}</CardDescription>
          </div>
          <div className="flex flex-wrap items-end gap-3">
            <div className="flex flex-col gap-1">
              <Label htmlFor={outcomeId}>{t("routing.outcome")}</Label>
              <Select
                id={outcomeId}
                value={outcome}
                placeholder={t("common.all")}
                onChange={(e) => setOutcome(OUTCOMES.find((o) => o === e.target.value) ?? "")}
                options={OUTCOMES.map((o) => ({ value: o, label: t(`routing.outcome_${o}`) }))}
                className="w-48"
              />
            </div>
            <div className="flex flex-col gap-1">
              <Label htmlFor={limitId}>{t("routing.showLatest")}</Label>
              <Select
                id={limitId}
                value={String(limit)}
                onChange={(e) => setLimit(LIMITS.find((l) => String(l) === e.target.value) ?? 50)}
                options={LIMITS.map((l) => ({ value: String(l), label: t("routing.latestN", { count: l }) }))}
                className="w-36"
              />
            </div>
          </div>
        </CardHeader>
        {body}
      </Card>
      {open ? <DecisionDialog row={open} onClose={() => setOpen(null)} lookups={lookups} /> : null}
    </>
  );
}

function DecisionDialog({ row, onClose, lookups }: { row: DecisionRow; onClose: () => void; lookups: RoutingLookups }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const detail = useQuery(trpc.routing.decision.queryOptions({ id: row.id }, { staleTime: Infinity }));
  let body;
  if (detail.isPending) body = <LoadingState rows={6} />;
  else if (detail.isError) body = <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  else {
    const trace = asTrace(detail.data.trace);
    const d = detail.data;
    const refused = d.outcome === "RISK_REFUSED";
    body = (
      <div className="space-y-4">
        {refused ? (
          <p role="note" className="rounded-brand border border-warning/40 bg-warning/10 px-3 py-2 text-sm" data-testid="risk-refused">
            {t("routing.riskRefused", { reason: d.reason ? reasonLabel(t, d.reason) : "—" })}
          </p>
        ) : null}
        {d.riskFlags.length ? (
          <p className="text-sm">
            <span className="font-medium">{t("routing.riskFlags")}: </span>
            {d.riskFlags.map((f) => reasonLabel(t, f)).join(", ")}
          </p>
        ) : null}
        {trace ? (
          <TraceView
            trace={trace}
            // A refused payment's stored reason is the risk code; the trace keeps routing's own.
            reason={d.reason && !refused ? { code: d.reason, params: null } : null}
            money={d.feeMinor !== null && d.costMinor !== null && d.marginMinor !== null ? { feeMinor: d.feeMinor, costMinor: d.costMinor, marginMinor: d.marginMinor } : null}
            lookups={lookups}
          />
        ) : (
          <p className="text-sm text-muted-foreground">{t("routing.traceUnreadable")}</p>
        )}
      </div>
    );
  }
  return (
    <Dialog
      open
      size="lg"
      onClose={onClose}
      title={t("routing.decisionTitle")}
      description={<DateTime value={row.createdAt} />}
      footer={
        <Button variant="secondary" onClick={onClose}>
          {t("common.close")}
        </Button>
      }
    >
      {body}
    </Dialog>
  );
}
