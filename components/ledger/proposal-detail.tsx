"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Label } from "@/components/ui/label";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { kindLabel, ledgerErrorMessage, PROPOSAL_STATUS_TONE, proposalStatusLabel } from "./labels";
import { AccountLink, Dash, Detail, ErrorNote, MoneyCell } from "./parts";
import { PROPOSALS_QUERY_KEY } from "./proposals-table";
import { Proposer } from "./proposer";
import type { LedgerAccount, Proposal } from "./types";

const CURRENCY = "CNY";

// The payload is stored as JSON (amounts as strings of minor units); read it defensively, since a
// proposal outlives the code that wrote it.
interface AdjustmentLine {
  accountId: string;
  debitMinor: bigint;
  creditMinor: bigint;
}

const asRecord = (v: unknown): Record<string, unknown> | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const asString = (v: unknown): string | null => (typeof v === "string" ? v : null);
function asMinor(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  return 0n;
}
function adjustmentLines(payload: Record<string, unknown>): AdjustmentLine[] {
  const lines = Array.isArray(payload.lines) ? payload.lines : [];
  return lines.flatMap((l) => {
    const r = asRecord(l);
    const accountId = asString(r?.accountId);
    return r && accountId ? [{ accountId, debitMinor: asMinor(r.debitMinor), creditMinor: asMinor(r.creditMinor) }] : [];
  });
}

export function ProposalDetail({ initial, meId, canDecide, canPropose }: { initial: Proposal; meId: string; canDecide: boolean; canPropose: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const noteId = useId();
  const query = useQuery(trpc.proposals.get.queryOptions({ id: initial.id }, { initialData: initial }));
  const p = query.data;
  const decide = useMutation(trpc.proposals.decide.mutationOptions());
  const cancel = useMutation(trpc.proposals.cancel.mutationOptions());
  const [note, setNote] = useState("");
  const [pending, setPending] = useState<"APPROVE" | "REJECT" | null>(null);
  const mine = p.proposedBy === meId;
  const payload = asRecord(p.payload) ?? {};
  const resultEntryId = asString(asRecord(p.result)?.entryId);

  async function refreshAll() {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.proposals.pathKey() }),
      queryClient.invalidateQueries({ queryKey: PROPOSALS_QUERY_KEY }),
      // An approval posts an entry: balances, statements and the trial balance change.
      queryClient.invalidateQueries({ queryKey: trpc.ledger.pathKey() }),
      queryClient.invalidateQueries({ queryKey: ["ledger.statement"] }),
    ]);
  }

  async function runDecide(decision: "APPROVE" | "REJECT") {
    cancel.reset();
    setPending(decision);
    const r = await decide.mutateAsync({ id: p.id, decision, ...(note.trim() ? { note: note.trim() } : {}) }).catch(() => null);
    setPending(null);
    if (!r) return;
    toast.success(t(decision === "APPROVE" ? "ledger.approved" : "ledger.rejected"));
    queryClient.setQueryData(trpc.proposals.get.queryKey({ id: p.id }), r);
    await refreshAll();
  }

  async function runCancel() {
    decide.reset();
    const r = await cancel.mutateAsync({ id: p.id }).catch(() => null);
    if (!r) return;
    toast.success(t("ledger.withdrawn"));
    queryClient.setQueryData(trpc.proposals.get.queryKey({ id: p.id }), r);
    await refreshAll();
  }

  const failure = decide.error ?? cancel.error;

  return (
    <div className="space-y-6">
      <PageHeader
        title={`${kindLabel(t, p.kind)} · ${p.id.slice(0, 8)}`}
        description={p.reason}
        actions={
          <span className="flex items-center gap-2">
            <Badge tone={PROPOSAL_STATUS_TONE[p.status]} data-testid="proposal-status">
              {proposalStatusLabel(t, p.status)}
            </Badge>
            {p.requiresAdmin ? <Badge tone="warning">{t("ledger.requiresAdminYes")}</Badge> : null}
          </span>
        }
      />

      <Card>
        <CardContent>
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Detail label={t("ledger.amount")}>
              <Money amountMinor={p.amountMinor} currency={CURRENCY} inline className="text-base font-semibold" />
            </Detail>
            <Detail label={t("ledger.proposer")}>
              <Proposer userId={p.proposedBy} meId={meId} />
            </Detail>
            <Detail label={t("ledger.proposedAt")}>
              <DateTime value={p.proposedAt} />
            </Detail>
            <Detail label={t("ledger.requiresAdmin")}>{p.requiresAdmin ? t("ledger.requiresAdminHelp") : t("common.no")}</Detail>
            <Detail label={t("ledger.decidedBy")}>
              <Proposer userId={p.decidedBy} meId={meId} />
            </Detail>
            <Detail label={t("ledger.decidedAt")}>
              <DateTime value={p.decidedAt} />
            </Detail>
            <Detail label={t("ledger.decisionNote")}>{p.decisionNote ?? <Dash />}</Detail>
            <Detail label={t("ledger.resultEntry")}>
              {resultEntryId ? (
                <Link href={`/ledger/entries/${resultEntryId}`} className="text-primary underline-offset-2 hover:underline" data-testid="result-entry-link">
                  {t("ledger.openEntry")}
                </Link>
              ) : (
                <Dash />
              )}
            </Detail>
          </dl>
        </CardContent>
      </Card>

      {p.kind === "ledger.adjustment" ? <AdjustmentPayload payload={payload} /> : null}
      {p.kind === "ledger.reversal" ? <ReversalPayload payload={payload} /> : null}

      {p.status === "PENDING" && (canDecide || (mine && canPropose)) ? (
        <Card>
          <CardHeader>
            <div>
              <CardTitle>{t("ledger.decision")}</CardTitle>
              <p className="mt-1 text-sm text-muted-foreground">{mine ? t("ledger.ownProposalHint") : t("ledger.decisionHint")}</p>
            </div>
          </CardHeader>
          {canDecide ? (
            <CardContent className="space-y-2">
              <Label htmlFor={noteId}>{t("ledger.decisionNote")}</Label>
              <Textarea id={noteId} rows={3} value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
            </CardContent>
          ) : null}
          <CardContent className="pt-0">
            <ErrorNote message={failure ? ledgerErrorMessage(t, failure) : null} testId="decision-error" />
          </CardContent>
          <CardFooter>
            {mine && canPropose ? (
              <Button variant="ghost" loading={cancel.isPending} disabled={decide.isPending} onClick={() => void runCancel()}>
                {t("ledger.withdraw")}
              </Button>
            ) : null}
            {canDecide ? (
              <>
                <Button variant="danger" loading={pending === "REJECT"} disabled={pending !== null || cancel.isPending} onClick={() => void runDecide("REJECT")}>
                  {t("ledger.reject")}
                </Button>
                <Button loading={pending === "APPROVE"} disabled={pending !== null || cancel.isPending} onClick={() => void runDecide("APPROVE")}>
                  {t("ledger.approve")}
                </Button>
              </>
            ) : null}
          </CardFooter>
        </Card>
      ) : null}
    </div>
  );
}

