"use client";

import Link from "next/link";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { EmptyState } from "@/components/ui/states";
import { PageHeader } from "@/components/ui/page-header";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";

export interface DashboardSummary {
  merchants: number;
  merchantsByStatus: Partial<Record<"ACTIVE" | "SUSPENDED" | "ARCHIVED", number>>;
  stores: number;
  users: number;
  settlementMode: "DIRECT" | "CUSTODIAL";
  timeZone: string;
  hasLogo: boolean;
  calendarDays: number;
  recent: Array<{ id: string; actorEmail: string | null; action: string; entityType: string; createdAt: Date }>;
}

export function DashboardView({ name, summary }: { name: string; summary: DashboardSummary }) {
  const { t, locale } = useI18n();
  const steps = [
    { done: summary.hasLogo, label: t("dashboard.stepBranding"), href: "/branding" },
    { done: summary.merchants > 0, label: t("dashboard.stepMerchant"), href: "/merchants/new" },
    { done: summary.users > 1, label: t("dashboard.stepUsers"), href: "/users" },
    { done: summary.calendarDays > 0, label: t("dashboard.stepCalendar"), href: "/calendar" },
  ];
  const total = Math.max(1, summary.merchants);
  return (
    <div className="space-y-6">
      <PageHeader title={t("dashboard.title")} description={t("dashboard.welcome", { name })} />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {[
          { label: t("dashboard.merchants"), value: formatNumber(summary.merchants, locale), testid: "stat-merchants" },
          { label: t("dashboard.stores"), value: formatNumber(summary.stores, locale), testid: "stat-stores" },
          { label: t("dashboard.users"), value: formatNumber(summary.users, locale), testid: "stat-users" },
          { label: t("dashboard.settlementMode"), value: t(`roles.${summary.settlementMode}`), testid: "stat-mode" },
        ].map((s) => (
          <Card key={s.testid}>
            <CardContent className="p-4">
              <p className="text-sm text-muted-foreground">{s.label}</p>
              <p className="mt-1 text-2xl font-semibold tabular" data-testid={s.testid}>
                {s.value}
              </p>
            </CardContent>
          </Card>
        ))}
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>{t("dashboard.merchantsByStatus")}</CardTitle>
          </CardHeader>
          <CardContent>
            <figure aria-label={t("dashboard.merchantsByStatus")} className="space-y-2">
              {(["ACTIVE", "SUSPENDED", "ARCHIVED"] as const).map((status) => {
                const n = summary.merchantsByStatus[status] ?? 0;
                return (
                  <div key={status} className="flex items-center gap-3 text-sm">
                    <span className="w-24 shrink-0">{t(`roles.${status}`)}</span>
                    <span className="h-3 flex-1 rounded-brand bg-muted">
                      <span className="block h-3 rounded-brand bg-primary" style={{ width: `${(n / total) * 100}%` }} />
                    </span>
                    <span className="w-10 text-right tabular">{formatNumber(n, locale)}</span>
                  </div>
                );
              })}
            </figure>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t("dashboard.gettingStarted")}</CardTitle>
          </CardHeader>
          <CardContent>
            <ol className="space-y-2 text-sm">
              {steps.map((s) => (
                <li key={s.href} className="flex items-center gap-2">
                  <span aria-hidden className={`inline-block h-4 w-4 rounded-full border ${s.done ? "border-success bg-success" : "border-border"}`} />
                  <span className="sr-only">{s.done ? "✓" : ""}</span>
                  <Link href={s.href} className={s.done ? "text-muted-foreground line-through" : "underline-offset-2 hover:underline"}>
                    {s.label}
                  </Link>
                </li>
              ))}
            </ol>
          </CardContent>
        </Card>
      </div>
      <Card>
          <CardHeader>
            <CardTitle>{t("dashboard.recentActivity")}</CardTitle>
          </CardHeader>
          <CardContent>
            {summary.recent.length === 0 ? (
              <EmptyState title={t("dashboard.noActivity")} />
            ) : (
              <ul className="divide-y divide-border text-sm">
                {summary.recent.map((r) => (
                  <li key={r.id} className="flex justify-between gap-4 py-2">
                    <span>
                      <span className="font-mono text-xs">{r.action}</span> · {r.actorEmail}
                    </span>
                    <DateTime value={r.createdAt} />
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
    </div>
  );
}
