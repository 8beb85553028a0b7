"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";
import { DateTime } from "@/components/ui/date-time";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { tdClass, thClass } from "./parts";

/** The devices the offline sweep has alerted on (their merchants got device.offline), longest silent first. */
export function OfflineAlerts() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.devices.offline.queryOptions({}), refetchInterval: 60_000 });
  if (q.isPending) return <LoadingState rows={2} />;
  if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} compact />;
  if (q.data.length === 0) return null;
  return (
    <div className="overflow-x-auto rounded-brand border border-border" data-testid="offline-alerts">
      <table className="w-full text-sm">
        <caption className="sr-only">{t("devices.offlineAlertsTitle")}</caption>
        <thead>
          <tr>
            <th className={thClass}>{t("devices.serialNumber")}</th>
            <th className={thClass}>{t("devices.store")}</th>
            <th className={thClass}>{t("devices.offlineSince")}</th>
            <th className={thClass}>{t("devices.lastSeen")}</th>
          </tr>
        </thead>
        <tbody>
          {q.data.map((d) => (
            <tr key={d.id} className="border-t border-border">
              <td className={tdClass}>
                <Link href={`/devices/${d.id}`} className="text-primary underline-offset-2 hover:underline">
                  {d.serialNumber}
                </Link>
              </td>
              <td className={tdClass}>{d.storeName ?? "—"}</td>
              <td className={tdClass}>{d.offlineSince ? <DateTime value={d.offlineSince} /> : "—"}</td>
              <td className={tdClass}>{d.lastSeenAt ? <DateTime value={d.lastSeenAt} /> : t("devices.never")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
