"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { kindLabel } from "@/components/ledger/labels";
import { Dash } from "@/components/ledger/parts";
import { useTRPC } from "@/components/providers/trpc";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";

/** The journal entries whose cause is this payment, each linking to its entry page. */
export function PaymentEntries({ paymentId, canReadLedger }: { paymentId: string; canReadLedger: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const entries = useQuery({ ...trpc.ledger.findEntries.queryOptions({ causeId: paymentId, limit: 50 }), enabled: canReadLedger });

  let body;
  if (!canReadLedger) body = <p className="px-5 py-4 text-sm text-muted-foreground">{t("payments.ledgerForbidden")}</p>;
  else if (entries.isPending) body = <LoadingState rows={2} />;
  else if (entries.isError) body = <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />;
  else if (entries.data.items.length === 0) body = <EmptyState title={t("payments.ledgerEmpty")} />;
  else
    body = (
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm" data-testid="payment-entries">
          <thead className="bg-muted">
            <tr>
              <th scope="col" className={th}>
                {t("payments.entrySeq")}
              </th>
              <th scope="col" className={th}>
                {t("payments.entryKind")}
              </th>
              <th scope="col" className={th}>
                {t("payments.businessDate")}
              </th>
              <th scope="col" className={th}>
                {t("payments.entryDescription")}
              </th>
              <th scope="col" className={th}>
                {t("payments.createdAt")}
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.data.items.map((e) => (
              <tr key={e.id} className="border-t border-border">
                <td className="px-3 py-2">
                  <Link href={`/ledger/entries/${e.id}`} className="tabular font-medium text-primary underline-offset-2 hover:underline">
                    #{e.seq.toString()}
                    <span className="sr-only">{` ${t("payments.entryOpen")}`}</span>
                  </Link>
                </td>
                <td className="px-3 py-2">{kindLabel(t, e.kind)}</td>
                <td className="tabular px-3 py-2">{e.businessDate}</td>
                <td className="px-3 py-2">{e.description ?? <Dash />}</td>
                <td className="px-3 py-2">
                  <DateTime value={e.createdAt} />
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
          <CardTitle>{t("payments.ledgerTitle")}</CardTitle>
          <CardDescription>{t("payments.ledgerHelp")}</CardDescription>
        </div>
      </CardHeader>
      {body}
    </Card>
  );
}
