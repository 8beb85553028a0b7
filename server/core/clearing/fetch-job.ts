import { connectorFor } from "@/server/channels/registry";
import type { ChannelType, ConnectorContext } from "@/server/channels/types";
import { businessDate } from "@/server/core/calendar/rules";
import { connectorConfig } from "@/server/core/channels/accounts";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { reconcileFundsFile } from "./funds";
import { importStatement, type ImportResult } from "./import";
import { PAYMENT_FORMATS } from "./parsers/types";

// The scheduled statement fetch (issue 6): for each enabled channel account whose channel publishes
// a daily bill, once the bill of a day is due (the channel's publication time on the next day,
// Beijing time: WeChat generates from 09:00 and says fetch after 10:00; Alipay's daily bills are
// T+1 after 10:00; reference/channels.md), download it through the account's connector and import
// it (source JOB), which reconciles it. A bill that is not there yet (the channel says so, or the
// call fails) is simply tried again on the next run, for FETCH_LOOKBACK_DAYS days; the job runs
// every quarter of an hour from the morning, so "retry until available" is the schedule itself.
// A day that already has a payment statement (any source) is never fetched again. After a bill is
// in, bank credit files of the account still waiting for a bill are reconciled again. Every try is
// recorded (statement_fetch_attempt) for the Statements page: which bills are late, and why.

/** Local time on the day after the bill date from which the bill can be fetched; null: the channel publishes none we fetch. */
export const BILL_PUBLICATION_TIME: Readonly<Record<ChannelType, string | null>> = { WECHAT: "10:00", ALIPAY: "10:00", BANK: "10:00", SANDBOX: null };
export const FETCH_LOOKBACK_DAYS = 3;

export interface FetchOutcome {
  readonly channelAccountId: string;
  readonly billDate: string;
  readonly outcome: "IMPORTED" | "ALREADY_IMPORTED" | "PENDING_SUPERSEDE" | "NOT_AVAILABLE" | "REFUSED";
  readonly detail?: string;
  readonly reconciliation?: ImportResult["reconciliation"];
}

/** "HH:MM" Beijing time as minutes since midnight. */
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The bill dates of an account that are due by `now` and not yet imported. */
function dueDates(today: string, nowMinutes: number, publication: string, createdOn: string): string[] {
  const dates: string[] = [];
  for (let back = FETCH_LOOKBACK_DAYS; back >= 1; back--) {
    const d = new Date(Date.parse(`${today}T00:00:00Z`) - back * 86_400_000).toISOString().slice(0, 10);
    if (d < createdOn) continue;
    // The bill of D is published on D + 1 at the publication time.
    if (back === 1 && nowMinutes < minutes(publication)) continue;
    dates.push(d);
  }
  return dates;
}

export async function fetchDueStatements(ctx: TenantContext, now = new Date(), options: { fetch?: typeof fetch } = {}): Promise<FetchOutcome[]> {
  // The schedule is Beijing time, as the channels publish.
  const today = businessDate(now, "Asia/Shanghai");
  const bj = new Date(now.getTime() + 8 * 3_600_000);
  const nowMinutes = bj.getUTCHours() * 60 + bj.getUTCMinutes();
  const work = await withTenantTx(ctx.tenantId, async (tx) => {
    const list = await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId, enabled: true }, select: { id: true, channelType: true, createdAt: true }, orderBy: { createdAt: "asc" } });
    const out: Array<{ id: string; channelType: ChannelType; dates: string[] }> = [];
    for (const a of list) {
      const publication = BILL_PUBLICATION_TIME[a.channelType];
      if (!publication) continue;
      const candidates = dueDates(today, nowMinutes, publication, businessDate(a.createdAt, "Asia/Shanghai"));
      if (candidates.length === 0) continue;
      const have = await tx.statementFile.findMany({
        where: { tenantId: ctx.tenantId, channelAccountId: a.id, format: { in: [...PAYMENT_FORMATS] }, billDate: { in: candidates.map((d) => new Date(`${d}T00:00:00Z`)) } },
        select: { billDate: true },
      });
      const got = new Set(have.map((h) => h.billDate.toISOString().slice(0, 10)));
      const dates = candidates.filter((d) => !got.has(d));
      if (dates.length > 0) out.push({ id: a.id, channelType: a.channelType, dates });
    }
    return out;
  });

  const outcomes: FetchOutcome[] = [];
  for (const a of work) {
    const connector = connectorFor(a.channelType);
    const billType = connector.attributes.billTypes.includes("ALL") ? "ALL" : (connector.attributes.billTypes[0] ?? "ALL");
    let imported = false;
    for (const billDate of a.dates) {
      // The channel call happens outside any transaction (ARCHITECTURE.md §4).
      const account = await withTenantTx(ctx.tenantId, (tx) => connectorConfig(tx, ctx, a.id));
      const cctx: ConnectorContext = { account, ...(options.fetch ? { fetch: options.fetch } : {}) };
      let bytes: Buffer;
      let fileName: string;
      try {
        const file = await connector.downloadStatement(cctx, { billDate, billType });
        bytes = file.bytes;
        fileName = file.fileName;
      } catch (e) {
        const detail = e instanceof Error ? e.message.slice(0, 300) : String(e);
        outcomes.push({ channelAccountId: a.id, billDate, outcome: "NOT_AVAILABLE", detail });
        await recordAttempt(ctx, { channelAccountId: a.id, billDate, outcome: "NOT_AVAILABLE", detail });
        logger.info({ tenantId: ctx.tenantId, channelAccountId: a.id, billDate, detail }, "statement fetch: not available yet");
        continue;
      }
      try {
        const r = await importStatement(ctx, { channelAccountId: a.id, billDate, fileName, bytes, source: "JOB" });
        outcomes.push({ channelAccountId: a.id, billDate, outcome: r.outcome, ...(r.reconciliation ? { reconciliation: r.reconciliation } : {}) });
        await recordAttempt(ctx, { channelAccountId: a.id, billDate, outcome: r.outcome, fileId: r.fileId });
        imported ||= r.outcome === "IMPORTED";
      } catch (e) {
        // A file the channel served but we refuse (malformed, totals wrong) waits for a person; logged loudly.
        const detail = e instanceof Error ? e.message.slice(0, 300) : String(e);
        outcomes.push({ channelAccountId: a.id, billDate, outcome: "REFUSED", detail });
        await recordAttempt(ctx, { channelAccountId: a.id, billDate, outcome: "REFUSED", detail });
        logger.warn({ tenantId: ctx.tenantId, channelAccountId: a.id, billDate, detail }, "statement fetch: the channel's file was refused");
      }
    }
    if (imported) await reconcileWaitingCredits(ctx, a.id);
  }
  return outcomes;
}

