import { createHash } from "node:crypto";
import type { ChannelType } from "@/server/channels/types";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { createProposal } from "@/server/core/proposals/service";
import type { Prisma } from "@/server/db/generated/prisma/client";
import { actorName, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { parseStatement } from "./parsers";
import { reconcileStatementFile, type ReconSummary } from "./reconcile";
import { StatementFormatError, type ParsedStatement, type StatementFormat } from "./parsers/types";

// Statement import (issue 6, first slice): a file is parsed whole (outside any transaction), then
// stored whole with all its lines in one transaction, or refused with nothing stored. Files are
// unique by (channel account, bill date, bill type, content hash): the same file again is a no-op
// that answers the first import; a different file for an account, date and type that already has
// one is kept PENDING_SUPERSEDE until a person's `statement.supersede` proposal is approved by
// another. Reconciling the lines against payments and refunds comes next; until then an import
// reports what the file holds, by kind.

export const STATEMENT_SOURCES = ["UPLOAD", "CLI", "JOB"] as const;

export interface ImportRequest {
  readonly channelAccountId: string;
  /** YYYY-MM-DD: the bill date the file is for. */
  readonly billDate: string;
  /** Default: what the file says, else ALL. */
  readonly billType?: string;
  /** Default: the channel account's usual statement format. */
  readonly format?: StatementFormat;
  readonly fileName: string;
  readonly bytes: Buffer;
  readonly source: (typeof STATEMENT_SOURCES)[number];
}

export interface ImportResult {
  readonly fileId: string;
  readonly outcome: "IMPORTED" | "ALREADY_IMPORTED" | "PENDING_SUPERSEDE";
  readonly format: StatementFormat;
  readonly billType: string;
  readonly lines: number;
  readonly byKind: Readonly<Record<string, number>>;
  readonly declared: { readonly count: number; readonly amountMinor: bigint };
  /** PENDING_SUPERSEDE: the proposal a second person approves (none when the importer is not a person: propose it from the console). */
  readonly proposalId?: string | null;
  /** A payment statement that is now the day's current one is reconciled at once: its outcomes. */
  readonly reconciliation?: ReconSummary;
}

/** The statement each channel publishes. */
const DEFAULT_FORMAT: Partial<Record<ChannelType, StatementFormat>> = { WECHAT: "WECHAT_TRADE_BILL", ALIPAY: "ALIPAY_BUSINESS_DETAIL", BANK: "UNIONPAY_ZM" };

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const LINE_CHUNK = 1000;

function parsed(format: StatementFormat, bytes: Buffer, billDate: string): ParsedStatement {
  try {
    return parseStatement(format, bytes, { billDate });
  } catch (e) {
    if (e instanceof StatementFormatError) {
      throw new DomainError("BAD_INPUT", `STATEMENT_${e.code}`, e.message, { field: "file", ...(e.lineNo !== undefined ? { params: { lineNo: e.lineNo } } : {}) });
    }
    throw e;
  }
}

const kindsOf = (p: ParsedStatement) => {
  const byKind: Record<string, number> = {};
  for (const l of p.lines) byKind[l.kind] = (byKind[l.kind] ?? 0) + 1;
  return byKind;
};

export async function importStatement(ctx: TenantContext, req: ImportRequest): Promise<ImportResult> {
  const stored = await storeStatement(ctx, req);
  if (stored.outcome === "PENDING_SUPERSEDE" || !RECONCILED_FORMATS.has(stored.format)) return stored;
  const current = await withTenantTx(ctx.tenantId, (tx) => tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: stored.fileId, status: "IMPORTED" }, select: { id: true } }));
  if (!current) return stored;
  // Reconciled in its own transaction: the file stays imported even if reconciling it fails (it can be run again).
  return { ...stored, reconciliation: await reconcileStatementFile(ctx, stored.fileId) };
}

const RECONCILED_FORMATS: ReadonlySet<StatementFormat> = new Set(["WECHAT_TRADE_BILL", "ALIPAY_BUSINESS_DETAIL", "UNIONPAY_ZM"]);

