"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { EventDetailDialog } from "./event-detail";
import { isWebhookStatus, isWebhookType, objectTypeLabel, typeLabel } from "./labels";
import { WebhookStatusBadge } from "./parts";
import { WEBHOOK_STATUS_LIST, WEBHOOK_TYPE_LIST, type WebhookEventStatus, type WebhookEventType } from "./types";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
const td = "px-3 py-2 align-top";

/** The merchant's webhook events, newest first (keyset pages), by status and type; one opens with its attempts. */
export function DeliveryLog({ merchantId, canResend }: { merchantId: string; canResend: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [status, setStatus] = useState<WebhookEventStatus | "">("");
  const [type, setType] = useState<WebhookEventType | "">("");
  const [open, setOpen] = useState<string | null>(null);
  const list = useInfiniteQuery(
    trpc.webhooks.find.infiniteQueryOptions(
      { merchantId, ...(status ? { status } : {}), ...(type ? { type } : {}), limit: 50 },
      { getNextPageParam: (last) => last.nextCursor, initialCursor: null },
    ),
  );
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  let body;
  if (list.isPending) body = <LoadingState rows={3} />;
  else if (list.isError) body = <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  else if (items.length === 0) body = <EmptyState title={t("webhooks.logEmpty")} description={t("webhooks.logEmptyBody")} />;
  else
    body = (
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm" data-testid="webhook-events">
          <thead className="bg-muted">
            <tr>
              {[t("webhooks.createdAt"), t("webhooks.eventType"), t("webhooks.object"), t("common.status"), t("webhooks.attempts"), t("webhooks.nextAttempt"), ""].map((h, i) => (
                <th key={i} scope="col" className={th}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} className="border-t border-border" data-testid="webhook-event-row" data-status={e.status}>
                <td className={td}>
                  <DateTime value={e.createdAt} />
                </td>
                <td className={td}>
                  {typeLabel(t, e.type)}
                  <span className="block font-mono text-xs text-muted-foreground">{e.type}</span>
                </td>
                <td className={td}>
                  {objectTypeLabel(t, e.objectType)}
                  <span className="block break-all font-mono text-xs text-muted-foreground">{e.objectId}</span>
                </td>
                <td className={td}>
                  <WebhookStatusBadge status={e.status} />
                </td>
                <td className={`${td} tabular text-right`}>{e.attempts}</td>
                <td className={td}>{e.status === "PENDING" ? <DateTime value={e.nextAttemptAt} /> : <span className="text-muted-foreground">—</span>}</td>
                <td className={`${td} text-right`}>
                  <Button size="sm" variant="secondary" onClick={() => setOpen(e.id)}>
                    {t("webhooks.view")}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <Card>
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("webhooks.logTitle")}</CardTitle>
          <CardDescription>{t("webhooks.logHelp")}</CardDescription>
        </div>
      </CardHeader>
      <div className="flex flex-wrap gap-4 px-5 pb-4">
        <Field label={t("webhooks.filterStatus")} className="w-48">
          <Select
            name="status"
            value={status}
            onChange={(e) => setStatus(isWebhookStatus(e.target.value) ? e.target.value : "")}
            options={WEBHOOK_STATUS_LIST.map((s) => ({ value: s, label: t(`webhooks.status_${s}`) }))}
            placeholder={t("common.all")}
          />
        </Field>
        <Field label={t("webhooks.filterType")} className="w-56">
          <Select
            name="type"
            value={type}
            onChange={(e) => setType(isWebhookType(e.target.value) ? e.target.value : "")}
            options={WEBHOOK_TYPE_LIST.map((x) => ({ value: x, label: typeLabel(t, x) }))}
            placeholder={t("common.all")}
          />
        </Field>
      </div>
      {body}
      {list.hasNextPage ? (
        <div className="border-t border-border p-3 text-center">
          <Button variant="secondary" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t("common.loadMore")}
          </Button>
        </div>
      ) : null}
      <EventDetailDialog eventId={open} onClose={() => setOpen(null)} canResend={canResend} />
    </Card>
  );
}
