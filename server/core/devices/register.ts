import { registerOutboxBatchHandler } from "@/server/jobs/outbox";
import { groupsOf, recomputeGroups, STATS_TOPIC, type StatGroup } from "./stats";

// The daily statistics' outbox handler. The recompute runs in the outbox's recording transaction
// (one per tenant for a whole claimed batch), so a group touched by many events of the batch is
// recomputed once, and the rows and the events' DONE state commit together.
registerOutboxBatchHandler<undefined, StatGroup[]>(STATS_TOPIC, {
  prepare: async () => new Map(),
  handle: async (event) => ({ record: groupsOf(event.payload) }),
  record: async (tx, ctx, records) => {
    await recomputeGroups(tx, ctx, records.flat());
  },
});
