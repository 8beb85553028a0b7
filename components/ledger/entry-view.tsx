"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { formErrors } from "@/components/ui/form-errors";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import { todayIn } from "./dates";
import { bookLabel, causeHref, causeLabel, causeLinkLabel, kindLabel, ledgerErrorMessage } from "./labels";
import { AccountLink, Dash, Detail, MoneyCell } from "./parts";
import type { JournalEntryDetail } from "./types";

export function EntryView({ entry, canPropose }: { entry: JournalEntryDetail; canPropose: boolean }) {
  const { t } = useI18n();
  const [proposing, setProposing] = useState(false);
  const seq = entry.seq.toString();
  const reversible = entry.phase === "POSTED" && entry.reversedByEntryId === null;

  // Totals per currency: an entry balances in each book and currency on its own.
  const totals = new Map<string, { debit: bigint; credit: bigint }>();
  for (const p of entry.postings) {
    const sum = totals.get(p.currency) ?? { debit: 0n, credit: 0n };
    if (p.amountMinor > 0n) sum.debit += p.amountMinor;
    else sum.credit -= p.amountMinor;
    totals.set(p.currency, sum);
  }

  return (
    <div className="space-y-6">
      <PageHeader
        title={t("ledger.entryTitle", { seq })}
        description={entry.description ?? undefined}
        actions={
          <span className="flex flex-wrap items-center gap-2">
            <Badge tone={entry.phase === "POSTED" ? "success" : "warning"}>{t(entry.phase === "POSTED" ? "ledger.phasePosted" : "ledger.phasePending")}</Badge>
            {entry.reversedByEntryId ? <Badge tone="warning">{t("ledger.reversedMarker")}</Badge> : null}
            {canPropose && reversible ? (
              <Button variant="secondary" onClick={() => setProposing(true)}>
                {t("ledger.proposeReversal")}
              </Button>
            ) : null}
          </span>
        }
      />

      {entry.reversesEntryId || entry.reversedByEntryId ? (
        <div className="space-y-1 rounded-brand border border-warning/40 bg-warning/10 px-4 py-3 text-sm" data-testid="reversal-links">
          {entry.reversesEntryId ? (
            <p>
              {t("ledger.reversesLabel")}{" "}
              <Link href={`/ledger/entries/${entry.reversesEntryId}`} className="font-medium text-primary underline-offset-2 hover:underline">
                {t("ledger.openEntry")}
              </Link>
            </p>
          ) : null}
          {entry.reversedByEntryId ? (
            <p>
              {t("ledger.reversedByLabel")}{" "}
              <Link href={`/ledger/entries/${entry.reversedByEntryId}`} className="font-medium text-primary underline-offset-2 hover:underline">
                {t("ledger.openEntry")}
              </Link>
            </p>
          ) : null}
        </div>
      ) : null}

      <Card>
        <CardContent>
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Detail label={t("ledger.kind")} testId="entry-kind">
              {kindLabel(t, entry.kind)} <span className="font-mono text-xs text-muted-foreground">{entry.kind}</span>
            </Detail>
            <Detail label={t("ledger.businessDate")}>
              <span className="tabular">{entry.businessDate}</span>
            </Detail>
            <Detail label={t("ledger.correctsDate")}>{entry.correctsDate ? <span className="tabular">{entry.correctsDate}</span> : <Dash />}</Detail>
            <Detail label={t("ledger.effectiveAt")}>
              <DateTime value={entry.effectiveAt} />
            </Detail>
            <Detail label={t("ledger.createdBy")}>{entry.createdBy}</Detail>
            <Detail label={t("ledger.recordedAt")}>
              <DateTime value={entry.createdAt} />
            </Detail>
            <Detail label={t("ledger.cause")} testId="entry-cause">
              {entry.causeType ? <Cause type={entry.causeType} id={entry.causeId} link={entry.causeLink} /> : <Dash />}
            </Detail>
            <Detail label={t("ledger.holdId")}>{entry.holdId ? <span className="break-all font-mono text-xs">{entry.holdId}</span> : <Dash />}</Detail>
            <Detail label={t("ledger.idempotencyKey")}>
              <span className="break-all font-mono text-xs">{entry.idempotencyKey}</span>
            </Detail>
            <Detail label={t("ledger.entryId")}>
              <span className="break-all font-mono text-xs">{entry.id}</span>
            </Detail>
          </dl>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle id="postings-title">{t("ledger.postings")}</CardTitle>
        </CardHeader>
        <div className="overflow-x-auto">
          <table aria-labelledby="postings-title" className="w-full border-collapse text-sm">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                  #
                </th>
                <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                  {t("ledger.account")}
                </th>
                <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                  {t("ledger.book")}
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium text-muted-foreground">
                  {t("ledger.debit")}
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium text-muted-foreground">
                  {t("ledger.credit")}
                </th>
              </tr>
            </thead>
            <tbody>
              {entry.postings.map((p) => (
                <tr key={p.line} className="border-t border-border" data-testid={`posting-${p.account.code}`}>
                  <td className="px-3 py-2 tabular text-muted-foreground">{p.line + 1}</td>
                  <td className="px-3 py-2">
                    <AccountLink id={p.accountId} code={p.account.code} name={p.account.name} />
                  </td>
                  <td className="px-3 py-2">{bookLabel(t, p.book)}</td>
                  <td className="px-3 py-2 text-right">{p.amountMinor > 0n ? <Money amountMinor={p.amountMinor} currency={p.currency} /> : <Dash />}</td>
                  <td className="px-3 py-2 text-right">{p.amountMinor < 0n ? <Money amountMinor={-p.amountMinor} currency={p.currency} /> : <Dash />}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              {[...totals].map(([currency, sum]) => (
                <tr key={currency} className="border-t-2 border-border font-semibold">
                  <th scope="row" colSpan={3} className="px-3 py-2 text-left">
                    {t("ledger.total")} · {currency}
                  </th>
                  <MoneyCell amountMinor={sum.debit} currency={currency} />
                  <MoneyCell amountMinor={sum.credit} currency={currency} />
                </tr>
              ))}
            </tfoot>
          </table>
        </div>
      </Card>

      {proposing ? <ProposeReversalDialog entryId={entry.id} seq={seq} businessDate={entry.businessDate} onClose={() => setProposing(false)} /> : null}
    </div>
  );
}

/** What caused the entry, in words, with its id and a link to where the console shows it (a refund: its payment's page). */
function Cause({ type, id, link }: { type: string; id: string | null; link: JournalEntryDetail["causeLink"] }) {
  const { t } = useI18n();
  const href = link ? causeHref(link) : null;
  const linkLabel = link ? causeLinkLabel(t, link.page) : null;
  return (
    <span className="flex flex-col gap-0.5">
      <span title={type}>{causeLabel(t, type)}</span>
      {id ? <span className="break-all font-mono text-xs text-muted-foreground">{id}</span> : null}
      {href && linkLabel ? (
        <Link href={href} className="text-primary underline-offset-2 hover:underline" data-testid="entry-cause-link">
          {linkLabel}
        </Link>
      ) : null}
    </span>
  );
}

function ProposeReversalDialog({ entryId, seq, businessDate, onClose }: { entryId: string; seq: string; businessDate: string; onClose: () => void }) {
  const { t, timeZone } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const router = useRouter();
  const create = useMutation(trpc.proposals.create.mutationOptions());
  const [v, setV] = useState(() => ({ businessDate: todayIn(timeZone), description: t("ledger.reversalDefaultDescription", { seq }), reason: "" }));
  const errors = formErrors(create.error);
  // Field errors come from the payload (businessDate, description) or the proposal (reason).
  const general = create.error && Object.keys(errors.fields).length === 0 ? ledgerErrorMessage(t, create.error) : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const p = await create
      .mutateAsync({ kind: "ledger.reversal", payload: { entryId, businessDate: v.businessDate, description: v.description }, reason: v.reason })
      .catch(() => null);
    if (p) {
      toast.success(t("ledger.proposalCreated"));
      onClose();
      router.push(`/ledger/adjustments/${p.id}`);
    }
  }

  return (
    <Dialog open onClose={onClose} title={t("ledger.proposeReversal")} description={t("ledger.proposeReversalHelp", { seq })}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        {/* The server names a closed original date as the one corrected (correctsDate); nothing to choose here. */}
        <p className="text-sm text-muted-foreground">{t("ledger.reversalCorrectsHelp", { date: businessDate })}</p>
        <Field label={t("ledger.businessDate")} required hint={t("ledger.businessDateHint")} error={errors.fields.businessDate}>
          <Input type="date" value={v.businessDate} onChange={(e) => setV({ ...v, businessDate: e.target.value })} />
        </Field>
        <Field label={t("ledger.description")} required error={errors.fields.description}>
          <Input value={v.description} onChange={(e) => setV({ ...v, description: e.target.value })} />
        </Field>
        <Field label={t("ledger.reason")} required hint={t("ledger.reasonHint")} error={errors.fields.reason}>
          <Textarea rows={3} value={v.reason} onChange={(e) => setV({ ...v, reason: e.target.value })} />
        </Field>
        <FormFooter error={general} onCancel={onClose} loading={create.isPending} submitLabel={t("ledger.submitProposal")} />
      </form>
    </Dialog>
  );
}
