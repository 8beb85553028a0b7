import { createHash } from "node:crypto";
import type { ChannelType } from "@/server/channels/types";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { Prisma } from "@/server/db/generated/prisma/client";
import { createProposal } from "@/server/core/proposals/service";
import { actorName, BATCH_TX_TIMEOUT_MS, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { streamStatement } from "./parsers";
import { reconcileStatementFile, type ReconSummary } from "./reconcile";
import { reconcileFundsFile } from "./funds";
import { applyPayoutResultFile } from "./payout-results";
import { reconcileProfitShareFile } from "@/server/core/settlement/profit-share";
import { assertDirectTenant, reconcileMerchantSettlementFile } from "@/server/core/settlement/direct-statements";
import type { TStatementTemplate } from "./parsers/template";
import { PAYMENT_FORMATS, StatementFormatError, type StatementFacts, type StatementFormat, type StatementLine, type StatementStream } from "./parsers/types";
import { templateForImport } from "./templates";

// Statement import (issue 6): a file is read line by line and checked whole — every line, then the
// totals against the file's own summary — outside any transaction; then read again and stored with
// all its lines in one transaction, or refused with nothing stored. Files are unique by (channel
// account, bill date, bill type, content hash): the same file again is a no-op that answers the
// first import; a different file for an account, date and type that already has one is kept
// PENDING_SUPERSEDE until a person's `statement.supersede` proposal is approved by another. A
// stored file is then applied by its kind: a payment statement reconciled against our payments and
// refunds, a bank credit file against the channels' settlements, a payout result file to our
// payouts, a profit-share or merchant-settlement statement to settlement.

export const STATEMENT_SOURCES = ["UPLOAD", "CLI", "JOB"] as const;

export interface ImportRequest {
  readonly channelAccountId: string;
  /** YYYY-MM-DD: the bill date the file is for. */
  readonly billDate: string;
  /** Default: what the file says, else ALL. */
  readonly billType?: string;
  /** Default: the channel account's usual statement format. */
  readonly format?: StatementFormat;
  /** TEMPLATE: the template version that reads the file (format TEMPLATE is implied). */
  readonly templateId?: string;
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
const LINE_CHUNK = 5000;

/**
 * A checked statement, ready to store: its facts and counts, and its lines to iterate. The file is
 * read twice, line by line (once here to check every line and the totals, once while storing), so
 * no array of its lines is ever held.
 */
interface Checked {
  readonly statement: StatementFacts;
  readonly count: number;
  readonly byKind: Readonly<Record<string, number>>;
  lines(): Iterable<StatementLine>;
}

function asDomainError(e: unknown): unknown {
  if (e instanceof StatementFormatError) {
    return new DomainError("BAD_INPUT", `STATEMENT_${e.code}`, e.message, { field: "file", ...(e.lineNo !== undefined ? { params: { lineNo: e.lineNo } } : {}) });
  }
  return e;
}

function checked(format: StatementFormat, bytes: Buffer, billDate: string, template: TStatementTemplate | undefined): Checked {
  try {
    const stream = streamStatement(format, bytes, { billDate, ...(template ? { template } : {}) });
    const byKind: Record<string, number> = {};
    let count = 0;
    for (const line of stream.lines()) {
      byKind[line.kind] = (byKind[line.kind] ?? 0) + 1;
      count += 1;
    }
    return { statement: stream.facts!, count, byKind, lines: () => readAgain(stream) };
  } catch (e) {
    throw asDomainError(e);
  }
}

/** The second reading, inside the import's transaction: the same bytes give the same lines (a format error here would be a parser bug). */
function* readAgain(stream: StatementStream): Generator<StatementLine> {
  try {
    yield* stream.lines();
  } catch (e) {
    throw asDomainError(e);
  }
}

export async function importStatement(ctx: TenantContext, req: ImportRequest): Promise<ImportResult> {
  if (req.format === "MERCHANT_SETTLEMENT") await withTenantTx(ctx.tenantId, (tx) => assertDirectTenant(tx, ctx));
  const stored = await storeStatement(ctx, req);
  if (stored.outcome === "PENDING_SUPERSEDE") return stored;
  // A bank's payout result file is applied to our payouts; a bank credit file is funds reconciliation.
  if (stored.format === "BANK_PAYOUT_RESULT") return { ...stored, reconciliation: await applyPayoutResultFile(ctx, stored.fileId) };
  if (stored.format === "BANK_CREDIT") return { ...stored, reconciliation: await reconcileFundsFile(ctx, stored.fileId) };
  // The acquirer's profit-share statement is reconciled against the margin we booked (settlement).
  if (stored.format === "PROFIT_SHARE") return { ...stored, reconciliation: await reconcileProfitShareFile(ctx, stored.fileId) };
  // The channel's settlement statement to merchants confirms DIRECT settlements (settlement).
  if (stored.format === "MERCHANT_SETTLEMENT") return { ...stored, reconciliation: await reconcileMerchantSettlementFile(ctx, stored.fileId) };
  if (!RECONCILED_FORMATS.has(stored.format)) return stored;
  const current = await withTenantTx(ctx.tenantId, (tx) => tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: stored.fileId, status: "IMPORTED" }, select: { id: true } }));
  if (!current) return stored;
  // Reconciled in rounds of their own: the file stays imported even if reconciling it fails part-way;
  // importing the same file again (ALREADY_IMPORTED) goes on from the last round that committed.
  return { ...stored, reconciliation: await reconcileStatementFile(ctx, stored.fileId) };
}

