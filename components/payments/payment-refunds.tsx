"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Dash } from "@/components/ledger/parts";
import { parseYuan } from "@/components/ledger/amount-input";
import { useTRPC } from "@/components/providers/trpc";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { errorText, formErrors } from "@/components/ui/form-errors";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import type { MessageKey } from "@/i18n/catalogue";
import { formatMoney } from "@/i18n/format";
import type { Translate } from "@/i18n/translate";
import { causeLabel } from "./labels";
import { PAYMENTS_TABLE_KEY, type PaymentDetail, type RefundRow } from "./types";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
const td = "px-3 py-2 align-top";
const link = "text-primary underline-offset-2 hover:underline";

const REFUND_TONE: Record<RefundRow["status"], BadgeTone> = { PROCESSING: "warning", SUCCEEDED: "success", FAILED: "danger", CLOSED: "neutral", ABNORMAL: "danger" };
const refundStatusLabel = (t: Translate, s: RefundRow["status"]) => t(`payments.refundStatus_${s}`);
const originLabel = (t: Translate, origin: string) =>
  origin === "API" || origin === "CONSOLE" || origin === "PORTAL" || origin === "LATE_SUCCESS" || origin === "REVERSAL" ? t(`payments.refundOrigin_${origin}`) : origin;

/** A refusal in the reader's language: the refund codes this page knows, else the shared mapping. */
function refusalText(t: Translate, error: unknown): string | null {
  if (!error) return null;
  const data = (error as { data?: { domainCode?: string | null; params?: Record<string, string | number> | null } | null }).data;
  const code = data?.domainCode ?? null;
  if (code === "REFUND_EXCEEDS_CAPTURED") return t("payments.error_REFUND_EXCEEDS_CAPTURED", { refundableMinor: String(data?.params?.refundableMinor ?? "") });
  if (code === "INSUFFICIENT_MERCHANT_BALANCE" || code === "PAYMENT_NOT_REFUNDABLE" || code === "MERCHANT_REFUND_NO_TAKEN") return t(`payments.error_${code}` as MessageKey);
  return errorText(error);
}