async function recordAttempt(ctx: TenantContext, a: { channelAccountId: string; billDate: string; outcome: FetchOutcome["outcome"]; detail?: string; fileId?: string }): Promise<void> {
  await withTenantTx(ctx.tenantId, (tx) =>
    tx.statementFetchAttempt.create({ data: { tenantId: ctx.tenantId, channelAccountId: a.channelAccountId, billDate: new Date(`${a.billDate}T00:00:00Z`), outcome: a.outcome, detail: a.detail ?? null, fileId: a.fileId ?? null } }),
  );
}

export interface FetchStatus {
  readonly channelAccountId: string;
  readonly channelAccountName: string;
  readonly billDate: string;
  readonly attempts: number;
  readonly firstAttemptAt: Date;
  readonly lastAttemptAt: Date;
  readonly outcome: FetchOutcome["outcome"];
  readonly detail: string | null;
  readonly fileId: string | null;
}

/** The automatic fetch per account and bill date over the last `days` bill dates: how many tries, the last one's outcome and the channel's words. Newest first. */
export async function fetchStatuses(tx: Tx, ctx: TenantContext, input: { days?: number } = {}): Promise<FetchStatus[]> {
  const days = Math.min(Math.max(input.days ?? 7, 1), 31);
  const since = new Date(Date.now() - days * 86_400_000);
  const rows = await tx.$queryRaw<Array<{ channel_account_id: string; bill_date: string; attempts: number; first_at: Date; last_at: Date; outcome: string; detail: string | null; file_id: string | null }>>`
    SELECT DISTINCT ON (a.channel_account_id, a.bill_date)
           a.channel_account_id::text, a.bill_date::text, count(*) OVER w AS attempts, min(a.attempted_at) OVER w AS first_at,
           a.attempted_at AS last_at, a.outcome, a.detail, a.file_id::text
      FROM statement_fetch_attempt a
     WHERE a.tenant_id = ${ctx.tenantId}::uuid AND a.bill_date >= ${since}::date
    WINDOW w AS (PARTITION BY a.channel_account_id, a.bill_date)
     ORDER BY a.channel_account_id, a.bill_date, a.attempted_at DESC`;
  const names = new Map((await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId, id: { in: [...new Set(rows.map((r) => r.channel_account_id))] } }, select: { id: true, name: true } })).map((c) => [c.id, c.name]));
  return rows
    .map((r) => ({
      channelAccountId: r.channel_account_id,
      channelAccountName: names.get(r.channel_account_id) ?? r.channel_account_id,
      billDate: r.bill_date,
      attempts: Number(r.attempts),
      firstAttemptAt: r.first_at,
      lastAttemptAt: r.last_at,
      outcome: r.outcome as FetchOutcome["outcome"],
      detail: r.detail,
      fileId: r.file_id,
    }))
    .sort((x, y) => (x.billDate === y.billDate ? x.channelAccountName.localeCompare(y.channelAccountName) : x.billDate < y.billDate ? 1 : -1));
}

/** Bank credit files of the account whose settlement dates were waiting for a bill: evaluated again. */
export async function reconcileWaitingCredits(ctx: TenantContext, channelAccountId: string): Promise<number> {
  const files = await withTenantTx(ctx.tenantId, (tx) =>
    tx.statementFile.findMany({ where: { tenantId: ctx.tenantId, channelAccountId, format: "BANK_CREDIT", status: "IMPORTED", reconItems: { some: { outcome: "PENDING" } } }, select: { id: true } }),
  );
  for (const f of files) await reconcileFundsFile(ctx, f.id);
  return files.length;
}
