"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { addDays, todayIn } from "./dates";
import { ledgerErrorMessage } from "./labels";
import { Dash, ErrorNote } from "./parts";
import type { BusinessDayRow } from "./types";

const DAYS_SHOWN = 30;

/** 日切: the last 30 business dates, newest first, each closable once it is over. */
export function BusinessDaysView({ canClose }: { canClose: boolean }) {
  const { t, locale, timeZone } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [today] = useState(() => todayIn(timeZone));
  const range = { from: addDays(today, -(DAYS_SHOWN - 1)), to: today };
  const days = useQuery(trpc.ledger.businessDays.queryOptions(range));
  const close = useMutation(trpc.ledger.closeDay.mutationOptions());
  const [confirm, setConfirm] = useState<BusinessDayRow | null>(null);

  function openConfirm(day: BusinessDayRow) {
    close.reset();
    setConfirm(day);
  }

  async function runClose(day: BusinessDayRow) {
    const r = await close.mutateAsync({ businessDate: day.businessDate }).catch(() => null);
    if (!r) return;
    toast.success(t("ledger.dayClosed", { date: day.businessDate }));
    setConfirm(null);
    await queryClient.invalidateQueries({ queryKey: trpc.ledger.businessDays.queryKey() });
  }

  let body;
  if (days.isPending) body = <LoadingState rows={8} />;
  else if (days.isError) body = <ErrorState error={days.error} onRetry={() => void days.refetch()} />;
  else if (!days.data.length) body = <EmptyState />;
  else
    body = (
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm" aria-label={t("ledger.daysTitle")}>
          <thead className="bg-muted">
            <tr>
              <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                {t("ledger.businessDate")}
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium text-muted-foreground">
                {t("ledger.entries")}
              </th>
              <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                {t("common.status")}
              </th>
              <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                {t("ledger.closedAt")}
              </th>
              <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
                {t("ledger.closedBy")}
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium text-muted-foreground">
                <span className="sr-only">{t("common.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {days.data.map((day) => {
              const closed = day.status === "CLOSED";
              return (
                <tr key={day.businessDate} className="border-t border-border" data-testid={`day-${day.businessDate}`}>
                  <td className="px-3 py-2">
                    <span className="tabular">{day.businessDate}</span>
                    {day.businessDate === today ? (
                      <Badge tone="info" className="ms-2">
                        {t("ledger.today")}
                      </Badge>
                    ) : null}
                  </td>
                  <td className="px-3 py-2 text-right tabular">{formatNumber(day.entries, locale)}</td>
                  <td className="px-3 py-2">
                    <Badge tone={closed ? "neutral" : "success"}>{t(closed ? "ledger.dayClosedStatus" : "ledger.dayOpenStatus")}</Badge>
                  </td>
                  <td className="px-3 py-2">{day.closedAt ? <DateTime value={day.closedAt} /> : <Dash />}</td>
                  <td className="px-3 py-2">{day.closedBy ?? <Dash />}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-right">
                    <span className="inline-flex items-center gap-3">
                      <Link
                        href={`/ledger/trial-balance?asOf=${day.businessDate}`}
                        className="text-primary underline-offset-2 hover:underline"
                        aria-label={t("ledger.trialBalanceAsOf", { date: day.businessDate })}
                      >
                        {t("ledger.trialBalance")}
                      </Link>
                      {canClose && !closed ? (
                        <Button size="sm" variant="secondary" onClick={() => openConfirm(day)} aria-label={t("ledger.closeDayNamed", { date: day.businessDate })}>
                          {t("ledger.closeDay")}
                        </Button>
                      ) : null}
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );

  return (
    <>
      <Card>{body}</Card>
      {confirm ? (
        <Dialog
          open
          onClose={() => setConfirm(null)}
          dismissible={!close.isPending}
          title={t("ledger.closeDayNamed", { date: confirm.businessDate })}
          description={t("ledger.closeDayConfirm", { date: confirm.businessDate, count: formatNumber(confirm.entries, locale) })}
          footer={
            <>
              <Button variant="secondary" onClick={() => setConfirm(null)} disabled={close.isPending}>
                {t("common.cancel")}
              </Button>
              <Button loading={close.isPending} onClick={() => void runClose(confirm)}>
                {t("ledger.closeDay")}
              </Button>
            </>
          }
        >
          <ErrorNote message={close.error ? ledgerErrorMessage(t, close.error) : null} />
        </Dialog>
      ) : null}
    </>
  );
}