function AdjustmentPayload({ payload }: { payload: Record<string, unknown> }) {
  const t = useT();
  const trpc = useTRPC();
  const accounts = useQuery(trpc.ledger.findAccounts.queryOptions({}));
  const lines = adjustmentLines(payload);
  const byId = new Map<string, LedgerAccount>((accounts.data ?? []).map((a) => [a.id, a]));
  const debit = lines.reduce((s, l) => s + l.debitMinor, 0n);
  const credit = lines.reduce((s, l) => s + l.creditMinor, 0n);
  return (
    <Card>
      <CardHeader>
        <CardTitle id="adjustment-lines">{t("ledger.adjustmentLines")}</CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="mb-4 grid gap-4 sm:grid-cols-3">
          <Detail label={t("ledger.businessDate")}>
            <span className="tabular">{asString(payload.businessDate) ?? "—"}</span>
          </Detail>
          <Detail label={t("ledger.correctsDate")}>{asString(payload.correctsDate) ?? <Dash />}</Detail>
          <Detail label={t("ledger.description")}>{asString(payload.description) ?? <Dash />}</Detail>
        </dl>
      </CardContent>
      {accounts.isPending ? (
        <LoadingState rows={2} />
      ) : accounts.isError ? (
        <ErrorState compact error={accounts.error} onRetry={() => void accounts.refetch()} />
      ) : (
        <div className="overflow-x-auto">
          <table aria-labelledby="adjustment-lines" className="w-full border-collapse text-sm">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                  {t("ledger.account")}
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
              {lines.map((l, i) => {
                const a = byId.get(l.accountId);
                return (
                  <tr key={i} className="border-t border-border">
                    <td className="px-3 py-2">{a ? <AccountLink id={a.id} code={a.code} name={a.name} /> : <span className="font-mono text-xs">{l.accountId}</span>}</td>
                    <td className="px-3 py-2 text-right">{l.debitMinor ? <Money amountMinor={l.debitMinor} currency={a?.currency ?? CURRENCY} /> : <Dash />}</td>
                    <td className="px-3 py-2 text-right">{l.creditMinor ? <Money amountMinor={l.creditMinor} currency={a?.currency ?? CURRENCY} /> : <Dash />}</td>
                  </tr>
                );
              })}
            </tbody>
            <tfoot>
              <tr className="border-t-2 border-border font-semibold">
                <th scope="row" className="px-3 py-2 text-left">
                  {t("ledger.total")}
                </th>
                <MoneyCell amountMinor={debit} currency={CURRENCY} />
                <MoneyCell amountMinor={credit} currency={CURRENCY} />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </Card>
  );
}

function ReversalPayload({ payload }: { payload: Record<string, unknown> }) {
  const t = useT();
  const entryId = asString(payload.entryId);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("ledger.reversalOf")}</CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="grid gap-4 sm:grid-cols-3">
          <Detail label={t("ledger.entry")}>
            {entryId ? (
              <Link href={`/ledger/entries/${entryId}`} className="text-primary underline-offset-2 hover:underline">
                {t("ledger.openEntry")}
              </Link>
            ) : (
              <Dash />
            )}
          </Detail>
          <Detail label={t("ledger.businessDate")}>
            <span className="tabular">{asString(payload.businessDate) ?? "—"}</span>
          </Detail>
          <Detail label={t("ledger.description")}>{asString(payload.description) ?? <Dash />}</Detail>
        </dl>
      </CardContent>
    </Card>
  );
}
