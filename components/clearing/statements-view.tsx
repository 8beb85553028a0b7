"use client";

import { skipToken, useMutation, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { DataTable, type FetchPageArgs } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { errorText } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { ProgressBar } from "@/components/ui/progress";
import { Select } from "@/components/ui/select";
import { LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import type { MessageKey } from "@/i18n/catalogue";
import type { Translate } from "@/i18n/translate";
import { FetchStatus } from "./fetch-status";
import { readRefusal, refusalDetail } from "./refusal";
import {
  awaitsReconciliation,
  FILE_FORMATS,
  FILE_STATUSES,
  fileFilterInput,
  FORMATS,
  isReconciling,
  newFileOf,
  reconciledCount,
  shouldPoll,
  STATEMENTS_TABLE_KEY,
  uploadStage,
  type StatementFileRow,
  type StatementFilesPage,
} from "./statement-files";
import { TemplatesCard } from "./statement-templates";
import { uploadStatement } from "./upload-statement";

// A finance-defined template is chosen in the same Format select: its value names the version.
const TEMPLATE_PREFIX = "template:";
const STATUS_TONE: Record<string, BadgeTone> = { IMPORTED: "success", PENDING_SUPERSEDE: "warning", SUPERSEDED: "neutral", REJECTED: "danger" };
const OUTCOMES = ["MATCHED", "DIFFERENCE", "PENDING", "RELEASED"] as const;

interface UploadResult {
  outcome: "IMPORTED" | "ALREADY_IMPORTED" | "PENDING_SUPERSEDE";
  lines: number;
  format?: string;
  reconciliation?: { byOutcome?: Record<string, number> };
}

/** What a channel's settlement statement did to the DIRECT settlements (settlement/direct-statements.ts). */
const SETTLE_OUTCOMES = ["CONFIRMED", "DIFFERENCE", "ALREADY_CONFIRMED", "WAITING", "NO_STATEMENTS", "NO_SETTLEMENT", "UNKNOWN_SUB_MERCHANT"] as const;

type Phase = { kind: "idle" } | { kind: "uploading"; percent: number } | { kind: "done"; ok: boolean; text: string; detail: string | null };

/** The upload in flight: where its file will appear, and the files that were there before it started (null: unknown). */
interface InFlight {
  channelAccountId: string;
  billDate: string;
  known: ReadonlySet<string> | null;
}

const formatLabel = (t: Translate, format: string) => ((FILE_FORMATS as readonly string[]).includes(format) ? t(`clearing.format_${format as (typeof FILE_FORMATS)[number]}`) : format);
const statusLabel = (t: Translate, status: string) => ((FILE_STATUSES as readonly string[]).includes(status) ? t(`clearing.status_${status as (typeof FILE_STATUSES)[number]}`) : status);

/** Statement import with progress, and the files imported so far. */
export function StatementsView() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const accounts = useQuery(trpc.channels.list.queryOptions());
  const templates = useQuery(trpc.statements.templates.queryOptions());
  const [accountId, setAccountId] = useState("");
  const [billDate, setBillDate] = useState(() => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));
  const [format, setFormat] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [inFlight, setInFlight] = useState<InFlight | null>(null);
  const uploading = phase.kind === "uploading";
  const sent = phase.kind === "uploading" && phase.percent >= 100;

  // Once every byte is sent, the server checks the file, stores it and (a payment statement)
  // reconciles it in rounds, all before it answers: its row is looked for meanwhile.
  const probe = useQuery({
    ...trpc.statements.find.queryOptions(inFlight && inFlight.known && sent ? { channelAccountId: inFlight.channelAccountId, billDate: inFlight.billDate, limit: 20 } : skipToken),
    refetchInterval: 1_500,
    staleTime: 0,
  });
  const newFile = newFileOf(probe.data?.items, inFlight?.known ?? null);

  // The list on screen is fetched again once an upload's bytes are all sent (until it answers)
  // and while a file shown is part-way through its rounds. DataTable owns the query; this finds it
  // by its key. A refetch still running is left to finish rather than restarted.
  useEffect(() => {
    const timer = setInterval(
      () => {
        const shown = queryClient.getQueryCache().findAll({ queryKey: STATEMENTS_TABLE_KEY, type: "active" });
        if (shown.some((q) => q.state.fetchStatus === "fetching")) return;
        if (!shouldPoll(sent, shown.map((q) => q.state.data as InfiniteData<StatementFilesPage, unknown> | undefined))) return;
        void queryClient.invalidateQueries({ queryKey: STATEMENTS_TABLE_KEY }, { cancelRefetch: false });
      },
      sent ? 2_000 : 3_000,
    );
    return () => clearInterval(timer);
  }, [sent, queryClient]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!accountId || !file) return;
    // With a template the format is TEMPLATE, implied by templateId: the two are never sent together.
    const chosen: Record<string, string> = format.startsWith(TEMPLATE_PREFIX) ? { templateId: format.slice(TEMPLATE_PREFIX.length) } : format ? { format } : {};
    const query = new URLSearchParams({ channelAccountId: accountId, billDate, ...chosen });
    setPhase({ kind: "uploading", percent: 0 });
    // The files already there for this account and date, so the one this upload stores can be told apart.
    const known = await queryClient
      .fetchQuery({ ...trpc.statements.find.queryOptions({ channelAccountId: accountId, billDate, limit: 200 }), staleTime: 0 })
      .then((page) => new Set(page.items.map((f) => f.id)))
      .catch(() => null);
    setInFlight({ channelAccountId: accountId, billDate, known });
    try {
      const r = await uploadStatement(query, file, (percent) => setPhase({ kind: "uploading", percent }));
      if (r.status < 300) {
        const result = r.body as UploadResult;
        const byOutcome = result.format === "MERCHANT_SETTLEMENT" ? (result.reconciliation?.byOutcome ?? {}) : {};
        const settled = SETTLE_OUTCOMES.filter((o) => byOutcome[o]).map((o) => t(`clearing.settleOutcome_${o}`, { count: String(byOutcome[o]) }));
        setPhase({ kind: "done", ok: true, detail: null, text: [t(result.outcome === "IMPORTED" && result.lines === 1 ? "clearing.outcome_IMPORTED_one" : `clearing.outcome_${result.outcome}`, { lines: String(result.lines) }), ...settled].join(" · ") });
      } else {
        const refusal = readRefusal(t, r.status, r.body);
        setPhase({ kind: "done", ok: false, text: t("clearing.refused", { message: refusal.headline }), detail: refusalDetail(t, refusal) });
      }
    } catch {
      setPhase({ kind: "done", ok: false, text: t("common.errorTitle"), detail: null });
    } finally {
      setInFlight(null);
    }
    await queryClient.invalidateQueries({ queryKey: STATEMENTS_TABLE_KEY });
    // A template's "files read" counts this file now.
    if (chosen.templateId) await queryClient.invalidateQueries({ queryKey: trpc.statements.templates.queryKey() });
  }

  const fetchPage = useCallback(({ cursor, limit, filters, signal }: FetchPageArgs) => client.statements.find.query({ ...fileFilterInput(filters), cursor, limit }, { signal }), [client]);
  const columns = fileColumns(t, newFile?.id ?? null);

  let progress = null;
  if (phase.kind === "uploading") {
    const stage = uploadStage(phase.percent, newFile);
    progress = (
      <span className="flex min-w-64 items-center gap-2 text-sm text-muted-foreground" role="status" data-testid="upload-progress" data-stage={stage.kind}>
        {stage.kind === "sending" ? (
          <>
            <progress max={100} value={stage.percent} className="h-2 w-40" aria-label={t("clearing.uploading", { percent: String(stage.percent) })} />
            {t("clearing.uploading", { percent: String(stage.percent) })}
          </>
        ) : stage.kind === "checking" ? (
          <>
            <progress max={100} value={100} className="h-2 w-40" aria-label={t("clearing.parsing")} />
            {t("clearing.parsing")}
          </>
        ) : stage.kind === "reconciling" ? (
          <ProgressBar label={t("clearing.storedReconciling")} done={stage.done} total={stage.total} className="w-72" />
        ) : (
          t("clearing.storedApplying", { lines: String(stage.lines) })
        )}
      </span>
    );
  }

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
          <form onSubmit={(e) => void submit(e)} className="grid gap-4 sm:grid-cols-2" noValidate data-testid="statement-upload">
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
              {progress}
              {phase.kind === "done" ? (
                <span role="status" className={`text-sm ${phase.ok ? "text-success" : "text-danger"}`} data-testid="upload-result">
                  {phase.text}
                  {phase.detail ? (
                    <span className="mt-1 block break-words text-xs" data-testid="upload-refusal-detail">
                      {phase.detail}
                    </span>
                  ) : null}
                </span>
              ) : null}
            </div>
          </form>
        </CardContent>
      </Card>
      <section className="space-y-3" aria-labelledby="statement-files-title">
        <h2 id="statement-files-title" className="text-base font-semibold">
          {t("clearing.listTitle")}
        </h2>
        <div data-testid="statement-files">
          {accounts.isPending ? (
            // The account filter checks URL values against its options, so it waits for them.
            <LoadingState rows={3} className="rounded-brand border border-border bg-card" />
          ) : (
            <DataTable<StatementFileRow>
              label={t("clearing.listLabel")}
              queryKey={STATEMENTS_TABLE_KEY}
              urlStateKey="sf"
              fetchPage={fetchPage}
              columns={columns}
              getRowId={(f) => f.id}
              filters={[
                { id: "channelAccountId", label: t("clearing.account"), type: "select", options: (accounts.data ?? []).map((a) => ({ value: a.id, label: a.name })) },
                { id: "billDateFrom", label: t("clearing.billDateFrom"), type: "date" },
                { id: "billDateTo", label: t("clearing.billDateTo"), type: "date" },
                { id: "status", label: t("clearing.status"), type: "select", options: FILE_STATUSES.map((s) => ({ value: s, label: statusLabel(t, s) })) },
                { id: "format", label: t("clearing.format"), type: "select", options: FILE_FORMATS.map((f) => ({ value: f, label: formatLabel(t, f) })) },
              ]}
              csv={{ filename: "statement-files.csv", columns: FILE_CSV_COLUMNS }}
              emptyTitle={t("clearing.empty")}
              emptyDescription={t("clearing.emptyBody")}
            />
          )}
        </div>
      </section>
      <TemplatesCard />
      <FetchStatus />
    </div>
  );
}

