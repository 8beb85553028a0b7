"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";

/**
 * Names of the tenant's console users by id, for "who" columns (credential versions, health
 * events record only a user id). Only people who may manage users can list them; everyone else
 * sees a shortened id.
 */
export function useUserNames(enabled: boolean): (id: string | null) => string | null {
  const trpc = useTRPC();
  const users = useQuery({ ...trpc.users.find.queryOptions({ kind: "console", limit: 200 }), enabled });
  const names = new Map((users.data?.items ?? []).map((u) => [u.id, u.name]));
  return (id) => (id === null ? null : (names.get(id) ?? `${id.slice(0, 8)}…`));
}
