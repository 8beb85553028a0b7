"use client";

import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { Dash } from "./parts";

const LIMIT = 100;
const th = "px-3 py-2 font-medium text-muted-foreground";

/** The channel's recent callbacks: what was accepted (and how often it was repeated) and what was refused, and why. */
export function NotificationsTab({ accountId }: { accountId: string }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const list = useQuery(trpc.channels.notifications.queryOptions({ channelAccountId: accountId, limit: LIMIT }));
  const headingId = useId();
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle id={headingId}>{t("channels.notifications")}</CardTitle>
          <CardDescription>{t("channels.notificationsHelp", { count: LIMIT })}</CardDescription>
        </div>
        <Button variant="secondary" size="sm" loading={list.isFetching && !list.isPending} onClick={() => void list.refetch()}>
          {t("channels.refresh")}
        </Button>
      </CardHeader>
      {list.isPending ? (
        <LoadingState rows={4} />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <EmptyState title={t("channels.noNotificationsTitle")} description={t("channels.noNotificationsBody")} />
      ) : (
        <div className="overflow-x-auto">
          <table aria-labelledby={headingId} className="w-full border-collapse text-sm">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.receivedAt")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.outcome")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.eventId")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.kind")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("channels.orderNo")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("common.status")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("channels.amount")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("channels.duplicates")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("channels.version")}
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((n) => (
                <tr key={n.id} className="border-t border-border align-top">
                  <td className="px-3 py-2">
                    <DateTime value={n.receivedAt} />
                  </td>
                  <td className="px-3 py-2">
                    {n.accepted ? (
                      <Badge tone="success">{t("channels.accepted")}</Badge>
                    ) : (
                      <span className="flex flex-col items-start gap-0.5">
                        <Badge tone="danger">{t("channels.refused")}</Badge>
                        {n.errorCode ? (
                          <span className="font-mono text-xs text-danger" title={n.errorMessage ?? undefined}>
                            {n.errorCode}
                          </span>
                        ) : null}
                        {n.errorMessage ? <span className="max-w-64 break-words text-xs text-muted-foreground">{n.errorMessage}</span> : null}
                      </span>
                    )}
                  </td>
                  <td className="break-all px-3 py-2 font-mono text-xs">{n.eventId ?? <Dash />}</td>
                  <td className="px-3 py-2">{n.kind ? t(n.kind === "REFUND" ? "channels.kindRefund" : "channels.kindPayment") : <Dash />}</td>
                  <td className="px-3 py-2 font-mono text-xs">
                    {n.outTradeNo ?? <Dash />}
                    {n.outRefundNo ? <span className="block text-muted-foreground">{n.outRefundNo}</span> : null}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{n.status ?? <Dash />}</td>
                  <td className="px-3 py-2 text-right">{n.amountMinor === null ? <Dash /> : <Money amountMinor={n.amountMinor} currency="CNY" />}</td>
                  <td className={`tabular px-3 py-2 text-right ${n.duplicates > 0 ? "font-medium" : "text-muted-foreground"}`}>{formatNumber(n.duplicates, locale)}</td>
                  <td className="tabular px-3 py-2 text-right">{n.version === null ? <Dash /> : `v${n.version}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
