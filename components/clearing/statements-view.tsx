"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { ProgressBar } from "@/components/ui/progress";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import type { MessageKey } from "@/i18n/catalogue";
import { FetchStatus } from "./fetch-status";
import { td, th } from "./plain-table";
import { TemplatesCard } from "./statement-templates";
import { uploadStatement } from "./upload-statement";


// The same list as server/core/clearing/parsers/types.ts (only its types may be imported here).
const FORMATS = ["WECHAT_TRADE_BILL", "ALIPAY_BUSINESS_DETAIL", "UNIONPAY_ZM", "BANK_CREDIT", "BANK_PAYOUT_RESULT", "PROFIT_SHARE", "MERCHANT_SETTLEMENT"] as const;
// A finance-defined template is chosen in the same Format select: its value names the version.
const TEMPLATE_PREFIX = "template:";
// Payment statements (parsers/types.ts PAYMENT_FORMATS) are reconciled in rounds of lines.
const RECONCILED_FORMATS: ReadonlySet<string> = new Set(["WECHAT_TRADE_BILL", "ALIPAY_BUSINESS_DETAIL", "UNIONPAY_ZM", "TEMPLATE"]);
/** A current payment statement part-way through its rounds (running, or stopped: importing the same file again goes on). */
const reconciling = (f: { status: string; format: string; reconciledAt: Date | null; outcomes: Record<string, number> }) =>
  f.status === "IMPORTED" && RECONCILED_FORMATS.has(f.format) && !f.reconciledAt && Object.keys(f.outcomes).length > 0;
const STATUS_TONE: Record<string, BadgeTone> = { IMPORTED: "success", PENDING_SUPERSEDE: "warning", SUPERSEDED: "neutral", REJECTED: "danger" };

interface UploadResult {
  outcome: "IMPORTED" | "ALREADY_IMPORTED" | "PENDING_SUPERSEDE";
  lines: number;
  format?: string;
  reconciliation?: { byOutcome?: Record<string, number> };
}

/** What a channel's settlement statement did to the DIRECT settlements (settlement/direct-statements.ts). */
const SETTLE_OUTCOMES = ["CONFIRMED", "DIFFERENCE", "ALREADY_CONFIRMED", "WAITING", "NO_STATEMENTS", "NO_SETTLEMENT", "UNKNOWN_SUB_MERCHANT"] as const;

