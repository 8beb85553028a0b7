"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { useI18n } from "@/i18n/client";
import { codeContext, makeNames, type RoutingNames } from "./names";
import type { CodeContext } from "./codes";
import type { ChannelAccountRow, RuleSetRow } from "./types";

// The channel accounts, merchants and stores the rules name, loaded once for every tab. Merchants
// and stores come from the first page of their lists (200 each): enough for the choices here; an
// id beyond it still shows, shortened.

export interface MerchantOption {
  id: string;
  shortName: string;
  status: string;
}

export interface StoreOption {
  id: string;
  name: string;
  merchantId: string;
  merchantName: string;
}

export interface RoutingLookups {
  accounts: ChannelAccountRow[];
  merchants: MerchantOption[];
  stores: StoreOption[];
  names: RoutingNames;
  ctx: CodeContext;
  isPending: boolean;
  error: unknown;
  refetch: () => void;
}

export function useRoutingLookups(ruleSets: readonly RuleSetRow[]): RoutingLookups {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const accounts = useQuery(trpc.channels.list.queryOptions());
  const merchants = useQuery(trpc.merchants.find.queryOptions({ limit: 200 }));
  const stores = useQuery(trpc.stores.find.queryOptions({ limit: 200 }));

  const data = useMemo(() => {
    const accountRows = accounts.data ?? [];
    const merchantRows: MerchantOption[] = (merchants.data?.items ?? []).map((m) => ({ id: m.id, shortName: m.shortName, status: m.status }));
    const storeRows: StoreOption[] = (stores.data?.items ?? []).map((s) => ({ id: s.id, name: s.name, merchantId: s.merchantId, merchantName: s.merchant.shortName }));
    const names = makeNames(t, {
      accounts: accountRows,
      merchants: merchantRows,
      stores: storeRows,
      rules: ruleSets.flatMap((r) => r.rules),
    });
    return { accounts: accountRows, merchants: merchantRows, stores: storeRows, names, ctx: codeContext(t, locale, names) };
  }, [accounts.data, merchants.data, stores.data, ruleSets, t, locale]);

  return {
    ...data,
    isPending: accounts.isPending || merchants.isPending || stores.isPending,
    error: accounts.error ?? merchants.error ?? stores.error,
    refetch: () => {
      void accounts.refetch();
      void merchants.refetch();
      void stores.refetch();
    },
  };
}