// Codes and integer minor units (fen), as every CSV of the console; the outcomes as counts.
const FILE_CSV_COLUMNS: Array<{ header: string; value: (f: StatementFileRow) => string | number | bigint | null }> = [
  { header: "id", value: (f) => f.id },
  { header: "file_name", value: (f) => f.fileName },
  { header: "channel_account_id", value: (f) => f.channelAccountId },
  { header: "channel_account", value: (f) => f.channelAccountName },
  { header: "bill_date", value: (f) => f.billDate },
  { header: "bill_type", value: (f) => f.billType },
  { header: "format", value: (f) => f.format },
  { header: "template", value: (f) => f.template?.name ?? null },
  { header: "template_version", value: (f) => f.template?.version ?? null },
  { header: "line_count", value: (f) => f.lineCount },
  { header: "declared_count", value: (f) => f.declaredCount },
  { header: "declared_amount_minor", value: (f) => f.declaredAmountMinor },
  { header: "fee_minor", value: (f) => f.feeMinor },
  { header: "status", value: (f) => f.status },
  ...OUTCOMES.map((o) => ({ header: o.toLowerCase(), value: (f: StatementFileRow) => f.outcomes[o] ?? 0 })),
  { header: "reconciled_at", value: (f) => f.reconciledAt?.toISOString() ?? null },
  { header: "source", value: (f) => f.source },
  { header: "imported_by", value: (f) => f.importedBy },
  { header: "imported_at", value: (f) => f.createdAt.toISOString() },
];

