"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "@/components/providers/trpc";

// The merchants, stores and channel accounts the list's filters offer: the first 200 of each,
// like the routing pages (a tenant with more still filters by the ids in a link).

export interface PaymentLookups {
  merchants: Array<{ id: string; shortName: string }>;
  stores: Array<{ id: string; name: string; merchantName: string }>;
  accounts: Array<{ id: string; name: string }>;
  isPending: boolean;
}

export function usePaymentLookups(): PaymentLookups {
  const trpc = useTRPC();
  const merchants = useQuery(trpc.merchants.find.queryOptions({ limit: 200 }));
  const stores = useQuery(trpc.stores.find.queryOptions({ limit: 200 }));
  const accounts = useQuery(trpc.channels.list.queryOptions());
  return useMemo(
    () => ({
      merchants: (merchants.data?.items ?? []).map((m) => ({ id: m.id, shortName: m.shortName })),
      stores: (stores.data?.items ?? []).map((s) => ({ id: s.id, name: s.name, merchantName: s.merchant.shortName })),
      accounts: (accounts.data ?? []).map((a) => ({ id: a.id, name: a.name })),
      // Settled either way: a failed lookup only leaves its filter without options.
      isPending: merchants.isPending || stores.isPending || accounts.isPending,
    }),
    [merchants.data, stores.data, accounts.data, merchants.isPending, stores.isPending, accounts.isPending],
  );
}
