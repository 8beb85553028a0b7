"use client";

import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter } from "@/components/charts/chart-utils";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { CURRENCY, type BatchDetail } from "@/components/wallets/types";
import { useI18n } from "@/i18n/client";
import { readRefusal, refusalDetail } from "./refusal";
import { uploadStatement } from "./upload-statement";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
const td = "px-3 py-2";
const OUTCOMES = ["sent", "succeeded", "failed", "processing", "returned"] as const;
type Outcome = (typeof OUTCOMES)[number];

/** The header of a SWYRES01 file: its batch (32 hex) and processing date, read before sending. */
async function readResultHeader(file: File): Promise<{ batchHex: string; date: string } | null> {
  const head = await file.slice(0, 200).text();
  const line = head.replace(/^\uFEFF/, "").split(/\r?\n/)[0] ?? "";
  const m = /^HSWYRES01([0-9a-fA-F]{32})(\d{4})(\d{2})(\d{2})/.exec(line);
  return m ? { batchHex: m[1]!.toLowerCase(), date: `${m[2]}-${m[3]}-${m[4]}` } : null;
}

interface UploadAnswer {
  outcome: "IMPORTED" | "ALREADY_IMPORTED" | "PENDING_SUPERSEDE";
  reconciliation?: { byOutcome?: Record<string, number> };
}

/** What became of a batch at the bank (counts, amounts, a chart), and the import of the bank's result file. */
export function BatchResults({ batchId, canImport }: { batchId: string; canImport: boolean }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const detail = useQuery(trpc.wallets.batches.get.queryOptions({ id: batchId }));
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<{ kind: "idle" } | { kind: "uploading"; percent: number } | { kind: "done"; text: string; ok: boolean; detail?: string | null }>({ kind: "idle" });

  if (detail.isPending) return <LoadingState rows={3} />;
  if (detail.isError) return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} compact />;
  const b: BatchDetail = detail.data;
  const r = b.results;
  const released = !!b.releasedAt;
  const label: Record<Outcome, string> = { sent: t("payoutResults.sent"), succeeded: t("payoutResults.succeeded"), failed: t("payoutResults.failed"), processing: t("payoutResults.processing"), returned: t("payoutResults.returned") };

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    const header = await readResultHeader(file);
    if (!header) return setPhase({ kind: "done", ok: false, text: t("payoutResults.notAResultFile") });
    if (header.batchHex !== batchId.replaceAll("-", "").toLowerCase()) return setPhase({ kind: "done", ok: false, text: t("payoutResults.otherBatch", { batch: header.batchHex.slice(0, 8) }) });
    const query = new URLSearchParams({ channelAccountId: b.channelAccountId, billDate: header.date, format: "BANK_PAYOUT_RESULT" });
    setPhase({ kind: "uploading", percent: 0 });
    try {
      const answer = await uploadStatement(query, file, (percent) => setPhase({ kind: "uploading", percent }));
      if (answer.status < 300) {
        const body = answer.body as UploadAnswer;
        const outcomes = body.reconciliation?.byOutcome ?? {};
        setPhase({
          kind: "done",
          ok: true,
          text: body.outcome === "ALREADY_IMPORTED" ? t("payoutResults.alreadyImported") : t("payoutResults.imported", { matched: String(outcomes.MATCHED ?? 0), differences: String(outcomes.DIFFERENCE ?? 0) }),
        });
        await queryClient.invalidateQueries({ queryKey: trpc.wallets.batches.get.queryKey({ id: batchId }) });
      } else {
        // By the server's code, in the reader's language; the parser's line and words under it.
        const refusal = readRefusal(t, answer.status, answer.body);
        setPhase({ kind: "done", ok: false, text: t("payoutResults.refused", { message: refusal.headline }), detail: refusalDetail(t, refusal) });
      }
    } catch {
      setPhase({ kind: "done", ok: false, text: t("common.errorTitle") });
    }
  }

  const chartRows = OUTCOMES.filter((o) => o !== "sent").map((o) => ({ outcome: label[o], amount: minorToChartNumber(r[o].amountMinor) }));
  return (
    <div className="space-y-6">
      <Card data-testid="batch-results">
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("payoutResults.title")}</CardTitle>
            <CardDescription>{released ? t("payoutResults.description") : t("payoutResults.notReleased")}</CardDescription>
          </div>
        </CardHeader>
        <CardContent className="space-y-3">
          <div className="overflow-x-auto">
            <table className="w-full border-collapse text-sm">
              <thead className="bg-muted">
                <tr>
                  <th scope="col" className={th}>
                    {t("payoutResults.outcome")}
                  </th>
                  <th scope="col" className={`${th} text-right`}>
                    {t("payoutResults.count")}
                  </th>
                  <th scope="col" className={`${th} text-right`}>
                    {t("payoutResults.amount")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {OUTCOMES.map((o) => (
                  <tr key={o} className="border-t border-border" data-testid={`result-${o}`}>
                    <th scope="row" className={`${td} text-left font-normal`}>
                      {label[o]}
                    </th>
                    <td className={`${td} tabular text-right`} data-testid={`result-${o}-count`}>
                      {r[o].count}
                    </td>
                    <td className={td}>
                      <Money amountMinor={r[o].amountMinor} currency={CURRENCY} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="text-sm text-muted-foreground" data-testid="result-exceptions">
            {r.openExceptions > 0 ? (
              <>
                {t("payoutResults.openExceptions", { count: String(r.openExceptions) })}{" "}
                <Link href="/exceptions" className="text-primary underline-offset-2 hover:underline">
                  {t("payoutResults.viewExceptions")}
                </Link>
              </>
            ) : (
              t("payoutResults.noExceptions")
            )}
          </p>
        </CardContent>
      </Card>

      {released && r.sent.count > 0 ? (
        <ChartCard
          title={t("payoutResults.chartTitle")}
          chart={{ kind: "bar", data: chartRows, xKey: "outcome", xLabel: t("payoutResults.outcome"), series: [{ key: "amount", label: t("payoutResults.amount") }], valueFormatter: moneyFormatter(CURRENCY, locale) }}
        />
      ) : null}

      {canImport && released && b.delivery === "FILE" ? (
        <Card>
          <CardHeader>
            <div className="min-w-0">
              <CardTitle>{t("payoutResults.uploadTitle")}</CardTitle>
              <CardDescription>{t("payoutResults.uploadHelp")}</CardDescription>
            </div>
          </CardHeader>
          <CardContent>
            <form onSubmit={(e) => void submit(e)} className="flex flex-wrap items-end gap-3">
              <Field label={t("payoutResults.file")}>
                <Input type="file" name="resultFile" data-testid="result-file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
              </Field>
              <Button type="submit" disabled={!file || phase.kind === "uploading"} loading={phase.kind === "uploading"} data-testid="result-submit">
                {t("payoutResults.submit")}
              </Button>
            </form>
            {phase.kind === "uploading" ? <p className="mt-2 text-sm text-muted-foreground">{t("payoutResults.uploading", { percent: String(phase.percent) })}</p> : null}
            {phase.kind === "done" ? (
              <p role="status" className={`mt-2 text-sm ${phase.ok ? "text-success" : "text-danger"}`} data-testid="result-outcome">
                {phase.text}
                {phase.detail ? (
                  <span className="mt-1 block break-words text-xs" data-testid="result-refusal-detail">
                    {phase.detail}
                  </span>
                ) : null}
              </p>
            ) : null}
          </CardContent>
        </Card>
      ) : null}
    </div>
  );
}
