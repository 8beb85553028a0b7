import { registerOutboxHandler } from "@/server/jobs/outbox";
import { authorizedTenantId } from "@/server/db/tenant-tx";
import { SEND_TOPIC } from "./release";
import { sendBatch } from "./send";

// An approved SEND batch is announced in the approver's transaction (release.ts); its payouts go
// to the bank here, from the outbox drainer, outside any transaction. Imported by the job runner.
registerOutboxHandler(SEND_TOPIC, async (event) => {
  const batchId = (event.payload as { batchId?: unknown } | null)?.batchId;
  if (typeof batchId !== "string") return { retryInSeconds: -1 };
  await sendBatch({ tenantId: authorizedTenantId(event.tenantId), actor: { kind: "SYSTEM", name: SEND_TOPIC } }, batchId);
});
