import { z } from "zod";
import { isCalendarDate } from "@/server/core/calendar/rules";
import type { Prisma } from "@/server/db/generated/prisma/client";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, toPage, type Page } from "@/server/db/keyset";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { STATEMENT_FORMATS } from "./parsers/types";

// The imported statement files for the statements page and its CSV export: newest first, a page
// at a time, keyset on (created_at DESC, id DESC), which the index statement_file(tenant_id,
// created_at DESC, id DESC) serves; filtered by channel account, bill date range, status and
// format. Each row carries its reconciliation outcomes counted (the page's progress bar while a
// payment statement is reconciled in rounds, then its outcome badges).

export const STATEMENT_FILE_STATUSES = ["IMPORTED", "PENDING_SUPERSEDE", "SUPERSEDED", "REJECTED"] as const;
/** The formats a stored file can have: the parsers' and TEMPLATE (read by a finance-defined template). */
export const STATEMENT_FILE_FORMATS = [...STATEMENT_FORMATS, "TEMPLATE"] as const;

const ZDate = z.string().refine(isCalendarDate, { message: "Use a real date in YYYY-MM-DD form" });
export const ZStatementFileFind = z.object({
  channelAccountId: z.string().uuid().optional(),
  /** One bill date; billDateFrom / billDateTo bound a range (both inclusive). */
  billDate: ZDate.optional(),
  billDateFrom: ZDate.optional(),
  billDateTo: ZDate.optional(),
  status: z.enum(STATEMENT_FILE_STATUSES).optional(),
  format: z.enum(STATEMENT_FILE_FORMATS).optional(),
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
});
export type TStatementFileFind = z.input<typeof ZStatementFileFind>;

const fileSelect = {
  id: true,
  channelAccountId: true,
  billDate: true,
  billType: true,
  format: true,
  fileName: true,
  byteSize: true,
  lineCount: true,
  declaredCount: true,
  declaredAmountMinor: true,
  feeMinor: true,
  status: true,
  source: true,
  importedBy: true,
  templateId: true,
  supersedesId: true,
  proposalId: true,
  reconciledAt: true,
  createdAt: true,
  // A template file names the version that read it.
  template: { select: { name: true, version: true } },
} satisfies Prisma.StatementFileSelect;

type FileRow = Prisma.StatementFileGetPayload<{ select: typeof fileSelect }>;
export type StatementFileRow = Omit<FileRow, "billDate"> & {
  /** YYYY-MM-DD. */
  billDate: string;
  channelAccountName: string | null;
  /** Reconciliation items by outcome (MATCHED, DIFFERENCE, PENDING, RELEASED): empty until the first round commits. */
  outcomes: Record<string, number>;
};

const asDate = (date: string) => new Date(`${date}T00:00:00Z`);

export async function listStatementFiles(tx: Tx, ctx: TenantContext, raw: TStatementFileFind): Promise<Page<StatementFileRow>> {
  const input = ZStatementFileFind.parse(raw);
  const limit = clampLimit(input.limit);
  const and: Prisma.StatementFileWhereInput[] = [];
  if (input.channelAccountId) and.push({ channelAccountId: input.channelAccountId });
  if (input.billDate) and.push({ billDate: asDate(input.billDate) });
  if (input.billDateFrom) and.push({ billDate: { gte: asDate(input.billDateFrom) } });
  if (input.billDateTo) and.push({ billDate: { lte: asDate(input.billDateTo) } });
  if (input.status) and.push({ status: input.status });
  if (input.format) and.push({ format: input.format });
  and.push(afterCreatedAtDesc(input.cursor));
  const rows = await tx.statementFile.findMany({
    where: { tenantId: ctx.tenantId, AND: and },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: fileSelect,
  });
  const page = toPage(rows, limit, cursorOfCreatedAt);
  const ids = page.items.map((f) => f.id);
  // The page's outcomes in one query (recon_item is unique on (tenant_id, file_id, item_key)), and the accounts' names in another.
  const counts = ids.length
    ? await tx.reconItem.groupBy({ by: ["fileId", "outcome"], where: { tenantId: ctx.tenantId, fileId: { in: ids } }, _count: { _all: true } })
    : [];
  const accountIds = [...new Set(page.items.map((f) => f.channelAccountId))];
  const accounts = accountIds.length ? await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId, id: { in: accountIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(accounts.map((a) => [a.id, a.name]));
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((f) => {
      const outcomes: Record<string, number> = {};
      for (const c of counts) if (c.fileId === f.id) outcomes[c.outcome] = c._count._all;
      return { ...f, billDate: f.billDate.toISOString().slice(0, 10), channelAccountName: names.get(f.channelAccountId) ?? null, outcomes };
    }),
  };
}