/** The payment's refunds with their state, and (by role) refunding, querying and resolving abnormal ones. */
export function PaymentRefunds({ payment, canRefund, canManage }: { payment: PaymentDetail; canRefund: boolean; canManage: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const refunds = useQuery(trpc.payments.refunds.queryOptions({ id: payment.id }));
  const query = useMutation(trpc.payments.queryRefund.mutationOptions());
  const [dialog, setDialog] = useState<{ kind: "refund" } | { kind: "resolve"; refund: RefundRow } | null>(null);

  const pending = (refunds.data ?? []).filter((r) => r.status !== "FAILED" && r.status !== "CLOSED").reduce((s, r) => s + r.amountMinor, 0n);
  const refundable = payment.status === "SUCCEEDED" ? payment.amountMinor - pending : 0n;

  async function refreshAll() {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.payments.refunds.queryKey({ id: payment.id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.payments.get.queryKey({ id: payment.id }) }),
      queryClient.invalidateQueries({ queryKey: PAYMENTS_TABLE_KEY }),
    ]);
  }

  async function queryNow(r: RefundRow) {
    const after = await query.mutateAsync({ id: r.id }).catch(() => null);
    if (!after) return;
    toast.success(t("payments.refundQueried", { refundNo: r.merchantRefundNo, status: refundStatusLabel(t, after.status) }));
    await refreshAll();
  }

  let body;
  if (refunds.isPending) body = <LoadingState rows={2} />;
  else if (refunds.isError) body = <ErrorState error={refunds.error} onRetry={() => void refunds.refetch()} />;
  else if (refunds.data.length === 0) body = <EmptyState title={t("payments.refundsEmpty")} description={t("payments.refundsEmptyBody")} />;
  else
    body = (
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm" data-testid="payment-refunds">
          <thead className="bg-muted">
            <tr>
              {[t("payments.refundNo"), t("payments.status"), t("payments.amount"), t("payments.refundFeeReturned"), t("payments.refundOrigin"), t("payments.refundCreatedAt"), t("payments.refundRefundedAt"), ""].map((h, i) => (
                <th key={i} scope="col" className={th}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {refunds.data.map((r) => (
              <tr key={r.id} className="border-t border-border" data-testid="refund-row" data-status={r.status}>
                <td className={td}>
                  <span className="break-all font-mono text-xs">{r.merchantRefundNo}</span>
                  <details className="mt-1 text-xs text-muted-foreground">
                    <summary className="cursor-pointer">{t("payments.timelineTitle")}</summary>
                    <ol className="mt-1 space-y-1">
                      {r.transitions.map((x) => (
                        <li key={x.id}>
                          <DateTime value={x.createdAt} /> · {causeLabel(t, x.cause)} · {refundStatusLabel(t, x.toStatus)}
                          {x.reason ? ` — ${x.reason}` : ""}
                        </li>
                      ))}
                    </ol>
                  </details>
                </td>
                <td className={td}>
                  <Badge tone={REFUND_TONE[r.status]} data-testid="refund-status" data-status={r.status}>
                    {refundStatusLabel(t, r.status)}
                  </Badge>
                  {r.failureCode ? <span className="mt-1 block text-xs text-danger">{r.failureCode}</span> : null}
                </td>
                <td className={`${td} tabular`}>
                  <Money amountMinor={r.amountMinor} currency="CNY" inline />
                  {r.debtMinor > 0n ? (
                    <span className="block text-xs text-muted-foreground">
                      {t("payments.refundDebt")}: <Money amountMinor={r.debtMinor} currency="CNY" inline />
                    </span>
                  ) : null}
                </td>
                <td className={`${td} tabular`}>
                  <Money amountMinor={r.feeReturnedMinor} currency="CNY" inline />
                </td>
                <td className={td}>{originLabel(t, r.origin)}</td>
                <td className={td}>
                  <DateTime value={r.createdAt} />
                </td>
                <td className={td}>{r.refundedAt ? <DateTime value={r.refundedAt} /> : <Dash />}</td>
                <td className={`${td} whitespace-nowrap text-right`}>
                  {r.status === "PROCESSING" && canRefund ? (
                    <Button size="sm" variant="secondary" onClick={() => void queryNow(r)} loading={query.isPending && query.variables?.id === r.id}>
                      {t("payments.refundQuery")}
                    </Button>
                  ) : null}
                  {r.status === "ABNORMAL" && canManage ? (
                    <Button size="sm" onClick={() => setDialog({ kind: "resolve", refund: r })}>
                      {t("payments.refundResolve")}
                    </Button>
                  ) : null}
                  {r.ledgerEntryId ? (
                    <Link href={`/ledger/entries/${r.ledgerEntryId}`} className={`ms-2 text-xs ${link}`}>
                      {t("payments.refundEntry")}
                    </Link>
                  ) : null}
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
          <CardTitle>{t("payments.refundsTitle")}</CardTitle>
          <CardDescription>{t("payments.refundsHelp")}</CardDescription>
        </div>
        {canRefund && refundable > 0n ? (
          <Button onClick={() => setDialog({ kind: "refund" })} data-testid="refund-new">
            {t("payments.refundNew")}
          </Button>
        ) : null}
      </CardHeader>
      {query.error ? <p className="px-5 text-sm text-danger">{errorText(query.error)}</p> : null}
      {body}
      {dialog?.kind === "refund" ? <RefundDialog payment={payment} refundable={refundable} onClose={() => setDialog(null)} onDone={refreshAll} /> : null}
      {dialog?.kind === "resolve" ? <ResolveDialog refund={dialog.refund} onClose={() => setDialog(null)} onDone={refreshAll} /> : null}
    </Card>
  );
}

function RefundDialog({ payment, refundable, onClose, onDone }: { payment: PaymentDetail; refundable: bigint; onClose: () => void; onDone: () => Promise<void> }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const create = useMutation(trpc.payments.refund.mutationOptions());
  const [amount, setAmount] = useState(() => formatMoney(refundable, "CNY", locale, { showSymbol: false }).replaceAll(",", ""));
  const [reason, setReason] = useState(() => t("payments.refundReasonDefault"));
  const [refundNo, setRefundNo] = useState("");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const server = formErrors(create.error);
  const errors = { ...server.fields, ...problems };
  const general = create.error && !["amountMinor", "reason", "merchantRefundNo"].some((f) => server.fields[f]) ? refusalText(t, create.error) : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = parseYuan(amount);
    const p: Record<string, string> = {};
    if (!parsed.ok || parsed.fen <= 0n) p.amountMinor = t("payments.amountInvalid");
    else if (parsed.fen > refundable) p.amountMinor = t("payments.refundAmountHint", { amount: formatMoney(refundable, "CNY", locale) });
    setProblems(p);
    if (Object.keys(p).length || !parsed.ok) return;
    create.reset();
    const r = await create
      .mutateAsync({ paymentId: payment.id, amountMinor: parsed.fen, reason, ...(refundNo.trim() ? { merchantRefundNo: refundNo.trim() } : {}) })
      .catch(() => null);
    if (!r) return;
    toast.success(t("payments.refundCreated", { refundNo: r.merchantRefundNo, status: refundStatusLabel(t, r.status) }));
    await onDone();
    onClose();
  }

  return (
    <Dialog open onClose={onClose} title={t("payments.refundTitle", { orderNo: payment.merchantOrderNo })} description={t("payments.refundDescription")} dismissible={!create.isPending}>
      <form onSubmit={submit} className="space-y-4" noValidate data-testid="refund-form">
        <Field label={t("payments.refundAmount")} hint={t("payments.refundAmountHint", { amount: formatMoney(refundable, "CNY", locale) })} required error={errors.amountMinor}>
          <Input name="amount" inputMode="decimal" autoComplete="off" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </Field>
        <Field label={t("payments.refundReason")} required error={errors.reason}>
          <Input name="reason" maxLength={256} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <Field label={t("payments.refundNo")} hint={t("payments.refundNoHint")} error={errors.merchantRefundNo}>
          <Input name="merchantRefundNo" maxLength={64} autoComplete="off" value={refundNo} onChange={(e) => setRefundNo(e.target.value)} />
        </Field>
        <FormFooter error={general} onCancel={onClose} loading={create.isPending} submitLabel={t("payments.refundSubmit")} submitVariant="danger" />
      </form>
    </Dialog>
  );
}

function ResolveDialog({ refund, onClose, onDone }: { refund: RefundRow; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const resolve = useMutation(trpc.payments.resolveRefund.mutationOptions());
  const [form, setForm] = useState({ accountName: "", accountLast4: "", bankName: "", reference: "", note: "" });
  const server = formErrors(resolve.error);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    resolve.reset();
    const done = await resolve
      .mutateAsync({ refundId: refund.id, accountName: form.accountName, accountLast4: form.accountLast4, bankName: form.bankName, reference: form.reference, ...(form.note.trim() ? { note: form.note } : {}) })
      .catch(() => null);
    if (!done) return;
    toast.success(t("payments.refundResolved"));
    await onDone();
    onClose();
  }

  return (
    <Dialog open onClose={onClose} title={t("payments.refundResolveTitle", { refundNo: refund.merchantRefundNo })} description={t("payments.refundResolveDescription")} dismissible={!resolve.isPending}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t("payments.refundResolveName")} required error={server.fields.accountName}>
            <Input name="accountName" maxLength={64} value={form.accountName} onChange={set("accountName")} />
          </Field>
          <Field label={t("payments.refundResolveLast4")} required error={server.fields.accountLast4}>
            <Input name="accountLast4" inputMode="numeric" maxLength={4} value={form.accountLast4} onChange={set("accountLast4")} />
          </Field>
          <Field label={t("payments.refundResolveBank")} required error={server.fields.bankName}>
            <Input name="bankName" maxLength={64} value={form.bankName} onChange={set("bankName")} />
          </Field>
          <Field label={t("payments.refundResolveReference")} required error={server.fields.reference}>
            <Input name="reference" maxLength={64} value={form.reference} onChange={set("reference")} />
          </Field>
        </div>
        <Field label={t("payments.refundResolveNote")} error={server.fields.note}>
          <Input name="note" maxLength={256} value={form.note} onChange={set("note")} />
        </Field>
        <FormFooter error={resolve.error && Object.keys(server.fields).length === 0 ? errorText(resolve.error) : null} onCancel={onClose} loading={resolve.isPending} submitLabel={t("payments.refundResolveSubmit")} />
      </form>
    </Dialog>
  );
}