const RECONCILED_FORMATS: ReadonlySet<StatementFormat> = new Set(PAYMENT_FORMATS);

/** Reads, checks and stores a statement (one transaction), without applying or reconciling it: importStatement's first step. */
export async function storeStatement(ctx: TenantContext, req: ImportRequest): Promise<ImportResult> {
  if (!DATE.test(req.billDate) || new Date(`${req.billDate}T00:00:00Z`).toISOString().slice(0, 10) !== req.billDate) throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "billDate: use YYYY-MM-DD", { field: "billDate" });
  if (req.bytes.length === 0) throw new DomainError("BAD_INPUT", "STATEMENT_EMPTY_FILE", "The file is empty", { field: "file" });
  if (req.templateId !== undefined && req.format !== undefined && req.format !== "TEMPLATE") {
    throw new DomainError("BAD_INPUT", "INVALID_REQUEST", `A template reads the file, so its format is TEMPLATE, not ${req.format}`, { field: "format" });
  }
  const { account, template } = await withTenantTx(ctx.tenantId, async (tx) => ({
    account: await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: req.channelAccountId }, select: { channelType: true } }),
    template: req.templateId === undefined ? undefined : await templateForImport(tx, ctx, req.templateId),
  }));
  if (!account) throw notFound("Channel account");
  const format = template ? "TEMPLATE" : (req.format ?? DEFAULT_FORMAT[account.channelType]);
  if (!format) throw new DomainError("BAD_INPUT", "STATEMENT_FORMAT_REQUIRED", `Say which format this ${account.channelType.toLowerCase()} file is in`, { field: "format" });
  if (format === "TEMPLATE" && !template) throw new DomainError("BAD_INPUT", "STATEMENT_TEMPLATE_REQUIRED", "Choose the template that reads this file", { field: "template" });

  // Parsing is CPU work on the whole file: done before any transaction is open.
  const source = checked(format, req.bytes, req.billDate, template?.definition);
  const { statement, byKind } = source;
  if (statement.billDate && statement.billDate !== req.billDate) {
    throw new DomainError("BAD_INPUT", "STATEMENT_DATE_MISMATCH", `The file is the bill of ${statement.billDate}, not ${req.billDate}`, { field: "billDate" });
  }
  const contentHash = createHash("sha256").update(req.bytes).digest("hex");
  // Result files are deliveries, not versions of one day's bill: each is its own "type" (batch and
  // content), so a later file of the same day is applied rather than held as a supersede.
  const billType = format === "BANK_PAYOUT_RESULT" && "batchId" in statement ? `RESULT-${String(statement.batchId).replaceAll("-", "").slice(0, 12)}-${contentHash.slice(0, 12)}` : (statement.billType ?? req.billType ?? "ALL");
  const declared = { count: statement.declared.count, amountMinor: statement.declared.amountMinor };
  const actor = actorName(ctx);

  return withTenantTx(ctx.tenantId, async (tx) => {
    // One import at a time per account, date and type, so two different files cannot both become current.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`statement:${ctx.tenantId}:${req.channelAccountId}:${req.billDate}:${billType}`}))`;
    const billDate = new Date(`${req.billDate}T00:00:00Z`);
    const same = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, channelAccountId: req.channelAccountId, billDate, billType, contentHash }, select: { id: true, status: true, proposalId: true } });
    const current = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, channelAccountId: req.channelAccountId, billDate, billType, status: "IMPORTED" }, select: { id: true } });
    const proposeSupersede = async (fileId: string) => {
      if (!current || ctx.actor.kind !== "USER") return null;
      const proposal = await createProposal(tx, ctx, { kind: "statement.supersede", reason: `A different ${billType} statement for ${req.billDate} (${req.fileName})`, payload: { fileId } });
      await tx.statementFile.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: fileId } }, data: { proposalId: proposal.id } });
      return proposal.id;
    };
    if (same?.status === "REJECTED") {
      // A file whose supersede was rejected (or withdrawn) is offered again: current if the day has
      // no statement now, else waiting for a new approval. Its lines are stored already.
      await tx.statementFile.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: same.id } }, data: { status: current ? "PENDING_SUPERSEDE" : "IMPORTED", supersedesId: current?.id ?? null, proposalId: null } });
      const proposalId = await proposeSupersede(same.id);
      return { fileId: same.id, outcome: current ? "PENDING_SUPERSEDE" : "IMPORTED", format, billType, lines: source.count, byKind, declared, proposalId };
    }
    if (same) {
      return { fileId: same.id, outcome: same.status === "PENDING_SUPERSEDE" ? "PENDING_SUPERSEDE" : "ALREADY_IMPORTED", format, billType, lines: source.count, byKind, declared, proposalId: same.proposalId };
    }
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
        lineCount: source.count,
        declaredCount: statement.declared.count,
        declaredAmountMinor: statement.declared.amountMinor,
        feeMinor: statement.computed.feeMinor ?? 0n,
        status: current ? "PENDING_SUPERSEDE" : "IMPORTED",
        supersedesId: current?.id ?? null,
        source: req.source,
        importedBy: actor,
        templateId: template?.id ?? null,
      },
      select: { id: true },
    });
    await storeLines(tx, ctx, file.id, source.lines());
    const proposalId = await proposeSupersede(file.id);
    return { fileId: file.id, outcome: current ? "PENDING_SUPERSEDE" : "IMPORTED", format, billType, lines: source.count, byKind, declared, proposalId };
  }, { timeoutMs: BATCH_TX_TIMEOUT_MS }); // a million lines take longer than a request's 60 s on a busy machine
}

