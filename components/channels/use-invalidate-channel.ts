"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";

/** Query key of the channel list table (its rows come from channels.list). */
export const CHANNELS_TABLE_KEY = ["channels.table"] as const;
/** Query key prefix of every registrations table. */
export const REGISTRATIONS_TABLE_KEY = ["registrations.find"] as const;

/** Everything the console refreshes after a change to one channel account. */
export function useInvalidateChannel(id: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.channels.get.queryKey({ id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.channels.health.queryKey({ id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.channels.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: CHANNELS_TABLE_KEY }),
    ]);
}
