// Every pg-boss queue, declared once. The migrate command creates them as the owner (pg-boss 10
// makes a table partition per queue, which is DDL the app role may not run).
export interface QueueDef {
  name: string;
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  expireInSeconds: number;
  /** Cron expression on Beijing time, when the queue is scheduled. */
  cron?: string;
}

export const QUEUES = {
  // Housekeeping: expired sessions, old nonces and throttle rows.
  housekeeping: { name: "housekeeping", retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 600, cron: "17 3 * * *" },
  // Releases ledger holds whose time has passed, per tenant.
  expireHolds: { name: "ledger-expire-holds", retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 300, cron: "* * * * *" },
  // Queries PROCESSING payments that are due (face and code payments send no notification).
  paymentsQuery: { name: "payments-query", retryLimit: 1, retryDelay: 10, retryBackoff: false, expireInSeconds: 120, cron: "* * * * *" },
  // Asks the bank about payouts in transit (sent by the connector) and resends any it never got.
  payoutsQuery: { name: "payouts-query", retryLimit: 1, retryDelay: 10, retryBackoff: false, expireInSeconds: 120, cron: "* * * * *" },
  // The daily settlement run (issue 8), after the morning's reconciliation: each tenant, today's date in its time zone.
  settlement: { name: "settlement-run", retryLimit: 3, retryDelay: 300, retryBackoff: true, expireInSeconds: 3600, cron: "30 10 * * *" },
  // Clearing (issue 6): fetches each channel account's daily bill after its publication time and
  // imports it (every quarter of an hour from 10:00, so a bill not yet available is tried again).
  statementFetch: { name: "statement-fetch", retryLimit: 1, retryDelay: 60, retryBackoff: false, expireInSeconds: 900, cron: "*/15 10-23 * * *" },
  // Clearing: expires cross-day pool items of accounts that received no later bill.
  poolExpiry: { name: "recon-pool-expiry", retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 600, cron: "20 * * * *" },
  // The platform fee invoices of the month just ended (issue 8), on the 1st at 03:00.
  platformFee: { name: "platform-fee-invoice", retryLimit: 5, retryDelay: 600, retryBackoff: true, expireInSeconds: 3600, cron: "0 3 1 * *" },
  // Devices (issue 7): stamps active devices silent past the tenant's timeout and alerts (device.offline).
  deviceOffline: { name: "device-offline-sweep", retryLimit: 1, retryDelay: 30, retryBackoff: false, expireInSeconds: 120, cron: "* * * * *" },
  // A no-op tenant job used by tests and the health check of the job machinery.
  tenantPing: { name: "tenant-ping", retryLimit: 2, retryDelay: 5, retryBackoff: false, expireInSeconds: 60 },
} as const satisfies Record<string, QueueDef>;

export const JOB_TIME_ZONE = "Asia/Shanghai";
