"use client";

import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Field } from "@/components/ui/field";
import { formErrors } from "@/components/ui/form-errors";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import type { Translate } from "@/i18n/translate";
import { fenToYuanText, parseYuan, type YuanParseError } from "./amount-input";
import { todayIn } from "./dates";
import { accountName, bookLabel, domainCode, ledgerErrorMessage } from "./labels";
import { BOOKS, type LedgerAccount } from "./types";

interface LineDraft {
  key: number;
  accountId: string;
  debit: string;
  credit: string;
}

interface CheckedLine {
  key: number;
  accountId: string;
  debitMinor: bigint;
  creditMinor: bigint;
  blank: boolean;
  /** Problems a person can fix while typing (shown at once). */
  debitError: YuanParseError | null;
  creditError: YuanParseError | null;
  bothSides: boolean;
  /** Problems of an incomplete line (shown after the first submit). */
  missingAccount: boolean;
  missingAmount: boolean;
}

function checkLine(l: LineDraft): CheckedLine {
  const d = l.debit.trim() ? parseYuan(l.debit) : null;
  const c = l.credit.trim() ? parseYuan(l.credit) : null;
  const debitMinor = d?.ok ? d.fen : 0n;
  const creditMinor = c?.ok ? c.fen : 0n;
  const blank = !l.accountId && !l.debit.trim() && !l.credit.trim();
  return {
    key: l.key,
    accountId: l.accountId,
    debitMinor,
    creditMinor,
    blank,
    debitError: d && !d.ok ? d.error : null,
    creditError: c && !c.ok ? c.error : null,
    bothSides: debitMinor > 0n && creditMinor > 0n,
    missingAccount: !blank && !l.accountId,
    missingAmount: !blank && debitMinor === 0n && creditMinor === 0n && !(d && !d.ok) && !(c && !c.ok),
  };
}

function amountError(t: Translate, e: YuanParseError | null): string | null {
  return e ? t(`ledger.amountError_${e}`) : null;
}

let nextKey = 1;
const newLine = (): LineDraft => ({ key: nextKey++, accountId: "", debit: "", credit: "" });