/**
 * The lines, in chunks of LINE_CHUNK, each chunk one INSERT … SELECT FROM unnest of one array per
 * column: one round trip and one statement per chunk, no per-row parameters and no JSON document
 * of the whole chunk to build and take apart. Node reads and builds the next chunk while
 * PostgreSQL stores the one before (never more than one statement in flight): on two cores the two
 * halves of the work overlap instead of taking turns.
 */
export async function storeLines(tx: Tx, ctx: TenantContext, fileId: string, lines: Iterable<StatementLine>): Promise<void> {
  let inFlight: Promise<number> | null = null;
  try {
    for (const chunk of chunks(lines, LINE_CHUNK)) {
      const col = <T,>(pick: (l: StatementLine) => T) => chunk.map(pick);
      const insert = Prisma.sql`
        INSERT INTO statement_line (tenant_id, file_id, line_no, kind, channel_status, occurred_at, out_trade_no, channel_trade_no, out_refund_no,
                                    channel_refund_no, out_payout_no, sub_merchant, amount_minor, settleable_minor, fee_minor, coupon_minor, raw)
        SELECT ${ctx.tenantId}::uuid, ${fileId}::uuid, u.*
          FROM unnest(${col((l) => l.lineNo)}::int[], ${col((l) => l.kind)}::text[], ${col((l) => l.payoutStatus ?? l.status)}::text[],
                      ${col((l) => (l.occurredAt ? new Date(l.occurredAt).toISOString() : null))}::timestamptz[], ${col((l) => l.outTradeNo ?? null)}::text[],
                      ${col((l) => l.channelTradeNo ?? null)}::text[], ${col((l) => l.outRefundNo ?? null)}::text[], ${col((l) => l.channelRefundNo ?? null)}::text[],
                      ${col((l) => l.outPayoutNo ?? null)}::text[], ${col((l) => l.subMerchant ?? null)}::text[], ${col((l) => l.amountMinor.toString())}::bigint[],
                      ${col((l) => l.settleableMinor.toString())}::bigint[], ${col((l) => l.feeMinor.toString())}::bigint[],
                      ${col((l) => (l.couponMinor === undefined || l.couponMinor === null ? null : l.couponMinor.toString()))}::bigint[], ${col((l) => JSON.stringify(l.raw))}::jsonb[]) AS u`;
      if (inFlight) await inFlight;
      inFlight = tx.$executeRaw(insert);
    }
    if (inFlight) await inFlight;
  } catch (e) {
    // A chunk that failed while the next was being built (or the reading that failed after it) must
    // not be left unobserved; the transaction rolls back either way.
    await inFlight?.catch(() => undefined);
    throw e;
  }
}

function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
