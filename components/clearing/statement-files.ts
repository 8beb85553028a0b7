import type { InfiniteData } from "@tanstack/react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

// The statements page's list (statements.find, keyset pages) and what the page works out from it:
// which files are part-way through their reconciliation, what the upload in flight has reached,
// and when to poll. Pure, so the page's component test and unit tests share it.

export type StatementFileRow = inferRouterOutputs<AppRouter>["statements"]["find"]["items"][number];
export type StatementFileFilter = Omit<inferRouterInputs<AppRouter>["statements"]["find"], "cursor" | "limit">;
export type StatementFilesPage = inferRouterOutputs<AppRouter>["statements"]["find"];

/** Names the list in the query cache (DataTable adds sort, filters and page size). */
export const STATEMENTS_TABLE_KEY = ["clearing", "statementFiles"] as const;

// The same lists as server/core/clearing/parsers/types.ts and files.ts (only their types may be imported here).
export const FORMATS = ["WECHAT_TRADE_BILL", "ALIPAY_BUSINESS_DETAIL", "UNIONPAY_ZM", "BANK_CREDIT", "BANK_PAYOUT_RESULT", "PROFIT_SHARE", "MERCHANT_SETTLEMENT"] as const;
export const FILE_FORMATS = [...FORMATS, "TEMPLATE"] as const;
export const FILE_STATUSES = ["IMPORTED", "PENDING_SUPERSEDE", "SUPERSEDED", "REJECTED"] as const;
// Payment statements (parsers/types.ts PAYMENT_FORMATS) are reconciled in rounds of lines.
const RECONCILED_FORMATS: ReadonlySet<string> = new Set(["WECHAT_TRADE_BILL", "ALIPAY_BUSINESS_DETAIL", "UNIONPAY_ZM", "TEMPLATE"]);

type FileState = Pick<StatementFileRow, "status" | "format" | "reconciledAt" | "outcomes">;

/** A current payment statement whose rounds have not all run: its last round sets reconciledAt. */
export const awaitsReconciliation = (f: FileState) => f.status === "IMPORTED" && RECONCILED_FORMATS.has(f.format) && !f.reconciledAt;

/** Part-way through its rounds (running, or stopped: importing the same file again goes on from the last round). */
export const isReconciling = (f: FileState) => awaitsReconciliation(f) && Object.keys(f.outcomes).length > 0;

/** Lines reconciled so far: each has one outcome until the last round adds the day's missing payments. */
export const reconciledCount = (f: Pick<StatementFileRow, "outcomes">) => Object.values(f.outcomes).reduce((a, b) => a + b, 0);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The table's active filters as the procedure's input: anything malformed (typed by hand in a URL) is left out. */
export function fileFilterInput(filters: Readonly<Record<string, string>>): StatementFileFilter {
  const f: StatementFileFilter = {};
  if (filters.channelAccountId && UUID.test(filters.channelAccountId)) f.channelAccountId = filters.channelAccountId;
  if (filters.billDateFrom && DATE.test(filters.billDateFrom)) f.billDateFrom = filters.billDateFrom;
  if (filters.billDateTo && DATE.test(filters.billDateTo)) f.billDateTo = filters.billDateTo;
  if ((FILE_STATUSES as readonly string[]).includes(filters.status ?? "")) f.status = filters.status as (typeof FILE_STATUSES)[number];
  if ((FILE_FORMATS as readonly string[]).includes(filters.format ?? "")) f.format = filters.format as (typeof FILE_FORMATS)[number];
  return f;
}

/**
 * Whether the list on screen should be fetched again: always while an upload's answer is awaited
 * (its bytes all sent: the new file's row appears once stored, and its rounds commit one by one
 * during the request), and while any file shown is part-way through its rounds.
 */
export function shouldPoll(awaitingAnswer: boolean, shown: ReadonlyArray<InfiniteData<StatementFilesPage, unknown> | undefined>): boolean {
  return awaitingAnswer || shown.some((d) => d?.pages.some((p) => p.items.some(isReconciling)) ?? false);
}

/** The file the upload in flight created: a row for its account and bill date that was not there before it started. */
export function newFileOf(rows: readonly StatementFileRow[] | undefined, known: ReadonlySet<string> | null): StatementFileRow | null {
  if (!rows || !known) return null;
  return rows.find((f) => !known.has(f.id)) ?? null;
}

export type UploadStage =
  | { kind: "sending"; percent: number }
  /** Every byte sent: the server reads and checks every line and the totals; nothing is stored yet. */
  | { kind: "checking" }
  /** Stored: a payment statement is reconciled in rounds (done of total lines). */
  | { kind: "reconciling"; done: number; total: number }
  /** Stored: any other file is applied in one step (bank credits, payout results, settlement…). */
  | { kind: "applying"; lines: number };

/** What the page says while the request runs. */
export function uploadStage(percent: number, newFile: StatementFileRow | null): UploadStage {
  if (percent < 100) return { kind: "sending", percent };
  if (!newFile) return { kind: "checking" };
  if (awaitsReconciliation(newFile)) return { kind: "reconciling", done: Math.min(reconciledCount(newFile), newFile.lineCount), total: newFile.lineCount };
  return { kind: "applying", lines: newFile.lineCount };
}
