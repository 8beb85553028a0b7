"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
const td = "px-3 py-2 align-top";
const OUTCOMES = ["IMPORTED", "ALREADY_IMPORTED", "PENDING_SUPERSEDE", "NOT_AVAILABLE", "REFUSED"] as const;
const TONE: Record<(typeof OUTCOMES)[number], BadgeTone> = { IMPORTED: "success", ALREADY_IMPORTED: "neutral", PENDING_SUPERSEDE: "warning", NOT_AVAILABLE: "warning", REFUSED: "danger" };

/** The scheduled fetch per account and bill date: how many tries, the last outcome and the channel's words (late and refused bills at a glance). */
export function FetchStatus() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.statements.fetches.queryOptions({}), refetchInterval: 60_000 });
  let body;
  if (q.isPending) body = <LoadingState rows={2} />;
  else if (q.isError) body = <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  else if (q.data.length === 0) body = <EmptyState title={t("clearing.fetchEmpty")} description={t("clearing.fetchEmptyBody")} />;
  else
    body = (
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm">
          <caption className="sr-only">{t("clearing.fetchTitle")}</caption>
          <thead className="bg-muted">
            <tr>
              {[t("clearing.account"), t("clearing.billDate"), t("clearing.fetchTries"), t("clearing.fetchLast"), t("clearing.fetchOutcome"), t("clearing.fetchDetail")].map((h) => (
                <th key={h} scope="col" className={th}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {q.data.map((f) => (
              <tr key={`${f.channelAccountId}:${f.billDate}`} className="border-t border-border" data-testid="fetch-row" data-outcome={f.outcome}>
                <td className={td}>{f.channelAccountName}</td>
                <td className={`${td} tabular`}>{f.billDate}</td>
                <td className={`${td} tabular`}>{f.attempts}</td>
                <td className={td}>
                  <DateTime value={f.lastAttemptAt} />
                </td>
                <td className={td}>
                  <Badge tone={TONE[f.outcome]}>{t(`clearing.fetchOutcome_${f.outcome}`)}</Badge>
                </td>
                <td className={`${td} max-w-md break-words text-xs text-muted-foreground`}>{f.detail ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  return (
    <Card data-testid="fetch-status">
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("clearing.fetchTitle")}</CardTitle>
          <CardDescription>{t("clearing.fetchHelp")}</CardDescription>
        </div>
      </CardHeader>
      {body}
    </Card>
  );
}
