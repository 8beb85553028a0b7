"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { EventDetailDialog } from "./event-detail";
import { typeLabel } from "./labels";
import { WebhookStatusBadge } from "./parts";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
const td = "px-3 py-2 align-top";

/**
 * The webhook events of one payment, refund or withdrawal, oldest first, each with its last
 * attempt; one opens with all its attempts. For the payment page to embed. `canResend` needs
 * webhooks.manage (the server checks it again).
 */
export function ObjectDeliveries({ objectId, canResend = false }: { objectId: string; canResend?: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const events = useQuery(trpc.webhooks.forObject.queryOptions({ objectId }));
  const [open, setOpen] = useState<string | null>(null);

  let body;
  if (events.isPending) body = <LoadingState rows={2} />;
  else if (events.isError) body = <ErrorState error={events.error} onRetry={() => void events.refetch()} />;
  else if (events.data.length === 0) body = <EmptyState title={t("webhooks.objectEmpty")} />;
  else
    body = (
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm" data-testid="object-deliveries">
          <thead className="bg-muted">
            <tr>
              {[t("webhooks.createdAt"), t("webhooks.eventType"), t("common.status"), t("webhooks.attempts"), t("webhooks.lastAttempt"), ""].map((h, i) => (
                <th key={i} scope="col" className={th}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {events.data.map((e) => (
              <tr key={e.id} className="border-t border-border" data-testid="object-delivery-row" data-status={e.status}>
                <td className={td}>
                  <DateTime value={e.createdAt} />
                </td>
                <td className={td}>{typeLabel(t, e.type)}</td>
                <td className={td}>
                  <WebhookStatusBadge status={e.status} />
                </td>
                <td className={`${td} tabular text-right`}>{e.attempts}</td>
                <td className={td}>
                  {e.lastAttempt ? (
                    <>
                      <span className="tabular">{e.lastAttempt.statusCode ?? "—"}</span> · <span className="tabular">{t("webhooks.latencyMs", { ms: e.lastAttempt.latencyMs })}</span>
                      {e.lastAttempt.error ? <span className="block text-xs text-danger">{e.lastAttempt.error}</span> : null}
                    </>
                  ) : (
                    <span className="text-muted-foreground">—</span>
                  )}
                </td>
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
          <CardTitle>{t("webhooks.objectTitle")}</CardTitle>
          <CardDescription>{t("webhooks.objectHelp")}</CardDescription>
        </div>
      </CardHeader>
      {body}
      <EventDetailDialog eventId={open} onClose={() => setOpen(null)} canResend={canResend} />
    </Card>
  );
}
