"use client";

import Link from "next/link";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Dash } from "@/components/ledger/parts";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { errorText, formErrors } from "@/components/ui/form-errors";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import type { Translate } from "@/i18n/translate";
import type { ExceptionRow } from "./types";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
const td = "px-3 py-2 align-top";
const link = "text-primary underline-offset-2 hover:underline";

const KINDS = ["LATE_SUCCESS", "REFUND_ABNORMAL", "RECON_CHANNEL_ONLY", "RECON_PLATFORM_ONLY", "RECON_AMOUNT", "RECON_STATUS", "RECON_FEE", "RECON_UNKNOWN_SUB_MERCHANT"] as const;
const kindLabel = (t: Translate, kind: string) => ((KINDS as readonly string[]).includes(kind) ? t(`payments.exceptionKind_${kind as (typeof KINDS)[number]}`) : kind);

/** The payment the exception is about: the late success's payment, the abnormal refund's payment. */
function paymentOf(e: ExceptionRow): string | null {
  if (e.causeType === "payment") return e.causeId;
  const details = e.details as { paymentId?: unknown } | null;
  return typeof details?.paymentId === "string" ? details.paymentId : null;
}

/** A reconciliation difference's direction: 长款 (more money than booked) or 短款 (less). */
function directionOf(e: ExceptionRow): "OVERAGE" | "SHORTAGE" | null {
  const d = (e.details as { direction?: unknown } | null)?.direction;
  return d === "OVERAGE" || d === "SHORTAGE" ? d : null;
}

