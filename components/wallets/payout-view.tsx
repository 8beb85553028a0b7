"use client";

import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ChannelExchange } from "@/server/channels/types";
import { Dash, Detail } from "@/components/ledger/parts";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { causeLabel, payoutStatusLabel, walletErrorMessage } from "./labels";
import { BatchStatusBadge, PayoutStatusBadge, ReasonDialog } from "./parts";
import { CURRENCY, PAYOUTS_TABLE_KEY, type PayoutDetail, type PayoutTransition } from "./types";

const link = "text-primary underline-offset-2 hover:underline";

/** The recorded exchanges of a transition (JSON in the database), read defensively. */
function exchangesOf(row: PayoutTransition): ChannelExchange[] {
  return Array.isArray(row.exchanges) ? (row.exchanges as unknown as ChannelExchange[]).filter((x) => typeof x === "object" && x !== null && typeof x.operation === "string") : [];
}

/** One payout: amounts and account (last four only), its batch and channel, its timeline, and what may be done to it now. */
export function PayoutView({ initial, canManage, canReturn }: { initial: PayoutDetail; canManage: boolean; canReturn: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const detail = useQuery({ ...trpc.wallets.payouts.get.queryOptions({ id: initial.id }), initialData: initial });
  const p = detail.data;
  const cancel = useMutation(trpc.wallets.payouts.cancel.mutationOptions());
  const query = useMutation(trpc.wallets.payouts.query.mutationOptions());
  const markReturned = useMutation(trpc.wallets.payouts.markReturned.mutationOptions());
  const [dialog, setDialog] = useState<"cancel" | "return" | null>(null);

  async function refresh() {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.wallets.payouts.get.queryKey({ id: p.id }) }),
      queryClient.invalidateQueries({ queryKey: PAYOUTS_TABLE_KEY }),
      queryClient.invalidateQueries({ queryKey: trpc.wallets.overview.queryKey() }),
    ]);
  }

  async function onCancel(reason: string) {
    const r = await cancel.mutateAsync({ id: p.id, reason }).catch(() => null);
    if (!r) return;
    setDialog(null);
    toast.success(t("wallets.cancelled"));
    await refresh();
  }

  async function onReturn(reason: string) {
    const r = await markReturned.mutateAsync({ id: p.id, reason }).catch(() => null);
    if (!r) return;
    setDialog(null);
    toast.success(t("wallets.markedReturned"));
    await refresh();
  }

  async function onQuery() {
    const r = await query.mutateAsync({ id: p.id }).catch((e: unknown) => {
      toast.error(walletErrorMessage(t, e) ?? t("common.errorTitle"));
      return null;
    });
    if (!r) return;
    toast.success(`${t("wallets.queried")}: ${payoutStatusLabel(t, r.status)}`);
    await refresh();
  }

  const cancellable = canManage && (p.status === "HELD" || (p.status === "BATCHED" && p.batch?.status === "OPEN"));
  const queryable = canManage && p.status === "IN_TRANSIT" && p.batch?.delivery === "SEND";
  const returnable = canReturn && p.status === "SUCCEEDED";

  return (
    <div className="space-y-6">
      <div>
        <Link href="/payouts" className={`text-sm ${link}`}>
          ← {t("wallets.navPayouts")}
        </Link>
      </div>
      <PageHeader
        title={t("wallets.payoutTitle", { no: p.requestNo })}
        description={`${t(`wallets.source_${p.source}`)} · ${p.merchantName}`}
        actions={
          <span className="flex flex-wrap items-center gap-2">
            <PayoutStatusBadge status={p.status} testId="payout-status" />
            {queryable ? (
              <Button variant="secondary" size="sm" onClick={() => void onQuery()} loading={query.isPending} data-testid="payout-query">
                {t("wallets.queryNow")}
              </Button>
            ) : null}
            {cancellable ? (
              <Button variant="danger" size="sm" onClick={() => setDialog("cancel")} data-testid="payout-cancel">
                {t("wallets.cancel")}
              </Button>
            ) : null}
            {returnable ? (
              <Button variant="secondary" size="sm" onClick={() => setDialog("return")} data-testid="payout-return">
                {t("wallets.markReturned")}
              </Button>
            ) : null}
          </span>
        }
      />

      <Card>
        <CardHeader>
          <CardTitle>{t("wallets.details")}</CardTitle>
        </CardHeader>
        <CardContent>
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Detail label={t("wallets.amount")}>
              <Money amountMinor={p.amountMinor} currency={CURRENCY} inline className="text-base font-semibold" />
            </Detail>
            <Detail label={t("wallets.account")}>
              {p.accountName} · {t("wallets.accountLast4", { last4: p.accountLast4 })}
            </Detail>
            <Detail label={t("wallets.bankCode")}>{p.bankCode}</Detail>
            <Detail label={t("wallets.businessDate")}>{p.businessDate}</Detail>
            <Detail label={t("wallets.requestNo")}>
              <span className="font-mono text-xs">{p.requestNo}</span>
            </Detail>
            <Detail label={t("wallets.outPayoutNo")}>
              <span className="font-mono text-xs">{p.outPayoutNo}</span>
            </Detail>
            <Detail label={t("wallets.channelPayoutNo")}>{p.channelPayoutNo ? <span className="font-mono text-xs">{p.channelPayoutNo}</span> : <Dash />}</Detail>
            <Detail label={t("wallets.source")}>
              {p.walletId ? (
                <Link href={`/wallets/${p.walletId}`} className={link}>
                  {p.walletExternalUserId ?? p.walletId.slice(0, 8)}
                </Link>
              ) : (
                p.merchantName
              )}
            </Detail>
            <Detail label={t("wallets.batch")}>
              {p.batchId && p.batch ? (
                <span className="flex items-center gap-2">
                  <Link href={`/payouts/batches/${p.batchId}`} className={`font-mono text-xs ${link}`}>
                    {p.batchId.slice(0, 8)}
                  </Link>
                  <BatchStatusBadge status={p.batch.status} />
                </span>
              ) : (
                <Dash />
              )}
            </Detail>
            <Detail label={t("wallets.channelAccount")}>{p.channelAccountName ?? <Dash />}</Detail>
            <Detail label={t("wallets.createdAt")}>
              <DateTime value={p.createdAt} />
            </Detail>
            <Detail label={t("wallets.completedAt")}>
              <DateTime value={p.completedAt} />
            </Detail>
            <Detail label={t("wallets.failure")}>{p.failureCode ? `${p.failureCode}${p.failureMessage ? `: ${p.failureMessage}` : ""}` : <Dash />}</Detail>
          </dl>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("wallets.timelineTitle")}</CardTitle>
            <CardDescription>{t("wallets.timelineHelp")}</CardDescription>
          </div>
        </CardHeader>
        {p.transitions.length === 0 ? (
          <CardContent>
            <p className="text-sm text-muted-foreground">{t("wallets.timelineEmpty")}</p>
          </CardContent>
        ) : (
          <ol className="space-y-3 px-5 py-4" data-testid="payout-timeline">
            {p.transitions.map((row) => (
              <TransitionItem key={row.id} row={row} />
            ))}
          </ol>
        )}
      </Card>

      <ReasonDialog
        open={dialog === "cancel"}
        onClose={() => setDialog(null)}
        title={t("wallets.cancelTitle")}
        description={t("wallets.cancelHelp")}
        confirmLabel={t("wallets.cancel")}
        pending={cancel.isPending}
        error={walletErrorMessage(t, cancel.error)}
        onConfirm={(reason) => void onCancel(reason)}
        testId="cancel-dialog"
      />
      <ReasonDialog
        open={dialog === "return"}
        onClose={() => setDialog(null)}
        title={t("wallets.markReturnedTitle")}
        description={t("wallets.markReturnedHelp")}
        confirmLabel={t("wallets.markReturned")}
        pending={markReturned.isPending}
        error={walletErrorMessage(t, markReturned.error)}
        onConfirm={(reason) => void onReturn(reason)}
        testId="return-dialog"
      />
    </div>
  );
}

