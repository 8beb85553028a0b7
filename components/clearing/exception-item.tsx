"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState, type FormEvent, type ReactNode } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { errorText } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { ErrorState } from "@/components/ui/states";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import type { AppRouter } from "@/server/api/root";
import { actionsFor, type ResolutionAction as Action } from "./exception-actions";
import { kindLabel, statusLabel, statusTone } from "./exception-queue";
import { channelStatusLabel, lineKindLabel, paymentStatusLabel, refundStatusLabel } from "./record-labels";

type Item = inferRouterOutputs<AppRouter>["exceptionQueue"]["get"];
const EVENTS = ["CREATED", "STATUS", "ASSIGN", "COMMENT", "PROPOSED", "DECLINED", "RESOLVED", "REOPENED", "REFUND_REQUESTED", "REFUND_FAILED"] as const;

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex justify-between gap-4 py-1 text-sm">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="text-right tabular">{children}</dd>
    </div>
  );
}

export function ExceptionItem({ initial, canWork, canPropose, canResolveNote }: { initial: Item; canWork: boolean; canPropose: boolean; canResolveNote: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const q = useQuery({ ...trpc.exceptionQueue.get.queryOptions({ id: initial.id }), initialData: initial });
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.exceptionQueue.get.queryKey({ id: initial.id }) });
  if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  const e = q.data;
  const isRecon = e.kind.startsWith("RECON_");
  const closed = e.status === "RESOLVED" || e.status === "WRITTEN_OFF";
  return (
    <div className="space-y-6" data-testid="exception-item" data-status={e.status}>
      <div className="flex flex-wrap items-center gap-3">
        <Link href="/exceptions" className="text-sm text-primary underline-offset-2 hover:underline">
          ← {t("exceptionQueue.back")}
        </Link>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">{kindLabel(t, e.kind)}</h1>
        <Badge tone={statusTone(e.status)} data-testid="exception-status">
          {statusLabel(t, e.status)}
        </Badge>
        {e.direction === "OVERAGE" || e.direction === "SHORTAGE" ? <Badge tone="neutral">{t(`payments.direction_${e.direction}`)}</Badge> : null}
        {e.slaBreached ? <Badge tone="danger">{t("exceptionQueue.slaBreached")}</Badge> : e.slaDueSoon ? <Badge tone="warning">{t("exceptionQueue.slaSoon")}</Badge> : null}
      </div>
      <Card className="grid gap-x-8 p-4 sm:grid-cols-2">
        <dl>
          <Row label={t("exceptionQueue.amount")}>
            <Money amountMinor={e.amountMinor} currency="CNY" inline />
          </Row>
          <Row label={t("exceptionQueue.businessDate")}>{e.businessDate}</Row>
          <Row label={t("exceptionQueue.age")}>{t("exceptionQueue.ageDays", { days: String(e.ageDays) })}</Row>
        </dl>
        <dl>
          <Row label={t("exceptionQueue.sla")}>
            <DateTime value={e.slaDueAt} />
          </Row>
          <Row label={t("exceptionQueue.assignee")}>{e.assigneeName ?? t("exceptionQueue.unassigned")}</Row>
          {e.resolution ? <Row label={t("exceptionQueue.resolutionTitle")}>{e.resolution}</Row> : null}
        </dl>
      </Card>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card className="p-4" data-testid="side-theirs">
          <h2 className="mb-2 font-semibold">{t("exceptionQueue.theirs")}</h2>
          {e.line ? (
            <dl>
              {e.file ? <p className="mb-1 text-xs text-muted-foreground">{t("exceptionQueue.fileOf", { file: e.file.fileName, date: e.file.billDate })}</p> : null}
              <Row label={t("exceptionQueue.line", { no: String(e.line.lineNo) })}>{lineKindLabel(t, e.line.kind)}</Row>
              <Row label={t("exceptionQueue.orderNo")}>{e.line.outTradeNo ?? e.line.outRefundNo ?? "—"}</Row>
              <Row label={t("exceptionQueue.tradeNo")}>{e.line.channelTradeNo ?? "—"}</Row>
              <Row label={t("exceptionQueue.occurredAt")}>{e.line.occurredAt ? <DateTime value={e.line.occurredAt} /> : "—"}</Row>
              <Row label={t("exceptionQueue.amount")}>
                <Money amountMinor={e.line.amountMinor} currency="CNY" inline />
              </Row>
              <Row label={t("exceptionQueue.settleable")}>
                <Money amountMinor={e.line.settleableMinor} currency="CNY" inline />
              </Row>
              <Row label={t("exceptionQueue.fee")}>
                <Money amountMinor={e.line.feeMinor} currency="CNY" inline />
              </Row>
              <Row label={t("exceptionQueue.channelStatus")}>{e.line.channelStatus ? <ChannelStatus status={e.line.channelStatus} /> : "—"}</Row>
              <Row label={t("exceptionQueue.subMerchant")}>{e.line.subMerchant ?? "—"}</Row>
            </dl>
          ) : (
            <p className="text-sm text-muted-foreground">{t("exceptionQueue.noLine")}</p>
          )}
        </Card>
        <Card className="p-4" data-testid="side-ours">
          <h2 className="mb-2 font-semibold">{t("exceptionQueue.ours")}</h2>
          {e.payment ? (
            <dl>
              <Row label={t("exceptionQueue.orderNo")}>
                <Link href={`/payments/${e.payment.id}`} className="text-primary underline-offset-2 hover:underline">
                  {e.payment.merchantOrderNo}
                </Link>
              </Row>
              <Row label={t("exceptionQueue.tradeNo")}>{e.payment.channelTradeNo ?? "—"}</Row>
              <Row label={t("exceptionQueue.paymentStatus")}>{paymentStatusLabel(t, e.payment.status)}</Row>
              <Row label={t("exceptionQueue.amount")}>
                <Money amountMinor={e.payment.amountMinor} currency="CNY" inline />
              </Row>
              <Row label={t("exceptionQueue.fee")}>
                <Money amountMinor={e.payment.costMinor} currency="CNY" inline />
              </Row>
              <Row label={t("exceptionQueue.occurredAt")}>
                <DateTime value={e.payment.paidAt ?? e.payment.createdAt} />
              </Row>
            </dl>
          ) : e.refund ? (
            <dl>
              <Row label={t("exceptionQueue.refundNo")}>{e.refund.outRefundNo}</Row>
              <Row label={t("exceptionQueue.paymentStatus")}>{refundStatusLabel(t, e.refund.status)}</Row>
              <Row label={t("exceptionQueue.amount")}>
                <Money amountMinor={e.refund.amountMinor} currency="CNY" inline />
              </Row>
            </dl>
          ) : (
            <p className="text-sm text-muted-foreground">{t("exceptionQueue.noRecord")}</p>
          )}
          {e.recon && e.recon.diffMinor !== 0n ? (
            <dl className="mt-2 border-t border-border pt-2">
              <Row label={t("exceptionQueue.difference")}>
                <Money amountMinor={e.recon.diffMinor} currency="CNY" inline />
              </Row>
            </dl>
          ) : null}
        </Card>
      </div>

      {isRecon ? <SuspenseLine e={e} /> : null}

      <div className="grid gap-4 lg:grid-cols-2">
        <div className="space-y-4">
          {!closed && canWork && e.status === "OPEN" ? <TakeIt id={e.id} onDone={refresh} /> : null}
          {isRecon ? <Resolution e={e} canPropose={canPropose && !closed} onDone={refresh} /> : !closed && canResolveNote && e.kind !== "REFUND_ABNORMAL" ? <NoteResolve id={e.id} onDone={refresh} /> : !closed ? <p className="text-sm text-muted-foreground">{t("exceptionQueue.notResolvable")}</p> : null}
          {isRecon && !closed && e.suggestions.length >= 0 && (e.type === "CHANNEL_ONLY" || e.type === "UNKNOWN_SUB_MERCHANT") ? <Suggestions e={e} canPropose={canPropose} onDone={refresh} /> : null}
        </div>
        <History e={e} canWork={canWork} onDone={refresh} />
      </div>
    </div>
  );
}