/** Statement import with progress, and the files imported so far. */
export function StatementsView() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const accounts = useQuery(trpc.channels.list.queryOptions());
  // While a file is part-way through its reconciliation, its progress is polled.
  const files = useQuery({ ...trpc.statements.find.queryOptions({ limit: 100 }), refetchInterval: (q) => (q.state.data?.some(reconciling) ? 3_000 : false) });
  const templates = useQuery(trpc.statements.templates.queryOptions());
  const [accountId, setAccountId] = useState("");
  const [billDate, setBillDate] = useState(() => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));
  const [format, setFormat] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<{ kind: "idle" } | { kind: "uploading"; percent: number } | { kind: "done"; text: string; ok: boolean }>({ kind: "idle" });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!accountId || !file) return;
    // With a template the format is TEMPLATE, implied by templateId: the two are never sent together.
    const chosen: Record<string, string> = format.startsWith(TEMPLATE_PREFIX) ? { templateId: format.slice(TEMPLATE_PREFIX.length) } : format ? { format } : {};
    const query = new URLSearchParams({ channelAccountId: accountId, billDate, ...chosen });
    setPhase({ kind: "uploading", percent: 0 });
    try {
      const r = await uploadStatement(query, file, (percent) => setPhase({ kind: "uploading", percent }));
      if (r.status < 300) {
        const result = r.body as UploadResult;
        const byOutcome = result.format === "MERCHANT_SETTLEMENT" ? (result.reconciliation?.byOutcome ?? {}) : {};
        const settled = SETTLE_OUTCOMES.filter((o) => byOutcome[o]).map((o) => t(`clearing.settleOutcome_${o}`, { count: String(byOutcome[o]) }));
        setPhase({ kind: "done", ok: true, text: [t(result.outcome === "IMPORTED" && result.lines === 1 ? "clearing.outcome_IMPORTED_one" : `clearing.outcome_${result.outcome}`, { lines: String(result.lines) }), ...settled].join(" · ") });
        await queryClient.invalidateQueries({ queryKey: trpc.statements.find.queryKey() });
        // A template's "files read" counts this file now.
        if (chosen.templateId) await queryClient.invalidateQueries({ queryKey: trpc.statements.templates.queryKey() });
      } else {
        const message = (r.body as { error?: { message?: string } } | null)?.error?.message ?? String(r.status);
        setPhase({ kind: "done", ok: false, text: t("clearing.refused", { message }) });
      }
    } catch {
      setPhase({ kind: "done", ok: false, text: t("common.errorTitle") });
    }
  }

  const uploading = phase.kind === "uploading";
  let list;
  if (files.isPending) list = <LoadingState rows={3} />;
  else if (files.isError) list = <ErrorState error={files.error} onRetry={() => void files.refetch()} />;
  else if (files.data.length === 0) list = <EmptyState title={t("clearing.empty")} description={t("clearing.emptyBody")} />;
  else
    list = (
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm" data-testid="statement-files">
          <thead className="bg-muted">
            <tr>
              {[t("clearing.fileName"), t("clearing.account"), t("clearing.billDate"), t("clearing.billType"), t("clearing.lines"), t("clearing.declared"), t("clearing.status"), t("clearing.reconciliation"), t("clearing.importedAt")].map((h) => (
                <th key={h} scope="col" className={th}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {files.data.map((f) => (
              <tr key={f.id} className="border-t border-border" data-testid="statement-file" data-status={f.status}>
                <td className={td}>
                  <span className="break-all font-mono text-xs">{f.fileName}</span>
                  {f.templateId ? (
                    <Link href={`/statements/templates/${f.templateId}`} className="block text-xs text-primary underline-offset-2 hover:underline">
                      {f.template ? `${f.template.name} · ${t("statementTemplates.versionN", { version: f.template.version })}` : t("clearing.format_TEMPLATE")}
                    </Link>
                  ) : (
                    <span className="block text-xs text-muted-foreground">{t(`clearing.format_${f.format}` as MessageKey)}</span>
                  )}
                </td>
                <td className={td}>{accounts.data?.find((a) => a.id === f.channelAccountId)?.name ?? f.channelAccountId.slice(0, 8)}</td>
                <td className={`${td} tabular`}>{f.billDate.toISOString().slice(0, 10)}</td>
                <td className={td}>{f.billType}</td>
                <td className={`${td} tabular`}>{f.lineCount}</td>
                <td className={`${td} tabular`}>
                  <Money amountMinor={f.declaredAmountMinor} currency="CNY" inline />
                </td>
                <td className={td}>
                  <Badge tone={STATUS_TONE[f.status] ?? "neutral"}>{t(`clearing.status_${f.status}` as MessageKey)}</Badge>
                </td>
                <td className={td} data-testid="statement-outcomes">
                  {reconciling(f) ? (
                    // Each reconciled line has one outcome until the last round adds the day's missing payments.
                    <ProgressBar label={t("clearing.reconciling")} done={Object.values(f.outcomes).reduce((a, b) => a + b, 0)} total={f.lineCount} className="min-w-40" />
                  ) : Object.keys(f.outcomes).length === 0 ? (
                    <span className="text-muted-foreground">{t("clearing.notReconciled")}</span>
                  ) : (
                    <span className="flex flex-wrap gap-1">
                      {(["MATCHED", "DIFFERENCE", "PENDING", "RELEASED"] as const)
                        .filter((o) => f.outcomes[o])
                        .map((o) => (
                          <Badge key={o} tone={o === "DIFFERENCE" ? "danger" : o === "PENDING" ? "warning" : "success"}>
                            {t(o === "DIFFERENCE" && f.outcomes[o] === 1 ? "clearing.outcome_count_DIFFERENCE_one" : `clearing.outcome_count_${o}`, { count: String(f.outcomes[o]) })}
                          </Badge>
                        ))}
                    </span>
                  )}
                </td>
                <td className={td}>
                  <DateTime value={f.createdAt} />
                  <span className="block text-xs text-muted-foreground">{f.importedBy}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("clearing.uploadTitle")}</CardTitle>
            <CardDescription>{t("clearing.uploadHelp")}</CardDescription>
          </div>
        </CardHeader>
        <CardContent>
          <form onSubmit={submit} className="grid gap-4 sm:grid-cols-2" noValidate data-testid="statement-upload">
            <Field label={t("clearing.account")} required>
              <Select
                name="channelAccountId"
                value={accountId}
                onChange={(e) => setAccountId(e.target.value)}
                placeholder={accounts.isPending ? t("common.loading") : t("clearing.chooseAccount")}
                options={(accounts.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
              />
            </Field>
            <Field label={t("clearing.billDate")} required>
              <Input name="billDate" type="date" value={billDate} onChange={(e) => setBillDate(e.target.value)} />
            </Field>
            <Field label={t("clearing.format")}>
              <Select
                name="format"
                value={format}
                onChange={(e) => setFormat(e.target.value)}
                placeholder={t("clearing.formatAuto")}
                options={FORMATS.map((f) => ({ value: f, label: t(`clearing.format_${f}`) }))}
              >
                {templates.data?.length ? (
                  <optgroup label={t("clearing.templatesGroup")}>
                    {templates.data.map((tpl) => (
                      <option key={tpl.id} value={`${TEMPLATE_PREFIX}${tpl.id}`}>
                        {t("clearing.templateOption", { name: tpl.name, version: tpl.version })}
                      </option>
                    ))}
                  </optgroup>
                ) : null}
              </Select>
            </Field>
            <Field label={t("clearing.file")} required>
              <Input name="file" type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </Field>
            <div className="flex flex-wrap items-center gap-3 sm:col-span-2">
              <Button type="submit" loading={uploading} disabled={!accountId || !file || uploading}>
                {t("clearing.submit")}
              </Button>
              {phase.kind === "uploading" ? (
                <span className="flex items-center gap-2 text-sm text-muted-foreground" role="status" data-testid="upload-progress">
                  <progress max={100} value={phase.percent} className="h-2 w-40" aria-label={t("clearing.uploading", { percent: String(phase.percent) })} />
                  {phase.percent < 100 ? t("clearing.uploading", { percent: String(phase.percent) }) : t("clearing.parsing")}
                </span>
              ) : null}
              {phase.kind === "done" ? (
                <span role="status" className={`text-sm ${phase.ok ? "text-success" : "text-danger"}`} data-testid="upload-result">
                  {phase.text}
                </span>
              ) : null}
            </div>
          </form>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("clearing.listTitle")}</CardTitle>
        </CardHeader>
        {list}
      </Card>
      <TemplatesCard />
      <FetchStatus />
    </div>
  );
}