function TransitionItem({ row }: { row: PayoutTransition }) {
  const t = useT();
  const exchanges = exchangesOf(row);
  return (
    <li className="rounded-brand border border-border p-3" data-testid="transition" data-cause={row.cause} data-to={row.toStatus}>
      <div className="flex flex-wrap items-center gap-2">
        {row.fromStatus !== null && row.fromStatus !== row.toStatus ? (
          <>
            <PayoutStatusBadge status={row.fromStatus} />
            <span aria-hidden="true">→</span>
          </>
        ) : null}
        {row.fromStatus === row.toStatus ? (
          <span className="text-sm text-muted-foreground">{t("wallets.transitionSame", { to: payoutStatusLabel(t, row.toStatus) })}</span>
        ) : (
          <PayoutStatusBadge status={row.toStatus} />
        )}
        <Badge tone="info">{causeLabel(t, row.cause)}</Badge>
        <DateTime value={row.createdAt} className="ms-auto text-xs text-muted-foreground" />
      </div>
      <dl className="mt-2 grid gap-3 sm:grid-cols-2">
        <Detail label={t("wallets.actor")}>{row.actor}</Detail>
        <Detail label={t("wallets.reason")}>{row.reason ?? <Dash />}</Detail>
      </dl>
      {exchanges.length > 0 ? (
        <details className="mt-3 rounded-brand border border-border">
          <summary className="cursor-pointer px-3 py-2 text-sm">{t("wallets.exchanges", { count: exchanges.length })}</summary>
          <div className="space-y-3 border-t border-border px-3 py-3">
            {exchanges.map((x, i) => (
              <div key={i} className="space-y-1">
                <p className="font-mono text-xs">
                  {x.operation} · {x.method} {x.url} · {x.status ?? "—"}
                </p>
                <pre className="max-h-60 overflow-auto whitespace-pre-wrap break-all rounded-brand bg-muted p-2 font-mono text-xs">{`${t("wallets.exchangeRequest")}: ${x.requestBody ?? "—"}\n${t("wallets.exchangeResponse")}: ${x.responseBody ?? "—"}`}</pre>
              </div>
            ))}
          </div>
        </details>
      ) : null}
    </li>
  );
}