/** A file waiting to replace the day's statement: its proposal, or (imported without one) a button to propose it. */
function SupersedeAction({ fileId, proposalId }: { fileId: string; proposalId: string | null }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const propose = useMutation(trpc.statements.proposeSupersede.mutationOptions());
  const link = "text-xs text-primary underline-offset-2 hover:underline";
  if (proposalId) {
    return (
      <Link href={`/ledger/adjustments/${proposalId}`} className={link} data-testid="supersede-proposal">
        {t("clearing.reviewSupersede")}
      </Link>
    );
  }
  return (
    <Button
      size="sm"
      variant="secondary"
      title={t("clearing.proposeSupersedeHint")}
      disabled={propose.isPending}
      data-testid="propose-supersede"
      onClick={() =>
        propose.mutate(
          { fileId },
          {
            onSuccess: () => {
              toast.success(t("clearing.supersedeProposed"));
              void queryClient.invalidateQueries({ queryKey: STATEMENTS_TABLE_KEY });
            },
            onError: (err: unknown) => toast.error(errorText(err) ?? String(err)),
          },
        )
      }
    >
      {t("clearing.proposeSupersede")}
    </Button>
  );
}

/** The list's columns; `inFlightId` is the file the running upload stored, reconciled before the request answers. */
function fileColumns(t: Translate, inFlightId: string | null): ColumnDef<StatementFileRow, unknown>[] {
  return [
    {
      id: "fileName",
      header: t("clearing.fileName"),
      enableHiding: false,
      cell: ({ row: { original: f } }) => (
        <span className="block min-w-40">
          <span className="break-all font-mono text-xs">{f.fileName}</span>
          {f.templateId ? (
            <Link href={`/statements/templates/${f.templateId}`} className="block text-xs text-primary underline-offset-2 hover:underline">
              {f.template ? `${f.template.name} · ${t("statementTemplates.versionN", { version: f.template.version })}` : t("clearing.format_TEMPLATE")}
            </Link>
          ) : (
            <span className="block text-xs text-muted-foreground">{formatLabel(t, f.format)}</span>
          )}
        </span>
      ),
    },
    { id: "account", header: t("clearing.account"), cell: ({ row: { original: f } }) => f.channelAccountName ?? f.channelAccountId.slice(0, 8) },
    { id: "billDate", header: t("clearing.billDate"), cell: ({ row: { original: f } }) => <span className="tabular whitespace-nowrap">{f.billDate}</span> },
    { id: "billType", header: t("clearing.billType"), cell: ({ row: { original: f } }) => f.billType },
    { id: "lines", header: t("clearing.lines"), meta: { align: "right" }, cell: ({ row: { original: f } }) => <span className="tabular">{f.lineCount}</span> },
    { id: "declared", header: t("clearing.declared"), meta: { align: "right" }, cell: ({ row: { original: f } }) => <Money amountMinor={f.declaredAmountMinor} currency="CNY" /> },
    {
      id: "status",
      header: t("clearing.status"),
      cell: ({ row: { original: f } }) => (
        <span className="flex flex-col items-start gap-1">
          <Badge tone={STATUS_TONE[f.status] ?? "neutral"}>{statusLabel(t, f.status)}</Badge>
          {f.status === "PENDING_SUPERSEDE" ? <SupersedeAction fileId={f.id} proposalId={f.proposalId} /> : null}
        </span>
      ),
    },
    {
      id: "reconciliation",
      header: t("clearing.reconciliation"),
      cell: ({ row: { original: f } }) => (
        <div data-testid="statement-outcomes" className="min-w-40">
          {isReconciling(f) || (f.id === inFlightId && awaitsReconciliation(f)) ? (
            <ProgressBar label={t("clearing.reconciling")} done={Math.min(reconciledCount(f), f.lineCount)} total={f.lineCount} />
          ) : Object.keys(f.outcomes).length === 0 ? (
            <span className="text-muted-foreground">{t("clearing.notReconciled")}</span>
          ) : (
            <span className="flex flex-wrap gap-1">
              {OUTCOMES.filter((o) => f.outcomes[o]).map((o) => (
                <Badge key={o} tone={o === "DIFFERENCE" ? "danger" : o === "PENDING" ? "warning" : "success"}>
                  {t((o === "DIFFERENCE" && f.outcomes[o] === 1 ? "clearing.outcome_count_DIFFERENCE_one" : `clearing.outcome_count_${o}`) as MessageKey, { count: String(f.outcomes[o]) })}
                </Badge>
              ))}
            </span>
          )}
        </div>
      ),
    },
    {
      id: "importedAt",
      header: t("clearing.importedAt"),
      cell: ({ row: { original: f } }) => (
        <>
          <DateTime value={f.createdAt} />
          <span className="block text-xs text-muted-foreground">{f.importedBy}</span>
        </>
      ),
    },
  ];
}