/** Exceptions (差错) raised by payments and refunds: open first by default, resolvable by finance. */
export function ExceptionsView({ canResolve, canPropose = false }: { canResolve: boolean; canPropose?: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [status, setStatus] = useState<"OPEN" | "RESOLVED" | "">("OPEN");
  const [resolving, setResolving] = useState<ExceptionRow | null>(null);
  const [writingOff, setWritingOff] = useState<ExceptionRow | null>(null);
  const list = useInfiniteQuery(
    trpc.exceptions.find.infiniteQueryOptions({ ...(status ? { status } : {}), limit: 50 }, { getNextPageParam: (last) => last.nextCursor, initialCursor: null }),
  );
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  let body;
  if (list.isPending) body = <LoadingState rows={3} />;
  else if (list.isError) body = <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  else if (items.length === 0) body = <EmptyState title={t("payments.exceptionsEmpty")} description={t("payments.exceptionsEmptyBody")} />;
  else
    body = (
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm" data-testid="exceptions-table">
          <thead className="bg-muted">
            <tr>
              {[t("payments.exceptionKind"), t("payments.status"), t("payments.amount"), t("payments.businessDate"), t("payments.exceptionOpened"), t("payments.exceptionResolution"), ""].map((h, i) => (
                <th key={i} scope="col" className={th}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((e) => {
              const paymentId = paymentOf(e);
              return (
                <tr key={e.id} className="border-t border-border" data-testid="exception-row" data-kind={e.kind} data-status={e.status}>
                  <td className={td}>
                    {kindLabel(t, e.kind)}
                    {directionOf(e) ? <span className="block text-xs text-muted-foreground">{t(`payments.direction_${directionOf(e)!}`)}</span> : null}
                  </td>
                  <td className={td}>
                    <Badge tone={e.status === "OPEN" ? "warning" : "success"}>{t(`payments.exceptionStatus_${e.status}`)}</Badge>
                  </td>
                  <td className={`${td} tabular`}>
                    <Money amountMinor={e.amountMinor} currency="CNY" inline />
                  </td>
                  <td className={`${td} tabular`}>{e.businessDate.toISOString().slice(0, 10)}</td>
                  <td className={td}>
                    <DateTime value={e.createdAt} />
                  </td>
                  <td className={td}>
                    {e.resolution ? (
                      <>
                        {e.resolution}
                        <span className="block text-xs text-muted-foreground">
                          {e.resolvedBy} · <DateTime value={e.resolvedAt} />
                        </span>
                      </>
                    ) : (
                      <Dash />
                    )}
                  </td>
                  <td className={`${td} whitespace-nowrap text-right`}>
                    {paymentId ? (
                      <Link href={`/payments/${paymentId}`} className={`me-2 text-xs ${link}`}>
                        {t("payments.exceptionOpenPayment")}
                      </Link>
                    ) : null}
                    {canPropose && e.status === "OPEN" && e.kind.startsWith("RECON_") ? (
                      <Button size="sm" variant="secondary" onClick={() => setWritingOff(e)} data-testid="propose-write-off">
                        {t("payments.exceptionWriteOff")}
                      </Button>
                    ) : null}
                    {/* An abnormal refund is resolved on its payment page by recording the bank transfer. */}
                    {canResolve && e.status === "OPEN" && e.kind !== "REFUND_ABNORMAL" && !e.kind.startsWith("RECON_") ? (
                      <Button size="sm" onClick={() => setResolving(e)}>
                        {t("payments.exceptionResolve")}
                      </Button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );

  return (
    <div className="space-y-4">
      <div className="max-w-xs">
        <Field label={t("payments.status")}>
          <Select
            name="status"
            value={status}
            onChange={(e) => setStatus(e.target.value === "OPEN" || e.target.value === "RESOLVED" ? e.target.value : "")}
            options={[
              { value: "OPEN", label: t("payments.exceptionStatus_OPEN") },
              { value: "RESOLVED", label: t("payments.exceptionStatus_RESOLVED") },
            ]}
            placeholder={t("payments.exceptionAll")}
          />
        </Field>
      </div>
      <Card>
        {body}
        {list.hasNextPage ? (
          <div className="border-t border-border p-3 text-center">
            <Button variant="secondary" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
              {t("common.loadMore")}
            </Button>
          </div>
        ) : null}
      </Card>
      {resolving ? <ResolveExceptionDialog exception={resolving} onClose={() => setResolving(null)} /> : null}
      {writingOff ? <WriteOffDialog exception={writingOff} onClose={() => setWritingOff(null)} /> : null}
    </div>
  );
}

function ResolveExceptionDialog({ exception, onClose }: { exception: ExceptionRow; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const resolve = useMutation(trpc.exceptions.resolve.mutationOptions());
  const [resolution, setResolution] = useState("");
  const server = formErrors(resolve.error);

  async function submit(e: FormEvent) {
    e.preventDefault();
    resolve.reset();
    const done = await resolve.mutateAsync({ id: exception.id, resolution }).then(() => true, () => false);
    if (!done) return;
    toast.success(t("payments.exceptionResolved"));
    await queryClient.invalidateQueries({ queryKey: trpc.exceptions.find.pathKey() });
    onClose();
  }

  return (
    <Dialog open onClose={onClose} title={t("payments.exceptionResolveTitle")} description={t("payments.exceptionResolveHelp")} dismissible={!resolve.isPending}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        <Field label={t("payments.exceptionResolution")} required error={server.fields.resolution}>
          <Input name="resolution" maxLength={1000} value={resolution} onChange={(e) => setResolution(e.target.value)} />
        </Field>
        <FormFooter error={resolve.error && !server.fields.resolution ? errorText(resolve.error) : null} onCancel={onClose} loading={resolve.isPending} submitLabel={t("payments.exceptionResolveSubmit")} />
      </form>
    </Dialog>
  );
}

/** Proposes writing a reconciliation difference off (短款 to loss, 长款 to unclaimed funds); a second person approves it under Ledger → Adjustments. */
function WriteOffDialog({ exception, onClose }: { exception: ExceptionRow; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const propose = useMutation(trpc.proposals.create.mutationOptions());
  const [note, setNote] = useState("");
  const server = formErrors(propose.error);

  async function submit(e: FormEvent) {
    e.preventDefault();
    propose.reset();
    const done = await propose.mutateAsync({ kind: "recon.write_off", reason: note, payload: { exceptionId: exception.id, note } }).then(
      () => true,
      () => false,
    );
    if (!done) return;
    toast.success(t("payments.exceptionWriteOffProposed"));
    await queryClient.invalidateQueries({ queryKey: trpc.exceptions.find.pathKey() });
    onClose();
  }

  return (
    <Dialog open onClose={onClose} title={t("payments.exceptionWriteOffTitle")} description={t(directionOf(exception) === "OVERAGE" ? "payments.exceptionWriteOffOverage" : "payments.exceptionWriteOffShortage")} dismissible={!propose.isPending}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        <Field label={t("payments.exceptionResolution")} required error={server.fields.reason}>
          <Input name="note" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
        </Field>
        <FormFooter error={propose.error && !server.fields.reason ? errorText(propose.error) : null} onCancel={onClose} loading={propose.isPending} submitLabel={t("payments.exceptionWriteOffSubmit")} />
      </form>
    </Dialog>
  );
}
