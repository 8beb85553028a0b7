"use client";

import { useQuery } from "@tanstack/react-query";
import { Dash, Detail } from "@/components/ledger/parts";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { causeLabel, prettyBody, statusLabel } from "./labels";
import { PaymentStatusBadge } from "./parts";
import type { PaymentExchange, PaymentTransitionRow } from "./types";

/** The payment's transitions, oldest first, each with the channel exchanges behind it (expandable). */
export function PaymentTimeline({ paymentId }: { paymentId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const transitions = useQuery(trpc.payments.transitions.queryOptions({ id: paymentId }));

  let body;
  if (transitions.isPending) body = <LoadingState rows={3} />;
  else if (transitions.isError) body = <ErrorState error={transitions.error} onRetry={() => void transitions.refetch()} />;
  else if (transitions.data.length === 0) body = <EmptyState title={t("payments.timelineEmpty")} />;
  else
    body = (
      <ol className="space-y-3 px-5 py-4" data-testid="payment-timeline">
        {transitions.data.map((row) => (
          <TransitionItem key={row.id} row={row} />
        ))}
      </ol>
    );

  return (
    <Card>
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("payments.timelineTitle")}</CardTitle>
          <CardDescription>{t("payments.timelineHelp")}</CardDescription>
        </div>
      </CardHeader>
      {body}
    </Card>
  );
}

export function TransitionItem({ row }: { row: PaymentTransitionRow }) {
  const { t } = useI18n();
  return (
    <li className="rounded-brand border border-border p-3" data-testid="transition" data-cause={row.cause} data-to={row.toStatus}>
      <div className="flex flex-wrap items-center gap-2">
        {row.fromStatus !== null && row.fromStatus !== row.toStatus ? (
          <>
            <PaymentStatusBadge status={row.fromStatus} />
            <span aria-hidden="true">→</span>
            <span className="sr-only">{t("payments.arrowTo")}</span>
          </>
        ) : null}
        {row.fromStatus === row.toStatus ? (
          <span className="text-sm text-muted-foreground" data-status={row.toStatus}>
            {t("payments.transitionSame", { to: statusLabel(t, row.toStatus) })}
          </span>
        ) : (
          <PaymentStatusBadge status={row.toStatus} />
        )}
        <Badge tone="info" data-testid="transition-cause">
          {causeLabel(t, row.cause)}
        </Badge>
        <DateTime value={row.createdAt} className="ms-auto text-xs text-muted-foreground" />
      </div>
      <dl className="mt-2 grid gap-3 sm:grid-cols-2">
        <Detail label={t("payments.actor")}>{row.actor}</Detail>
        <Detail label={t("payments.reason")}>{row.reason ?? <Dash />}</Detail>
      </dl>
      {row.exchanges.length > 0 ? (
        <div className="mt-3 space-y-2">
          <p className="text-xs font-medium text-muted-foreground">{t("payments.exchanges", { count: row.exchanges.length })}</p>
          {row.exchanges.map((x, i) => (
            <ExchangeDetails key={i} exchange={x} />
          ))}
        </div>
      ) : null}
    </li>
  );
}

function Body({ label, text }: { label: string; text: string | undefined }) {
  const { t } = useI18n();
  return (
    <div>
      <p className="text-xs font-medium text-muted-foreground">{label}</p>
      <pre className="mt-1 max-h-80 overflow-auto whitespace-pre-wrap break-all rounded-brand bg-muted p-2 font-mono text-xs">
        {text ? prettyBody(text) : t("payments.exchangeEmptyBody")}
      </pre>
    </div>
  );
}

/** One request/response with the channel, as the connector recorded it (secrets were removed there). */
function ExchangeDetails({ exchange: x }: { exchange: PaymentExchange }) {
  const { t, locale } = useI18n();
  const duration = t("payments.durationMs", { ms: formatNumber(Math.round(x.durationMs), locale) });
  return (
    <details className="rounded-brand border border-border" data-testid="exchange">
      <summary className="cursor-pointer px-3 py-2 text-sm">
        {t("payments.exchangeSummary", { operation: x.operation, status: x.status ?? t("payments.exchangeNoStatus"), duration })}
      </summary>
      <div className="space-y-3 border-t border-border px-3 py-3">
        <dl className="grid gap-3 sm:grid-cols-4">
          <Detail label={t("payments.exchangeOperation")}>{x.operation}</Detail>
          <Detail label={t("payments.exchangeUrl")}>
            <span className="break-all font-mono text-xs">
              {x.method} {x.url}
            </span>
          </Detail>
          <Detail label={t("payments.exchangeStatus")}>{x.status ?? <Dash />}</Detail>
          <Detail label={t("payments.exchangeDuration")}>{duration}</Detail>
        </dl>
        <Body label={t("payments.exchangeRequest")} text={x.requestBody} />
        <Body label={t("payments.exchangeResponse")} text={x.responseBody} />
      </div>
    </details>
  );
}