/** The channel's word in the reader's language, with the word as printed beside it (finance matches it against the file). */
function ChannelStatus({ status }: { status: string }) {
  const { t } = useI18n();
  const label = channelStatusLabel(t, status);
  if (label === null) return <span className="font-mono text-xs">{status}</span>;
  return (
    <>
      {label} <span className="font-mono text-xs text-muted-foreground">{status}</span>
    </>
  );
}

function SuspenseLine({ e }: { e: Item }) {
  const { t } = useI18n();
  return (
    <Card className="p-4" data-testid="suspense-line">
      <h2 className="mb-2 font-semibold">{t("exceptionQueue.suspenseTitle")}</h2>
      {e.suspense ? (
        <>
          <p className="mb-2 text-xs text-muted-foreground">
            {e.suspense.businessDate} · {e.suspense.description} ·{" "}
            {e.suspense.releasedBy ? t("exceptionQueue.suspenseReleased", { id: e.suspense.releasedBy.id.slice(0, 8), date: e.suspense.releasedBy.businessDate }) : t("exceptionQueue.suspenseOpen")}
          </p>
          <table className="w-full text-sm">
            <thead>
              <tr className="text-muted-foreground">
                <th className="text-left font-medium">{t("exceptionQueue.account")}</th>
                <th className="text-right font-medium">{t("exceptionQueue.debit")}</th>
                <th className="text-right font-medium">{t("exceptionQueue.credit")}</th>
              </tr>
            </thead>
            <tbody>
              {e.suspense.lines.map((l) => (
                <tr key={l.line}>
                  <td>{l.name}</td>
                  <td className="text-right tabular">{l.amountMinor > 0n ? <Money amountMinor={l.amountMinor} currency="CNY" inline /> : null}</td>
                  <td className="text-right tabular">{l.amountMinor < 0n ? <Money amountMinor={-l.amountMinor} currency="CNY" inline /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p className="text-sm text-muted-foreground">{t("exceptionQueue.suspenseNone")}</p>
      )}
    </Card>
  );
}

function TakeIt({ id, onDone }: { id: string; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const m = useMutation(trpc.exceptionQueue.transition.mutationOptions());
  return (
    <Card className="flex items-center justify-between gap-3 p-4">
      <span className="text-sm font-semibold">{t("exceptionQueue.workflow")}</span>
      <Button
        data-testid="take-exception"
        loading={m.isPending}
        onClick={() =>
          void m.mutateAsync({ id, to: "INVESTIGATING" }).then(
            () => onDone(),
            (err: unknown) => toast.error(errorText(err) ?? String(err)),
          )
        }
      >
        {t("exceptionQueue.take")}
      </Button>
    </Card>
  );
}

function Resolution({ e, canPropose, onDone }: { e: Item; canPropose: boolean; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const actions = actionsFor(e);
  const [action, setAction] = useState<Action>(actions[0]!);
  const [note, setNote] = useState("");
  const [evidence, setEvidence] = useState("");
  const [attachment, setAttachment] = useState("");
  const [reason, setReason] = useState("");
  const [paymentId, setPaymentId] = useState(e.suggestions[0]?.paymentId ?? "");
  const [error, setError] = useState<string | null>(null);
  const m = useMutation(trpc.exceptionQueue.propose.mutationOptions());
  if (e.status === "RESOLVED" || e.status === "WRITTEN_OFF") {
    return (
      <Card className="p-4" data-testid="resolution-done">
        <h2 className="mb-1 font-semibold">{t("exceptionQueue.resolutionTitle")}</h2>
        <p className="text-sm">{t("exceptionQueue.resolutionDone", { resolution: e.resolution ?? "" })}</p>
      </Card>
    );
  }
  const refunding = e.customerRefunds.find((r) => r.status === "PROCESSING");
  if (e.status === "RESOLUTION_PROPOSED" && refunding) {
    return (
      <Card className="p-4" data-testid="customer-refund-pending">
        <h2 className="mb-1 font-semibold">{t("exceptionQueue.resolutionTitle")}</h2>
        <p className="text-sm">{t("exceptionQueue.customerRefundPending", { outRefundNo: refunding.outRefundNo })}</p>
      </Card>
    );
  }
  if (e.status === "RESOLUTION_PROPOSED") {
    return (
      <Card className="p-4" data-testid="resolution-pending">
        <h2 className="mb-1 font-semibold">{t("exceptionQueue.resolutionTitle")}</h2>
        <p className="text-sm">{t("exceptionQueue.resolutionPending")}</p>
        {e.proposalId ? (
          <Link href={`/ledger/adjustments/${e.proposalId}`} className="text-sm text-primary underline-offset-2 hover:underline" data-testid="review-proposal">
            {t("exceptionQueue.reviewProposal")}
          </Link>
        ) : null}
      </Card>
    );
  }
  if (!canPropose) return null;
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setError(null);
    const base = { exceptionId: e.id, note, reason: reason || note };
    const input =
      action === "ACCEPT_OURS"
        ? { ...base, action, evidence, ...(attachment ? { attachmentRef: attachment } : {}) }
        : action === "MATCH"
          ? { ...base, action, paymentId }
          : { ...base, action };
    try {
      await m.mutateAsync(input as never);
      toast.success(t("exceptionQueue.proposed"));
      await onDone();
    } catch (err) {
      setError(errorText(err) ?? String(err));
    }
  };
  return (
    <Card className="p-4">
      <form className="space-y-3" onSubmit={(ev) => void submit(ev)} data-testid="resolution-form">
        <h2 className="font-semibold">{t("exceptionQueue.resolutionTitle")}</h2>
        <Field label={t("exceptionQueue.action")} hint={t(`exceptionQueue.actionHelp_${action === "ACCEPT_CHANNEL" && e.type === "FEE" ? "ACCEPT_CHANNEL_FEE" : action === "ACCEPT_CHANNEL" && e.type === "AMOUNT" ? "ACCEPT_CHANNEL_AMOUNT" : action}`)}>
          <Select name="action" value={action} onChange={(ev) => setAction(ev.target.value as Action)} options={actions.map((a) => ({ value: a, label: t(`exceptionQueue.action_${a}`) }))} />
        </Field>
        {action === "ACCEPT_OURS" ? (
          <>
            <Field label={t("exceptionQueue.evidence")} required>
              <Textarea name="evidence" rows={2} value={evidence} onChange={(ev) => setEvidence(ev.target.value)} />
            </Field>
            <Field label={t("exceptionQueue.attachment")}>
              <Input name="attachment" value={attachment} onChange={(ev) => setAttachment(ev.target.value)} />
            </Field>
          </>
        ) : null}
        {action === "MATCH" ? (
          <Field label={t("exceptionQueue.action_MATCH")}>
            <Select name="paymentId" value={paymentId} onChange={(ev) => setPaymentId(ev.target.value)} options={e.suggestions.map((s) => ({ value: s.paymentId, label: `${s.merchantOrderNo} (${Math.round(s.confidence * 100)}%)` }))} />
          </Field>
        ) : null}
        <Field label={t("exceptionQueue.note")} required>
          <Input name="note" value={note} onChange={(ev) => setNote(ev.target.value)} />
        </Field>
        <Field label={t("exceptionQueue.reason")}>
          <Input name="reason" value={reason} onChange={(ev) => setReason(ev.target.value)} />
        </Field>
        {error ? (
          <p role="alert" className="text-sm text-danger">
            {error}
          </p>
        ) : null}
        <Button type="submit" loading={m.isPending} data-testid="propose-resolution">
          {t("exceptionQueue.propose")}
        </Button>
      </form>
    </Card>
  );
}

function Suggestions({ e, canPropose, onDone }: { e: Item; canPropose: boolean; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const m = useMutation(trpc.exceptionQueue.propose.mutationOptions());
  const pending = e.status === "RESOLUTION_PROPOSED";
  return (
    <Card className="p-4" data-testid="suggestions">
      <h2 className="mb-2 font-semibold">{t("exceptionQueue.suggestionsTitle")}</h2>
      {e.suggestions.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("exceptionQueue.suggestionsEmpty")}</p>
      ) : (
        <ul className="space-y-2">
          {e.suggestions.map((s) => (
            <li key={s.paymentId} className="flex flex-wrap items-center justify-between gap-2 text-sm">
              <span>
                <Link href={`/payments/${s.paymentId}`} className="text-primary underline-offset-2 hover:underline">
                  {s.merchantOrderNo}
                </Link>{" "}
                · <Money amountMinor={s.amountMinor} currency="CNY" inline /> · <DateTime value={s.at} /> · {paymentStatusLabel(t, s.status)}
                <Badge tone="info" className="ms-2">
                  {t("exceptionQueue.confidence", { percent: String(Math.round(s.confidence * 100)) })}
                </Badge>
              </span>
              {canPropose && !pending ? (
                <Button
                  size="sm"
                  variant="secondary"
                  loading={m.isPending}
                  onClick={() =>
                    void m.mutateAsync({ exceptionId: e.id, action: "MATCH", paymentId: s.paymentId, note: `matched to ${s.merchantOrderNo}`, reason: `Suggested match (${Math.round(s.confidence * 100)}%)` }).then(
                      async () => {
                        toast.success(t("exceptionQueue.proposed"));
                        await onDone();
                      },
                      (err: unknown) => toast.error(errorText(err) ?? String(err)),
                    )
                  }
                >
                  {t("exceptionQueue.proposeMatch")}
                </Button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function NoteResolve({ id, onDone }: { id: string; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const [text, setText] = useState("");
  const m = useMutation(trpc.exceptions.resolve.mutationOptions());
  return (
    <Card className="space-y-2 p-4">
      <Field label={t("exceptionQueue.note")}>
        <Input name="resolution" value={text} onChange={(ev) => setText(ev.target.value)} />
      </Field>
      <Button
        loading={m.isPending}
        onClick={() =>
          void m.mutateAsync({ id, resolution: text }).then(
            () => onDone(),
            (err: unknown) => toast.error(errorText(err) ?? String(err)),
          )
        }
      >
        {t("exceptionQueue.resolveWithNote")}
      </Button>
    </Card>
  );
}

function History({ e, canWork, onDone }: { e: Item; canWork: boolean; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const [body, setBody] = useState("");
  const m = useMutation(trpc.exceptionQueue.comment.mutationOptions());
  const label = (k: string) => ((EVENTS as readonly string[]).includes(k) ? t(`exceptionQueue.event_${k as (typeof EVENTS)[number]}`) : k);
  return (
    <Card className="space-y-3 p-4" data-testid="history">
      <h2 className="font-semibold">{t("exceptionQueue.historyTitle")}</h2>
      <ol className="space-y-2 text-sm">
        {e.events.map((ev) => (
          <li key={ev.id} className="border-s-2 border-border ps-3" data-testid="history-event" data-kind={ev.kind}>
            <div className="font-medium">
              {label(ev.kind)}
              {ev.fromStatus || ev.toStatus ? (
                <span className="text-muted-foreground">
                  {" "}
                  {ev.fromStatus ? statusLabel(t, ev.fromStatus) : ""} → {ev.toStatus ? statusLabel(t, ev.toStatus) : ""}
                </span>
              ) : null}
            </div>
            {ev.body ? <div className="whitespace-pre-wrap">{ev.body}</div> : null}
            <div className="text-xs text-muted-foreground">
              {ev.actor} · <DateTime value={ev.createdAt} />
            </div>
          </li>
        ))}
      </ol>
      {canWork ? (
        <form
          className="space-y-2"
          onSubmit={(ev) => {
            ev.preventDefault();
            void m.mutateAsync({ id: e.id, body }).then(
              async () => {
                setBody("");
                toast.success(t("exceptionQueue.commentPosted"));
                await onDone();
              },
              (err: unknown) => toast.error(errorText(err) ?? String(err)),
            );
          }}
        >
          <Field label={t("exceptionQueue.comment")}>
            <Textarea name="comment" rows={2} value={body} onChange={(ev) => setBody(ev.target.value)} />
          </Field>
          <Button type="submit" variant="secondary" size="sm" loading={m.isPending} disabled={!body.trim()}>
            {t("exceptionQueue.commentPost")}
          </Button>
        </form>
      ) : null}
    </Card>
  );
}