/** A manual adjustment, proposed for a second person to approve: balanced lines in yuan, sent as fen. */
export function AdjustmentForm() {
  const { t, timeZone } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const router = useRouter();
  const accounts = useQuery(trpc.ledger.findAccounts.queryOptions({}));
  const create = useMutation(trpc.proposals.create.mutationOptions());
  const [businessDate, setBusinessDate] = useState(() => todayIn(timeZone));
  const [correctsDate, setCorrectsDate] = useState("");
  const [description, setDescription] = useState("");
  const [reason, setReason] = useState("");
  const [lines, setLines] = useState<LineDraft[]>(() => [newLine(), newLine()]);
  const [submitted, setSubmitted] = useState(false);
  const linesHeadingId = useId();

  const byId = new Map<string, LedgerAccount>((accounts.data ?? []).map((a) => [a.id, a]));
  const checked = lines.map(checkLine);
  const used = checked.filter((l) => !l.blank);
  const debitTotal = used.reduce((s, l) => s + l.debitMinor, 0n);
  const creditTotal = used.reduce((s, l) => s + l.creditMinor, 0n);
  // The server checks balance per book and currency; a balanced total across two books is still refused.
  const groups = new Map<string, { book: string; currency: string; net: bigint }>();
  for (const l of used) {
    const a = byId.get(l.accountId);
    if (!a) continue;
    const k = `${a.book}|${a.currency}`;
    const g = groups.get(k) ?? { book: a.book, currency: a.currency, net: 0n };
    g.net += l.debitMinor - l.creditMinor;
    groups.set(k, g);
  }
  const unbalancedGroups = [...groups.values()].filter((g) => g.net !== 0n);
  const currency = [...groups.values()][0]?.currency ?? "CNY";
  const difference = debitTotal - creditTotal;
  const lineProblems = used.some((l) => l.debitError || l.creditError || l.bothSides || l.missingAccount || l.missingAmount);
  const tooFewLines = used.length < 2;
  const balanced = difference === 0n && unbalancedGroups.length === 0 && debitTotal > 0n;

  const errors = formErrors(create.error);
  const code = domainCode(create.error);
  const linesServerError = code ? (errors.fields.lines ? ledgerErrorMessage(t, create.error) : null) : (errors.fields.lines ?? null);
  const general = create.error && Object.keys(errors.fields).length === 0 ? ledgerErrorMessage(t, create.error) : null;

  function update(key: number, patch: Partial<LineDraft>) {
    setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l)));
  }

  function normalise(key: number, side: "debit" | "credit", text: string) {
    const r = parseYuan(text);
    if (r.ok) update(key, { [side]: fenToYuanText(r.fen) });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (lineProblems || tooFewLines || !balanced || !description.trim() || !reason.trim()) return;
    const p = await create
      .mutateAsync({
        kind: "ledger.adjustment",
        payload: {
          businessDate,
          ...(correctsDate ? { correctsDate } : {}),
          description: description.trim(),
          lines: used.map((l) => ({ accountId: l.accountId, debitMinor: l.debitMinor, creditMinor: l.creditMinor })),
        },
        reason: reason.trim(),
      })
      .catch(() => null);
    if (p) {
      toast.success(t("ledger.proposalCreated"));
      router.push(`/ledger/adjustments/${p.id}`);
    }
  }

  if (accounts.isPending) return <LoadingState rows={6} />;
  if (accounts.isError) return <ErrorState error={accounts.error} onRetry={() => void accounts.refetch()} />;

  const accountOptions = BOOKS.map((book) => {
    const ofBook = accounts.data.filter((a) => a.book === book);
    return ofBook.length ? (
      <optgroup key={book} label={bookLabel(t, book)}>
        {ofBook.map((a) => (
          <option key={a.id} value={a.id}>
            {accountName(t, a)} · {a.code}
          </option>
        ))}
      </optgroup>
    ) : null;
  });

  return (
    <form onSubmit={submit} className="space-y-6" noValidate>
      <Card>
        <CardContent className="grid gap-4 sm:grid-cols-2">
          <Field label={t("ledger.businessDate")} required hint={t("ledger.businessDateHint")} error={errors.fields.businessDate}>
            <Input type="date" value={businessDate} onChange={(e) => setBusinessDate(e.target.value)} data-testid="adjustment-business-date" />
          </Field>
          <Field label={t("ledger.correctsDate")} hint={t("ledger.correctsDateHint")} error={errors.fields.correctsDate}>
            <Input type="date" value={correctsDate} onChange={(e) => setCorrectsDate(e.target.value)} />
          </Field>
          <Field
            label={t("ledger.description")}
            required
            className="sm:col-span-2"
            hint={t("ledger.descriptionHint")}
            error={errors.fields.description ?? (submitted && !description.trim() ? t("common.required") : undefined)}
          >
            <Input value={description} maxLength={500} onChange={(e) => setDescription(e.target.value)} data-testid="adjustment-description" />
          </Field>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <div>
            <CardTitle id={linesHeadingId}>{t("ledger.adjustmentLines")}</CardTitle>
            <p className="mt-1 text-sm text-muted-foreground">{t("ledger.linesHelp")}</p>
          </div>
          <Button variant="secondary" size="sm" onClick={() => setLines((ls) => [...ls, newLine()])} disabled={lines.length >= 50}>
            {t("ledger.addLine")}
          </Button>
        </CardHeader>
        <div className="overflow-x-auto">
          <table aria-labelledby={linesHeadingId} className="w-full border-collapse text-sm">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className="w-10 px-3 py-2 text-left font-medium text-muted-foreground">
                  #
                </th>
                <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                  {t("ledger.account")}
                </th>
                <th scope="col" className="w-44 px-3 py-2 text-right font-medium text-muted-foreground">
                  {t("ledger.debitYuan")}
                </th>
                <th scope="col" className="w-44 px-3 py-2 text-right font-medium text-muted-foreground">
                  {t("ledger.creditYuan")}
                </th>
                <th scope="col" className="w-20 px-3 py-2">
                  <span className="sr-only">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l, i) => {
                const c = checked[i];
                const n = i + 1;
                const accountProblem = submitted && c?.missingAccount ? t("ledger.chooseAccount") : null;
                const debitProblem = amountError(t, c?.debitError ?? null);
                const creditProblem = amountError(t, c?.creditError ?? null);
                const lineProblem = c?.bothSides ? t("ledger.oneSideOnly") : submitted && c?.missingAmount ? t("ledger.enterAmount") : null;
                const problems = [accountProblem, debitProblem, creditProblem, lineProblem].filter(Boolean);
                const problemId = `adjustment-line-${i}-problem`;
                return (
                  <tr key={l.key} className="border-t border-border align-top" data-testid={`line-${i}`}>
                    <td className="px-3 py-2 pt-4 tabular text-muted-foreground">{n}</td>
                    <td className="px-3 py-2">
                      <Select
                        aria-label={t("ledger.lineAccount", { n })}
                        aria-invalid={accountProblem ? true : undefined}
                        aria-describedby={problems.length ? problemId : undefined}
                        value={l.accountId}
                        onChange={(e) => update(l.key, { accountId: e.target.value })}
                        placeholder={t("ledger.chooseAccount")}
                        data-testid={`line-${i}-account`}
                      >
                        {accountOptions}
                      </Select>
                      {problems.length ? (
                        <p id={problemId} className="mt-1 text-sm text-danger">
                          {problems.join(" ")}
                        </p>
                      ) : null}
                    </td>
                    {(["debit", "credit"] as const).map((side) => (
                      <td key={side} className="px-3 py-2">
                        <Input
                          inputMode="decimal"
                          autoComplete="off"
                          className="text-right tabular"
                          aria-label={t(side === "debit" ? "ledger.lineDebit" : "ledger.lineCredit", { n })}
                          aria-invalid={(side === "debit" ? debitProblem : creditProblem) || c?.bothSides ? true : undefined}
                          value={l[side]}
                          placeholder="0.00"
                          onChange={(e) => update(l.key, { [side]: e.target.value })}
                          onBlur={(e) => normalise(l.key, side, e.target.value)}
                          data-testid={`line-${i}-${side}`}
                        />
                      </td>
                    ))}
                    <td className="px-3 py-2 text-right">
                      {lines.length > 2 ? (
                        <Button variant="ghost" size="sm" onClick={() => setLines((ls) => ls.filter((x) => x.key !== l.key))} aria-label={t("ledger.removeLine", { n })}>
                          {t("ledger.remove")}
                        </Button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
            <tfoot>
              <tr className="border-t-2 border-border font-semibold">
                <th scope="row" colSpan={2} className="px-3 py-2 text-left">
                  {t("ledger.total")}
                </th>
                <td className="px-3 py-2 text-right" data-testid="total-debit">
                  <Money amountMinor={debitTotal} currency={currency} />
                </td>
                <td className="px-3 py-2 text-right" data-testid="total-credit">
                  <Money amountMinor={creditTotal} currency={currency} />
                </td>
                <td />
              </tr>
            </tfoot>
          </table>
        </div>
        <CardContent>
          <BalanceMessage
            debitTotal={debitTotal}
            difference={difference}
            currency={currency}
            unbalancedBooks={unbalancedGroups.map((g) => `${g.book === "OWN" || g.book === "MEMO" ? bookLabel(t, g.book) : g.book} ${g.currency}`)}
            tooFewLines={submitted && tooFewLines}
          />
          {linesServerError ? (
            <p role="alert" className="mt-2 text-sm text-danger">
              {linesServerError}
            </p>
          ) : null}
        </CardContent>
      </Card>

      <Card>
        <CardContent>
          <Field
            label={t("ledger.reason")}
            required
            hint={t("ledger.reasonHint")}
            error={errors.fields.reason ?? (submitted && !reason.trim() ? t("common.required") : undefined)}
          >
            <Textarea rows={3} value={reason} maxLength={1000} onChange={(e) => setReason(e.target.value)} data-testid="adjustment-reason" />
          </Field>
        </CardContent>
      </Card>

      <FormFooter error={general} onCancel={() => router.push("/ledger/adjustments")} loading={create.isPending} submitLabel={t("ledger.submitProposal")} />
    </form>
  );
}

function BalanceMessage({
  debitTotal,
  difference,
  currency,
  unbalancedBooks,
  tooFewLines,
}: {
  debitTotal: bigint;
  difference: bigint;
  currency: string;
  unbalancedBooks: string[];
  tooFewLines: boolean;
}) {
  const { t } = useI18n();
  let tone: "ok" | "bad" | "muted";
  let content;
  if (difference !== 0n) {
    tone = "bad";
    const abs = difference < 0n ? -difference : difference;
    content = (
      <>
        {t(difference > 0n ? "ledger.imbalanceDebitHeavy" : "ledger.imbalanceCreditHeavy")} <Money amountMinor={abs} currency={currency} inline className="font-semibold" />
        {". "}
        {t("ledger.imbalanceHelp")}
      </>
    );
  } else if (unbalancedBooks.length) {
    tone = "bad";
    content = t("ledger.imbalanceByBook", { books: unbalancedBooks.join(", ") });
  } else if (debitTotal === 0n) {
    tone = tooFewLines ? "bad" : "muted";
    content = tooFewLines ? t("ledger.tooFewLines") : t("ledger.enterLines");
  } else {
    tone = "ok";
    content = t("ledger.linesBalanced");
  }
  return (
    // A live region: the balance message changes while typing and a screen reader should hear it.
    <p
      role="status"
      aria-live="polite"
      data-testid="balance-message"
      data-balanced={tone === "ok" ? "true" : "false"}
      className={cn("rounded-brand px-3 py-2 text-sm", tone === "ok" && "bg-success/10 text-success", tone === "bad" && "bg-danger/10 text-danger", tone === "muted" && "bg-muted text-muted-foreground")}
    >
      {content}
    </p>
  );
}