async function storeStatement(ctx: TenantContext, req: ImportRequest): Promise<ImportResult> {
  if (!DATE.test(req.billDate) || new Date(`${req.billDate}T00:00:00Z`).toISOString().slice(0, 10) !== req.billDate) throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "billDate: use YYYY-MM-DD", { field: "billDate" });
  if (req.bytes.length === 0) throw new DomainError("BAD_INPUT", "STATEMENT_EMPTY_FILE", "The file is empty", { field: "file" });
  const account = await withTenantTx(ctx.tenantId, (tx) => tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: req.channelAccountId }, select: { channelType: true } }));
  if (!account) throw notFound("Channel account");
  const format = req.format ?? DEFAULT_FORMAT[account.channelType];
  if (!format) throw new DomainError("BAD_INPUT", "STATEMENT_FORMAT_REQUIRED", `Say which format this ${account.channelType.toLowerCase()} file is in`, { field: "format" });

  // Parsing is CPU work on the whole file: done before any transaction is open.
  const statement = parsed(format, req.bytes, req.billDate);
  if (statement.billDate && statement.billDate !== req.billDate) {
    throw new DomainError("BAD_INPUT", "STATEMENT_DATE_MISMATCH", `The file is the bill of ${statement.billDate}, not ${req.billDate}`, { field: "billDate" });
  }
  const billType = statement.billType ?? req.billType ?? "ALL";
  const contentHash = createHash("sha256").update(req.bytes).digest("hex");
  const byKind = kindsOf(statement);
  const declared = { count: statement.declared.count, amountMinor: statement.declared.amountMinor };
  const actor = actorName(ctx);

  return withTenantTx(ctx.tenantId, async (tx) => {
    // One import at a time per account, date and type, so two different files cannot both become current.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`statement:${ctx.tenantId}:${req.channelAccountId}:${req.billDate}:${billType}`}))`;
    const billDate = new Date(`${req.billDate}T00:00:00Z`);
    const same = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, channelAccountId: req.channelAccountId, billDate, billType, contentHash }, select: { id: true, status: true, proposalId: true } });
    if (same) {
      return { fileId: same.id, outcome: same.status === "PENDING_SUPERSEDE" ? "PENDING_SUPERSEDE" : "ALREADY_IMPORTED", format, billType, lines: statement.lines.length, byKind, declared, proposalId: same.proposalId };
    }
    const current = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, channelAccountId: req.channelAccountId, billDate, billType, status: "IMPORTED" }, select: { id: true } });
    const file = await tx.statementFile.create({
      data: {
        tenantId: ctx.tenantId,
        channelAccountId: req.channelAccountId,
        billDate,
        billType,
        format,
        contentHash,
        fileName: req.fileName.slice(0, 255),
        byteSize: req.bytes.length,
        lineCount: statement.lines.length,
        declaredCount: statement.declared.count,
        declaredAmountMinor: statement.declared.amountMinor,
        feeMinor: statement.computed.feeMinor ?? 0n,
        status: current ? "PENDING_SUPERSEDE" : "IMPORTED",
        supersedesId: current?.id ?? null,
        source: req.source,
        importedBy: actor,
      },
      select: { id: true },
    });
    await storeLines(tx, ctx, file.id, statement);
    let proposalId: string | null = null;
    if (current && ctx.actor.kind === "USER") {
      const proposal = await createProposal(tx, ctx, { kind: "statement.supersede", reason: `A different ${billType} statement for ${req.billDate} (${req.fileName})`, payload: { fileId: file.id } });
      proposalId = proposal.id;
      await tx.statementFile.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: file.id } }, data: { proposalId } });
    }
    return { fileId: file.id, outcome: current ? "PENDING_SUPERSEDE" : "IMPORTED", format, billType, lines: statement.lines.length, byKind, declared, proposalId };
  });
}

async function storeLines(tx: Tx, ctx: TenantContext, fileId: string, statement: ParsedStatement): Promise<void> {
  for (let i = 0; i < statement.lines.length; i += LINE_CHUNK) {
    const data: Prisma.StatementLineCreateManyInput[] = statement.lines.slice(i, i + LINE_CHUNK).map((l) => ({
      tenantId: ctx.tenantId,
      fileId,
      lineNo: l.lineNo,
      kind: l.kind,
      channelStatus: l.payoutStatus ?? l.status,
      occurredAt: l.occurredAt ? new Date(l.occurredAt) : null,
      outTradeNo: l.outTradeNo ?? null,
      channelTradeNo: l.channelTradeNo ?? null,
      outRefundNo: l.outRefundNo ?? null,
      channelRefundNo: l.channelRefundNo ?? null,
      outPayoutNo: l.outPayoutNo ?? null,
      subMerchant: l.subMerchant ?? null,
      amountMinor: l.amountMinor,
      settleableMinor: l.settleableMinor,
      feeMinor: l.feeMinor,
      couponMinor: l.couponMinor ?? null,
      raw: { ...l.raw },
    }));
    await tx.statementLine.createMany({ data });
  }
}

export async function findStatementFiles(tx: Tx, ctx: TenantContext, input: { channelAccountId?: string; billDate?: string; limit?: number }) {
  const files = await tx.statementFile.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.channelAccountId ? { channelAccountId: input.channelAccountId } : {}),
      ...(input.billDate ? { billDate: new Date(`${input.billDate}T00:00:00Z`) } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(input.limit ?? 50, 200),
  });
  // Each file's reconciliation outcomes, counted in one query.
  const counts = files.length
    ? await tx.reconItem.groupBy({ by: ["fileId", "outcome"], where: { tenantId: ctx.tenantId, fileId: { in: files.map((f) => f.id) } }, _count: { _all: true } })
    : [];
  return files.map((f) => {
    const outcomes: Record<string, number> = {};
    for (const c of counts) if (c.fileId === f.id) outcomes[c.outcome] = c._count._all;
    return { ...f, outcomes };
  });
}
