"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";
import { Card, CardContent } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useT } from "@/i18n/client";

export function PortalStores() {
  const t = useT();
  const trpc = useTRPC();
  const q = useQuery(trpc.merchantPortal.stores.queryOptions({ limit: 200 }));
  return (
    <div className="space-y-6">
      <PageHeader title={t("nav.stores")} />
      <Card>
        <CardContent className="p-4">
          {q.isLoading ? (
            <LoadingState rows={3} />
          ) : q.error ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : !q.data?.items.length ? (
            <EmptyState title={t("merchants.noStores")} />
          ) : (
            <ul className="divide-y divide-border text-sm">
              {q.data.items.map((s) => (
                <li key={s.id} className="py-2">
                  <p className="font-medium">{s.name}</p>
                  <p className="text-muted-foreground">{s.address}</p>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
