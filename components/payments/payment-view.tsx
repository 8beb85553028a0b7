"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { channelTypeLabel, orderTypeLabel, productLabel } from "@/components/channels/labels";
import { Dash, Detail, ErrorNote } from "@/components/ledger/parts";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { ObjectDeliveries } from "@/components/webhooks/object-deliveries";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { errorText } from "@/components/ui/form-errors";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import { statusLabel } from "./labels";
import { PaymentStatusBadge, TestMarker } from "./parts";
import { PaymentEntries } from "./payment-entries";
import { PaymentRefunds } from "./payment-refunds";
import { PaymentRouting } from "./payment-routing";
import { PaymentTimeline } from "./timeline";
import { PAYMENTS_TABLE_KEY, type PaymentDetail } from "./types";

const link = "text-primary underline-offset-2 hover:underline";

/** One payment: status and amounts, who and where, its timeline, its routing decision and its ledger entries. */
export function PaymentView({
  initial,
  canQuery,
  canReadLedger,
  canRefund = false,
  canManageRefunds = false,
  canResendWebhooks = false,
}: {
  initial: PaymentDetail;
  canQuery: boolean;
  canReadLedger: boolean;
  canRefund?: boolean;
  canManageRefunds?: boolean;
  canResendWebhooks?: boolean;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const detail = useQuery({ ...trpc.payments.get.queryOptions({ id: initial.id }), initialData: initial });
  const p = detail.data;
  const query = useMutation(trpc.payments.query.mutationOptions());

  async function queryNow() {
    const after = await query.mutateAsync({ id: p.id }).catch(() => null);
    if (!after) return;
    toast.success(after.status === "PROCESSING" ? t("payments.queryStillProcessing") : t("payments.queryResult", { status: statusLabel(t, after.status) }));
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.payments.get.queryKey({ id: p.id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.payments.transitions.queryKey({ id: p.id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.ledger.findEntries.queryKey() }),
      queryClient.invalidateQueries({ queryKey: PAYMENTS_TABLE_KEY }),
      queryClient.invalidateQueries({ queryKey: trpc.payments.summary.queryKey() }),
    ]);
  }

  const processing = p.status === "PROCESSING";
  return (
    <div className="space-y-6">
      <div>
        <Link href="/payments" className={`text-sm ${link}`}>
          ← {t("payments.backToList")}
        </Link>
      </div>
      <PageHeader
        title={t("payments.detailTitle", { orderNo: p.merchantOrderNo })}
        description={`${p.merchantName ?? p.merchantId} · ${productLabel(t, p.product)}`}
        actions={
          <span className="flex flex-wrap items-center gap-2">
            <TestMarker merchantOrderNo={p.merchantOrderNo} />
            <PaymentStatusBadge status={p.status} testId="payment-status" />
            {p.lateSuccess ? (
              <Badge tone="warning" data-testid="late-success">
                {t("payments.lateSuccess")}
              </Badge>
            ) : null}
            {processing && canQuery ? (
              <Button onClick={() => void queryNow()} loading={query.isPending}>
                {t("payments.queryNow")}
              </Button>
            ) : null}
          </span>
        }
      />

      {processing ? (
        <div className="space-y-2 rounded-brand border border-warning/40 bg-warning/10 px-4 py-3 text-sm" data-testid="processing-note">
          <p>{t("payments.queryNowHelp")}</p>
          <dl className="grid gap-3 sm:grid-cols-2">
            <Detail label={t("payments.nextQuery")}>{p.nextQueryAt ? <DateTime value={p.nextQueryAt} /> : <Dash />}</Detail>
            <Detail label={t("payments.queryAttempts")}>{p.queryAttempts}</Detail>
          </dl>
        </div>
      ) : null}
      <ErrorNote message={query.error ? (errorText(query.error) ?? t("common.errorTitle")) : null} testId="query-error" />
      {p.lateSuccess ? (
        <p role="note" className="rounded-brand border border-warning/40 bg-warning/10 px-4 py-3 text-sm" data-testid="late-success-note">
          {t("payments.lateSuccessNote")}
        </p>
      ) : null}
      {p.failureCode && p.status !== "SUCCEEDED" ? (
        <p role="note" className="rounded-brand border border-danger/40 bg-danger/10 px-4 py-3 text-sm text-danger" data-testid="payment-failure">
          {t("payments.failure")}: {p.failureCode}
          {p.failureMessage ? ` — ${p.failureMessage}` : ""}
        </p>
      ) : null}

      <div className="grid gap-6 lg:grid-cols-3">
        <Card>
          <CardHeader>
            <CardTitle>{t("payments.amounts")}</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-2 gap-4" data-testid="payment-amounts">
              <Detail label={t("payments.amount")} testId="payment-amount">
                <Money amountMinor={p.amountMinor} currency={p.currency} inline className="text-lg font-semibold" />
              </Detail>
              <Detail label={t("payments.fee")} testId="payment-fee">
                <Money amountMinor={p.feeMinor} currency={p.currency} inline />
              </Detail>
              <Detail label={t("payments.cost")} testId="payment-cost">
                <Money amountMinor={p.costMinor} currency={p.currency} inline />
              </Detail>
              <Detail label={t("payments.margin")} testId="payment-margin">
                <Money amountMinor={p.marginMinor} currency={p.currency} inline />
              </Detail>
              <Detail label={t("payments.refunded")} testId="payment-refunded">
                <Money amountMinor={p.refundedMinor} currency={p.currency} inline />
              </Detail>
            </dl>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t("payments.parties")}</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-2 gap-4">
              <Detail label={t("payments.merchant")}>
                <Link href={`/merchants/${p.merchantId}`} className={link}>
                  {p.merchantName ?? t("payments.unknownName", { id: p.merchantId.slice(0, 8) })}
                </Link>
              </Detail>
              <Detail label={t("payments.store")}>{p.storeId ? (p.storeName ?? p.storeId.slice(0, 8)) : t("payments.noStore")}</Detail>
              <Detail label={t("payments.device")}>{p.deviceId ? <span className="font-mono text-xs">{p.deviceId}</span> : <Dash />}</Detail>
              {terminalText(p.terminalInfo) ? (
                <Detail label={t("payments.terminal")} testId="payment-terminal">
                  <span className="font-mono text-xs">{terminalText(p.terminalInfo)}</span>
                </Detail>
              ) : null}
              <Detail label={t("payments.channelAccount")} testId="payment-channel-account">
                <Link href={`/channels/${p.channelAccountId}`} className={link}>
                  {p.channelAccountName ?? p.channelAccountId.slice(0, 8)}
                </Link>
                {p.channelType ? <span className="block text-xs text-muted-foreground">{channelTypeLabel(t, p.channelType)}</span> : null}
              </Detail>
              <Detail label={t("payments.businessDate")} testId="payment-business-date">
                <span className="tabular">{p.businessDate}</span>
              </Detail>
              <Detail label={t("payments.orderType")}>{orderTypeLabel(t, p.orderType)}</Detail>
            </dl>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t("payments.identifiers")}</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid gap-4">
              <Detail label={t("payments.merchantOrderNo")}>
                <span className="break-all font-mono text-xs">{p.merchantOrderNo}</span>
              </Detail>
              <Detail label={t("payments.outTradeNo")}>
                <span className="break-all font-mono text-xs">{p.outTradeNo}</span>
              </Detail>
              <Detail label={t("payments.channelTradeNo")}>{p.channelTradeNo ? <span className="break-all font-mono text-xs">{p.channelTradeNo}</span> : <Dash />}</Detail>
              <Detail label={t("payments.subject")}>{p.subject}</Detail>
              {p.codeUrl ? (
                <Detail label={t("payments.codeUrl")} testId="payment-code-url">
                  <span className="break-all font-mono text-xs">{p.codeUrl}</span>
                  {p.expiresAt ? (
                    <span className="block text-xs text-muted-foreground">
                      {t("payments.codeExpires")} <DateTime value={p.expiresAt} />
                    </span>
                  ) : null}
                </Detail>
              ) : null}
              <div className="grid grid-cols-2 gap-4">
                <Detail label={t("payments.createdAt")}>
                  <DateTime value={p.createdAt} />
                </Detail>
                <Detail label={t("payments.paidAt")}>
                  <DateTime value={p.paidAt} />
                </Detail>
              </div>
            </dl>
          </CardContent>
        </Card>
      </div>

      <PaymentTimeline paymentId={p.id} />
      <PaymentRefunds payment={p} canRefund={canRefund} canManage={canManageRefunds} />
      <ObjectDeliveries objectId={p.id} canResend={canResendWebhooks} />
      <PaymentRouting decisionId={p.routingDecisionId} money={{ feeMinor: p.feeMinor, costMinor: p.costMinor, marginMinor: p.marginMinor }} />
      <PaymentEntries paymentId={p.id} canReadLedger={canReadLedger} />
    </div>
  );
}

/** The merchant API's terminalInfo as one line: terminal id · model · ip · location (what was given). */
export function terminalText(info: unknown): string | null {
  if (typeof info !== "object" || info === null) return null;
  const v = info as Record<string, unknown>;
  const parts = [v.terminalId, v.deviceModel, v.ip, v.location].filter((x): x is string => typeof x === "string" && x.length > 0);
  return parts.length > 0 ? parts.join(" · ") : null;
}
