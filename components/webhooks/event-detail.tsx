"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Detail } from "@/components/ledger/parts";
import { prettyBody } from "@/components/payments/labels";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import { objectTypeLabel, triggerLabel, typeLabel, webhookErrorText } from "./labels";
import { WebhookStatusBadge } from "./parts";
import type { WebhookAttempt } from "./types";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
const td = "px-3 py-2 align-top";

/** One event in a dialog: what was sent, every attempt, and (for managers) a resend. */
export function EventDetailDialog({ eventId, onClose, canResend }: { eventId: string | null; onClose: () => void; canResend: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const detail = useQuery({ ...trpc.webhooks.get.queryOptions({ id: eventId ?? "" }), enabled: eventId !== null });
  const resend = useMutation(trpc.webhooks.resend.mutationOptions());

  async function doResend() {
    if (!eventId) return;
    const r = await resend.mutateAsync({ id: eventId }).catch((e: unknown) => {
      toast.error(webhookErrorText(t, e));
      return null;
    });
    if (!r) return;
    if (r.attempt.error === null) toast.success(t("webhooks.resendDelivered"));
    else toast.error(t("webhooks.resendFailed", { error: r.attempt.error }));
    // Every webhook query (this event, the log, an order's deliveries) may show the new attempt.
    await queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() });
  }

  let body;
  if (eventId === null) body = null;
  else if (detail.isPending) body = <LoadingState rows={3} />;
  else if (detail.isError) body = <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  else {
    const e = detail.data;
    body = (
      <div className="space-y-4" data-testid="webhook-event-detail">
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3">
          <Detail label={t("webhooks.eventId")}>
            <span className="break-all font-mono text-xs">{e.id}</span>
          </Detail>
          <Detail label={t("webhooks.eventType")}>{typeLabel(t, e.type)}</Detail>
          <Detail label={t("common.status")}>
            <WebhookStatusBadge status={e.status} />
          </Detail>
          <Detail label={t("webhooks.object")}>
            {objectTypeLabel(t, e.objectType)} <span className="break-all font-mono text-xs">{e.objectId}</span>
          </Detail>
          <Detail label={t("webhooks.createdAt")}>
            <DateTime value={e.createdAt} />
          </Detail>
          <Detail label={e.status === "DELIVERED" ? t("webhooks.deliveredAt") : t("webhooks.nextAttempt")}>
            <DateTime value={e.status === "DELIVERED" ? e.deliveredAt : e.nextAttemptAt} />
          </Detail>
          {e.notifyUrl ? (
            <Detail label={t("webhooks.notifyUrl")}>
              <span className="break-all font-mono text-xs">{e.notifyUrl}</span>
            </Detail>
          ) : null}
        </dl>
        <section>
          <h3 className="mb-2 text-sm font-medium">{t("webhooks.attemptsTitle")}</h3>
          <AttemptsTable attempts={e.attemptLog} />
        </section>
        <section>
          <h3 className="mb-2 text-sm font-medium">{t("webhooks.eventBody")}</h3>
          <pre className="max-h-64 overflow-auto rounded-brand bg-muted p-3 font-mono text-xs">{prettyBody(e.body)}</pre>
        </section>
      </div>
    );
  }

  return (
    <Dialog
      open={eventId !== null}
      onClose={onClose}
      size="lg"
      title={t("webhooks.eventTitle")}
      description={canResend ? t("webhooks.resendHelp") : undefined}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            {t("common.close")}
          </Button>
          {canResend ? (
            <Button loading={resend.isPending} disabled={!detail.data} onClick={() => void doResend()} data-testid="webhook-resend">
              {t("webhooks.resend")}
            </Button>
          ) : null}
        </>
      }
    >
      {body}
    </Dialog>
  );
}

export function AttemptsTable({ attempts }: { attempts: readonly WebhookAttempt[] }) {
  const { t } = useI18n();
  if (attempts.length === 0) return <EmptyState title={t("webhooks.attemptsEmpty")} className="py-4" />;
  return (
    <div className="overflow-x-auto">
      <table className="w-full border-collapse text-sm" data-testid="webhook-attempts">
        <thead className="bg-muted">
          <tr>
            {[t("webhooks.attemptNo"), t("webhooks.attemptAt"), t("webhooks.statusCode"), t("webhooks.latency"), t("webhooks.response"), t("webhooks.targetUrl")].map((h, i) => (
              <th key={i} scope="col" className={th}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => (
            <tr key={a.id} className="border-t border-border" data-testid="webhook-attempt" data-trigger={a.trigger}>
              <td className={`${td} whitespace-nowrap`}>
                <span className="tabular">#{a.attempt}</span>{" "}
                {a.trigger === "MANUAL" ? <Badge tone="info">{triggerLabel(t, a.trigger)}</Badge> : null}
              </td>
              <td className={td}>
                <DateTime value={a.createdAt} />
              </td>
              <td className={td}>
                {a.statusCode === null ? (
                  <span className="text-muted-foreground">—</span>
                ) : (
                  <Badge tone={a.statusCode >= 200 && a.statusCode < 300 ? "success" : "danger"}>{a.statusCode}</Badge>
                )}
              </td>
              <td className={`${td} tabular whitespace-nowrap text-right`}>{t("webhooks.latencyMs", { ms: a.latencyMs })}</td>
              <td className={`${td} max-w-xs`}>
                {a.error ? <span className="block text-danger">{a.error}</span> : null}
                {a.responseExcerpt ? <code className="block max-h-24 overflow-auto whitespace-pre-wrap break-all font-mono text-xs text-muted-foreground">{a.responseExcerpt}</code> : null}
              </td>
              <td className={`${td} max-w-xs break-all font-mono text-xs`}>{a.url}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
