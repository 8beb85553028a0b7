import { registerOutboxBatchHandler } from "@/server/jobs/outbox";
import { createWebhookDeliveryHandler } from "./handler";
import { WEBHOOK_TOPIC } from "./publish";

// Merchant webhooks are delivered by the outbox drainer. Imported by the job runner (and by tests
// that drain by hand) before the first event is claimed.
registerOutboxBatchHandler(WEBHOOK_TOPIC, createWebhookDeliveryHandler());
