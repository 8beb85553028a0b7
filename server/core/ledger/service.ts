import { createHash } from "node:crypto";
import { DomainError, badInput, notFound } from "@/server/core/errors/domain-error";
import { recordAudit } from "@/server/core/audit/service";
import { Prisma } from "@/server/db/generated/prisma/client";
import type { LedgerBook } from "@/server/db/generated/prisma/enums";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { BoundedMap } from "@/server/lib/bounded-map";
import { channelAccountDefs, CUSTODIAL_ACCOUNTS, merchantAccountDefs, OWN_ACCOUNTS, walletAccountDefs, type AccountDef, type AccountRef } from "./chart";
import { ledgerError } from "./errors";
import type { EntryDraft } from "./templates";

// The ledger service: accounts, posting through the SQL functions (one round trip per entry),
// holds, reversals, balances, statements and the trial balance. Postings are never written here
// directly: ledger_post_entry checks balance, tenancy, bounds and idempotency in the database.

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PostOptions {
  businessDate: string;
  idempotencyKey: string;
  causeType?: string;
  causeId?: string;
  description?: string;
  correctsDate?: string;
  effectiveAt?: Date;
  currency?: string;
}

export interface PostResult {
  entryId: string;
  seq: bigint;
  replayed: boolean;
}

function creator(ctx: TenantContext): string {
  const a = ctx.actor;
  return a.kind === "USER" ? a.email : a.kind === "PLATFORM" ? `platform:${a.email}` : `system:${a.name}`;
}

function checkDates(opts: { businessDate: string; correctsDate?: string | undefined }) {
  if (!DATE.test(opts.businessDate)) throw badInput("BUSINESS_DATE_INVALID", "businessDate must be YYYY-MM-DD", "businessDate");
  if (opts.correctsDate !== undefined && !DATE.test(opts.correctsDate)) throw badInput("BUSINESS_DATE_INVALID", "correctsDate must be YYYY-MM-DD", "correctsDate");
}

/** sha256 over what makes an entry what it is: same key + same content = the same request. */
export function contentHash(value: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)))
    .digest("hex");
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw ledgerError(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Accounts

export async function ensureAccounts(tx: Tx, ctx: TenantContext, defs: AccountDef[], owner?: { type: string; id: string }, currency = "CNY"): Promise<number> {
  if (!defs.length) return 0;
  const r = await tx.ledgerAccount.createMany({
    data: defs.map((d) => ({
      tenantId: ctx.tenantId,
      book: d.book,
      code: d.code,
      name: d.name,
      type: d.type,
      currency,
      bound: d.bound ?? "NONE",
      isHot: d.isHot ?? false,
      ownerType: owner?.type ?? null,
      ownerId: owner?.id ?? null,
    })),
    skipDuplicates: true,
  });
  return r.count;
}

/** The tenant's chart of accounts (idempotent): called at tenant creation and as a backfill. */
export async function provisionLedger(tx: Tx, ctx: TenantContext): Promise<{ created: number }> {
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  if (!tenant) throw notFound("Service provider");
  let created = await ensureAccounts(tx, ctx, tenant.settlementMode === "CUSTODIAL" ? [...OWN_ACCOUNTS, ...CUSTODIAL_ACCOUNTS] : OWN_ACCOUNTS);
  const merchants = await tx.merchant.findMany({ where: { tenantId: ctx.tenantId }, select: { id: true } });
  for (const m of merchants) created += await ensureAccounts(tx, ctx, merchantAccountDefs(tenant.settlementMode, m.id), { type: "merchant", id: m.id });
  return { created };
}

export async function openMerchantAccounts(tx: Tx, ctx: TenantContext, merchantId: string): Promise<void> {
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  if (!tenant) throw notFound("Service provider");
  await ensureAccounts(tx, ctx, merchantAccountDefs(tenant.settlementMode, merchantId), { type: "merchant", id: merchantId });
}

export async function openChannelAccountAccounts(tx: Tx, ctx: TenantContext, channelAccountId: string): Promise<void> {
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  if (!tenant) throw notFound("Service provider");
  await ensureAccounts(tx, ctx, channelAccountDefs(tenant.settlementMode, channelAccountId), { type: "channel_account", id: channelAccountId });
}

export async function openWalletAccount(tx: Tx, ctx: TenantContext, walletId: string): Promise<void> {
  await ensureAccounts(tx, ctx, walletAccountDefs(walletId), { type: "wallet", id: walletId });
}

/**
 * Account ids never change once an account exists, so they are remembered per process (tenant,
 * currency, book and code) and the query only asks for the ones not seen yet: a posting then costs
 * one round trip less. Only accounts created before this transaction began are remembered — one
 * created in it might still be rolled back — and the memory holds at most 100,000.
 */
const accountIdCache = new BoundedMap<string, string>(100_000);

/**
 * Account ids for refs, resolved in one query (none for those already known); a missing account is a
 * clear error naming it. The books arrive as a typed array so that the join compares enums with
 * enum_eq, which may be an index condition under RLS (a cast inside the condition may not: it made
 * this a scan of all the tenant's accounts).
 */
export async function resolveAccounts(tx: Tx, ctx: TenantContext, refs: AccountRef[], currency = "CNY"): Promise<Map<string, string>> {
  const keys = [...new Set(refs.map((r) => `${r.book}|${r.code}`))];
  const cacheKey = (k: string) => `${ctx.tenantId}|${currency}|${k}`;
  const map = new Map<string, string>();
  const unknown: string[] = [];
  for (const k of keys) {
    const id = accountIdCache.get(cacheKey(k));
    if (id) map.set(k, id);
    else unknown.push(k);
  }
  if (unknown.length) {
    const rows = await tx.$queryRaw<Array<{ id: string; book: string; code: string; settled: boolean }>>`
      SELECT a.id::text, a.book::text, a.code, a.created_at < now() - interval '1 millisecond' AS settled
        FROM unnest(${unknown.map((k) => k.slice(0, k.indexOf("|")))}::"LedgerBook"[], ${unknown.map((k) => k.slice(k.indexOf("|") + 1))}::text[]) u(b, c)
        JOIN ledger_account a ON a.tenant_id = ${ctx.tenantId}::uuid AND a.currency = ${currency} AND a.book = u.b AND a.code = u.c`;
    for (const r of rows) {
      map.set(`${r.book}|${r.code}`, r.id);
      if (r.settled) {
        accountIdCache.set(cacheKey(`${r.book}|${r.code}`), r.id);
      }
    }
  }
  const missing = keys.filter((k) => !map.has(k));
  if (missing.length) throw new DomainError("NOT_FOUND", "ACCOUNT_NOT_FOUND", `No ledger account ${missing.join(", ")} in ${currency}`);
  return map;
}

// ---------------------------------------------------------------------------------------------
// Posting

async function entryJson(tx: Tx, ctx: TenantContext, draft: EntryDraft, opts: PostOptions, resolved?: Map<string, string>) {
  checkDates(opts);
  if (!opts.idempotencyKey || opts.idempotencyKey.length > 200) throw badInput("IDEMPOTENCY_KEY_INVALID", "An idempotency key of 1–200 characters is required");
  const ids = resolved ?? (await resolveAccounts(tx, ctx, draft.lines.map((l) => l.account), opts.currency ?? "CNY"));
  const postings = draft.lines.map((l) => ({ accountId: ids.get(`${l.account.book}|${l.account.code}`)!, amountMinor: l.amountMinor.toString() }));
  const hash = contentHash({ kind: draft.kind, businessDate: opts.businessDate, correctsDate: opts.correctsDate ?? null, causeType: opts.causeType ?? null, causeId: opts.causeId ?? null, postings });
  return {
    kind: draft.kind,
    phase: "POSTED",
    businessDate: opts.businessDate,
    ...(opts.correctsDate ? { correctsDate: opts.correctsDate } : {}),
    ...(opts.effectiveAt ? { effectiveAt: opts.effectiveAt.toISOString() } : {}),
    ...(opts.description ? { description: opts.description } : {}),
    ...(opts.causeType ? { causeType: opts.causeType } : {}),
    ...(opts.causeId ? { causeId: opts.causeId } : {}),
    idempotencyKey: opts.idempotencyKey,
    contentHash: hash,
    createdBy: creator(ctx),
    postings,
  };
}

interface Row {
  entry_id: string;
  entry_seq: bigint;
  replayed: boolean;
}
const toResult = (r: Row | undefined): PostResult => {
  if (!r) throw new DomainError("INVARIANT", "LEDGER_NO_RESULT", "The ledger returned no result");
  return { entryId: r.entry_id, seq: BigInt(r.entry_seq), replayed: r.replayed };
};

/** Posts one entry from a template. Same key + same content → the first result; else CONFLICT. */
export async function postEntry(tx: Tx, ctx: TenantContext, draft: EntryDraft, opts: PostOptions): Promise<PostResult> {
  const json = JSON.stringify(await entryJson(tx, ctx, draft, opts));
  const rows = await call(() => tx.$queryRaw<Row[]>`SELECT * FROM ledger_post_entry(${json}::jsonb)`);
  return toResult(rows[0]);
}

/**
 * Many entries in one transaction and one round trip, all locks taken first in one order.
 * `link`: an UPDATE that records the first entry's id where it belongs (say, on the payment it
 * posts), given that id as SQL: it runs in the same statement, after the entries.
 */
export async function postEntries(
  tx: Tx,
  ctx: TenantContext,
  items: Array<{ draft: EntryDraft; opts: PostOptions }>,
  link?: (firstEntryId: Prisma.Sql) => Prisma.Sql,
): Promise<PostResult[]> {
  if (!items.length) return [];
  // The accounts of the whole batch in one query per currency.
  const byCurrency = new Map<string, Map<string, string>>();
  for (const currency of new Set(items.map((i) => i.opts.currency ?? "CNY"))) {
    byCurrency.set(currency, await resolveAccounts(tx, ctx, items.filter((i) => (i.opts.currency ?? "CNY") === currency).flatMap((i) => i.draft.lines.map((l) => l.account)), currency));
  }
  const entries = [];
  for (const i of items) entries.push(await entryJson(tx, ctx, i.draft, i.opts, byCurrency.get(i.opts.currency ?? "CNY")));
  const json = JSON.stringify({ entries });
  const rows = await call(() =>
    link
      ? tx.$queryRaw<Row[]>`
          WITH posted AS (SELECT * FROM ledger_post_entries(${json}::jsonb) WITH ORDINALITY AS e(entry_id, entry_seq, replayed, n)),
               linked AS (${link(Prisma.sql`(SELECT entry_id FROM posted WHERE n = 1)`)})
          SELECT entry_id, entry_seq, replayed FROM posted ORDER BY n`
      : tx.$queryRaw<Row[]>`SELECT * FROM ledger_post_entries(${json}::jsonb)`,
  );
  return rows.map(toResult);
}

export interface HoldOptions extends PostOptions {
  expiresAt?: Date;
}

export async function createHold(
  tx: Tx,
  ctx: TenantContext,
  hold: { kind: string; debit: AccountRef; credit: AccountRef; amountMinor: bigint },
  opts: HoldOptions,
): Promise<{ holdId: string; entryId: string; replayed: boolean }> {
  checkDates(opts);
  if (hold.amountMinor <= 0n) throw badInput("HOLD_INVALID", "A hold needs a positive amount", "amountMinor");
  const ids = await resolveAccounts(tx, ctx, [hold.debit, hold.credit], opts.currency ?? "CNY");
  const debitAccountId = ids.get(`${hold.debit.book}|${hold.debit.code}`)!;
  const creditAccountId = ids.get(`${hold.credit.book}|${hold.credit.code}`)!;
  const json = JSON.stringify({
    kind: hold.kind,
    businessDate: opts.businessDate,
    idempotencyKey: opts.idempotencyKey,
    contentHash: contentHash({ kind: hold.kind, debitAccountId, creditAccountId, amount: hold.amountMinor, businessDate: opts.businessDate, expiresAt: opts.expiresAt?.toISOString() ?? null }),
    debitAccountId,
    creditAccountId,
    amountMinor: hold.amountMinor.toString(),
    ...(opts.expiresAt ? { expiresAt: opts.expiresAt.toISOString() } : {}),
    ...(opts.causeType ? { causeType: opts.causeType } : {}),
    ...(opts.causeId ? { causeId: opts.causeId } : {}),
    ...(opts.description ? { description: opts.description } : {}),
    createdBy: creator(ctx),
  });
  const rows = await call(() => tx.$queryRaw<Array<{ hold_id: string; entry_id: string; replayed: boolean }>>`SELECT * FROM ledger_create_hold(${json}::jsonb)`);
  const r = rows[0];
  if (!r) throw new DomainError("INVARIANT", "LEDGER_NO_RESULT", "The ledger returned no result");
  return { holdId: r.hold_id, entryId: r.entry_id, replayed: r.replayed };
}

async function resolveHold(tx: Tx, ctx: TenantContext, holdId: string, action: "post" | "void", opts: PostOptions & { amountMinor?: bigint; kind?: string }) {
  checkDates(opts);
  const json = JSON.stringify({
    holdId,
    action,
    businessDate: opts.businessDate,
    idempotencyKey: opts.idempotencyKey,
    contentHash: contentHash({ holdId, action, amount: opts.amountMinor ?? null, businessDate: opts.businessDate }),
    ...(opts.amountMinor !== undefined ? { amountMinor: opts.amountMinor.toString() } : {}),
    ...(opts.kind ? { kind: opts.kind } : {}),
    ...(opts.description ? { description: opts.description } : {}),
    ...(opts.causeType ? { causeType: opts.causeType } : {}),
    ...(opts.causeId ? { causeId: opts.causeId } : {}),
    createdBy: creator(ctx),
  });
  const rows = await call(() => tx.$queryRaw<Array<{ hold_id: string; entry_id: string; replayed: boolean }>>`SELECT * FROM ledger_resolve_hold(${json}::jsonb)`);
  const r = rows[0];
  if (!r) throw new DomainError("INVARIANT", "LEDGER_NO_RESULT", "The ledger returned no result");
  return { holdId: r.hold_id, entryId: r.entry_id, replayed: r.replayed };
}

/** Posts a pending hold once, fully or partly (amount ≤ the hold). */
export const postHold = (tx: Tx, ctx: TenantContext, holdId: string, opts: PostOptions & { amountMinor?: bigint; kind?: string }) => resolveHold(tx, ctx, holdId, "post", opts);
/** Voids a pending hold once; its funds are available again. */
export const voidHold = (tx: Tx, ctx: TenantContext, holdId: string, opts: PostOptions & { kind?: string }) => resolveHold(tx, ctx, holdId, "void", opts);

export async function expireHolds(tx: Tx, _ctx: TenantContext, now: Date, businessDate: string, limit = 500): Promise<number> {
  checkDates({ businessDate });
  const rows = await call(() => tx.$queryRaw<Array<{ n: number }>>`SELECT ledger_expire_holds(${now}::timestamptz, ${businessDate}::date, ${limit}::int) AS n`);
  return Number(rows[0]?.n ?? 0);
}

/** 冲正: the mirror entry, linked to what it reverses; an entry is reversed at most once. */
export async function reverseEntry(tx: Tx, ctx: TenantContext, entryId: string, opts: Omit<PostOptions, "causeType" | "causeId">): Promise<PostResult> {
  checkDates(opts);
  const json = JSON.stringify({
    entryId,
    businessDate: opts.businessDate,
    ...(opts.correctsDate ? { correctsDate: opts.correctsDate } : {}),
    idempotencyKey: opts.idempotencyKey,
    contentHash: contentHash({ reverses: entryId, businessDate: opts.businessDate }),
    ...(opts.description ? { description: opts.description } : {}),
    createdBy: creator(ctx),
  });
  const rows = await call(() => tx.$queryRaw<Row[]>`SELECT * FROM ledger_reverse_entry(${json}::jsonb)`);
  const result = toResult(rows[0]);
  if (!result.replayed) {
    await recordAudit(tx, ctx, { action: "ledger.reverse_entry", entityType: "journal_entry", entityId: entryId, after: { reversalEntryId: result.entryId, description: opts.description ?? null } });
  }
  return result;
}

/** Locks every balance row the given accounts use, in one sorted order (lock-ahead for multi-entry transactions). */
export async function lockAccounts(tx: Tx, ctx: TenantContext, accountIds: string[]): Promise<void> {
  if (!accountIds.length) return;
  await call(() => tx.$executeRaw`SELECT ledger_lock_accounts(${[...new Set(accountIds)]}::uuid[])`);
}

/** Everything a transaction is about to post, for lockAhead. */
export interface LockPlan {
  /** Entries from templates. */
  drafts?: readonly EntryDraft[];
  /** Holds about to be created, or plain accounts (read under lock, then posted to). */
  refs?: readonly AccountRef[];
  /** Holds about to be posted or voided. */
  holdIds?: readonly (string | null | undefined)[];
  /** Entries about to be reversed. */
  entryIds?: readonly (string | null | undefined)[];
}

/**
 * Lock-ahead: a transaction that posts more than one entry (or reads a balance and then posts)
 * locks every balance row it will touch first, in the ledger's one order, so that it cannot hold
 * one row while waiting for a row another transaction holds while waiting for the first. Entries
 * posted afterwards in the same transaction take no new locks. Test databases refuse a lock taken
 * out of order (LOCK_ORDER), so a multi-entry path without this fails its tests.
 */
export async function lockAhead(tx: Tx, ctx: TenantContext, plan: LockPlan): Promise<void> {
  const refs = [...(plan.refs ?? []), ...(plan.drafts ?? []).flatMap((d) => d.lines.map((l) => l.account))];
  const ids = refs.length ? [...(await resolveAccounts(tx, ctx, refs)).values()] : [];
  const holdIds = (plan.holdIds ?? []).filter((h): h is string => !!h);
  if (holdIds.length) {
    for (const h of await tx.ledgerHold.findMany({ where: { tenantId: ctx.tenantId, id: { in: holdIds } }, select: { debitAccountId: true, creditAccountId: true } })) {
      ids.push(h.debitAccountId, h.creditAccountId);
    }
  }
  const entryIds = (plan.entryIds ?? []).filter((e): e is string => !!e);
  if (entryIds.length) {
    for (const p of await tx.ledgerPosting.findMany({ where: { tenantId: ctx.tenantId, entryId: { in: entryIds } }, select: { accountId: true } })) ids.push(p.accountId);
  }
  await lockAccounts(tx, ctx, ids);
}

/**
 * A late line arrives: reverse the suspense entry and post the normal entry, in one transaction,
 * with all their balance rows locked first so concurrent releases cannot deadlock.
 */
export async function releaseSuspense(
  tx: Tx,
  ctx: TenantContext,
  input: { suspenseEntryId: string; normal: EntryDraft; businessDate: string; idempotencyKey: string; description?: string; causeType?: string; causeId?: string },
): Promise<{ reversal: PostResult; normal: PostResult }> {
  if (!(await tx.journalEntry.count({ where: { tenantId: ctx.tenantId, id: input.suspenseEntryId } }))) throw notFound("Journal entry");
  await lockAhead(tx, ctx, { entryIds: [input.suspenseEntryId], drafts: [input.normal] });
  const reversal = await reverseEntry(tx, ctx, input.suspenseEntryId, {
    businessDate: input.businessDate,
    idempotencyKey: `${input.idempotencyKey}:reverse`,
    ...(input.description ? { description: input.description } : {}),
  });
  const normal = await postEntry(tx, ctx, input.normal, {
    businessDate: input.businessDate,
    idempotencyKey: input.idempotencyKey,
    ...(input.description ? { description: input.description } : {}),
    ...(input.causeType ? { causeType: input.causeType } : {}),
    ...(input.causeId ? { causeId: input.causeId } : {}),
  });
  return { reversal, normal };
}

// ---------------------------------------------------------------------------------------------
// Balances, statements, trial balance

export interface Balance {
  postedMinor: bigint;
  pendingDebitMinor: bigint;
  pendingCreditMinor: bigint;
  availableMinor: bigint;
}

const DEBIT_NORMAL = new Set(["ASSET", "EXPENSE"]);

export function normalBalance(type: string, b: { postedDebit: bigint; postedCredit: bigint; pendingDebit: bigint; pendingCredit: bigint }): Balance {
  const debitNormal = DEBIT_NORMAL.has(type);
  const posted = debitNormal ? b.postedDebit - b.postedCredit : b.postedCredit - b.postedDebit;
  const outflow = debitNormal ? b.pendingCredit : b.pendingDebit;
  return { postedMinor: posted, pendingDebitMinor: b.pendingDebit, pendingCreditMinor: b.pendingCredit, availableMinor: posted - outflow };
}

const ACCOUNT_SELECT = { id: true, book: true, code: true, name: true, type: true, currency: true, bound: true, isHot: true, ownerType: true, ownerId: true } as const satisfies Prisma.LedgerAccountSelect;

export interface AccountFilter {
  book?: LedgerBook;
  q?: string;
  ownerId?: string;
}

const accountWhere = (ctx: TenantContext, filter: AccountFilter): Prisma.LedgerAccountWhereInput => ({
  tenantId: ctx.tenantId,
  ...(filter.book ? { book: filter.book } : {}),
  ...(filter.ownerId ? { ownerId: filter.ownerId } : {}),
  ...(filter.q ? { OR: [{ code: { contains: filter.q } }, { name: { contains: filter.q, mode: "insensitive" } }] } : {}),
});

// The chart's order: by book, type and code (currency and id break ties), so a page ends within a
// type and the next one continues it.
const ACCOUNT_ORDER: Prisma.LedgerAccountOrderByWithRelationInput[] = [{ book: "asc" }, { type: "asc" }, { code: "asc" }, { currency: "asc" }, { id: "asc" }];

async function withBalances<A extends { id: string; type: string }>(tx: Tx, ctx: TenantContext, accounts: A[]) {
  const sums = accounts.length
    ? await tx.ledgerBalance.groupBy({
        by: ["accountId"],
        where: { tenantId: ctx.tenantId, accountId: { in: accounts.map((a) => a.id) } },
        _sum: { postedDebit: true, postedCredit: true, pendingDebit: true, pendingCredit: true },
      })
    : [];
  const byId = new Map(sums.map((s) => [s.accountId, s._sum]));
  return accounts.map((a) => {
    const s = byId.get(a.id);
    return {
      ...a,
      balance: normalBalance(a.type, {
        postedDebit: s?.postedDebit ?? 0n,
        postedCredit: s?.postedCredit ?? 0n,
        pendingDebit: s?.pendingDebit ?? 0n,
        pendingCredit: s?.pendingCredit ?? 0n,
      }),
    };
  });
}

/** The most accounts listAccounts returns: it feeds pickers; the chart of accounts pages through findAccountPage. */
export const ACCOUNT_LIST_MAX = 2000;

/** Accounts with their balances, in the chart's order, at most ACCOUNT_LIST_MAX (for pickers; search narrows it). */
export async function listAccounts(tx: Tx, ctx: TenantContext, filter: AccountFilter = {}) {
  const accounts = await tx.ledgerAccount.findMany({ where: accountWhere(ctx, filter), orderBy: ACCOUNT_ORDER, select: ACCOUNT_SELECT, take: ACCOUNT_LIST_MAX });
  return withBalances(tx, ctx, accounts);
}

/**
 * The chart of accounts a page at a time (keyset: the cursor is the last account's id, and the
 * next page starts after its place in the order), with balances: a tenant with thousands of
 * merchants or wallets has more accounts than one answer should carry.
 */
export async function findAccountPage(tx: Tx, ctx: TenantContext, input: AccountFilter & { cursor?: string | null; limit?: number }) {
  const limit = Math.min(Math.max(input.limit ?? 500, 1), 1000);
  if (input.cursor && !UUID.test(input.cursor)) throw badInput("BAD_CURSOR", "The page cursor is not valid; reload the list", "cursor");
  const rows = await tx.ledgerAccount.findMany({
    where: accountWhere(ctx, input),
    orderBy: ACCOUNT_ORDER,
    ...(input.cursor ? { cursor: { tenantId_id: { tenantId: ctx.tenantId, id: input.cursor } }, skip: 1 } : {}),
    select: ACCOUNT_SELECT,
    take: limit + 1,
  });
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { items: await withBalances(tx, ctx, page), nextCursor: hasMore && last ? last.id : null };
}

export async function getAccount(tx: Tx, ctx: TenantContext, accountId: string) {
  const a = await tx.ledgerAccount.findFirst({
    where: { tenantId: ctx.tenantId, id: accountId },
    select: { id: true, book: true, code: true, name: true, type: true, currency: true, bound: true, isHot: true, ownerType: true, ownerId: true, createdAt: true },
  });
  if (!a) throw notFound("Ledger account");
  const s = await tx.ledgerBalance.aggregate({
    where: { tenantId: ctx.tenantId, accountId },
    _sum: { postedDebit: true, postedCredit: true, pendingDebit: true, pendingCredit: true },
  });
  return {
    ...a,
    balance: normalBalance(a.type, {
      postedDebit: s._sum.postedDebit ?? 0n,
      postedCredit: s._sum.postedCredit ?? 0n,
      pendingDebit: s._sum.pendingDebit ?? 0n,
      pendingCredit: s._sum.pendingCredit ?? 0n,
    }),
  };
}

export async function getBalanceByRef(tx: Tx, ctx: TenantContext, ref: AccountRef, currency = "CNY"): Promise<Balance> {
  const ids = await resolveAccounts(tx, ctx, [ref], currency);
  return (await getAccount(tx, ctx, ids.get(`${ref.book}|${ref.code}`)!)).balance;
}

export interface StatementFilter {
  phase?: "POSTED" | "PENDING";
  /** Business dates on or after / on or before (YYYY-MM-DD). */
  from?: string;
  to?: string;
  /** An entry kind; a hold resolved for it (`<kind>.post`, `<kind>.release`) matches too. */
  kind?: string;
}

/** The entry kinds a statement's kind filter matches: the kind and a hold's resolution of it. */
export function statementKinds(kind: string): string[] {
  return [kind, `${kind}.post`, `${kind}.release`];
}

// The statement cursor: the last line shown (seq, line); for hot accounts the running balance to
// continue from (an entry may have several lines on one account, and summing every newer posting
// of the busiest account at each page would grow with depth); and, under a date filter, the lowest
// seq a matching line has, so the last page stops there instead of reading the account's history.
interface StatementCursor {
  seq: bigint;
  line: number;
  running: bigint | null;
  lowSeq: bigint | null;
}

function parseStatementCursor(cursor: string | null | undefined): StatementCursor | null {
  if (!cursor) return null;
  const m = /^(\d{1,19}):(\d{1,5})(?::(-?\d{1,19})?)?(?::(\d{1,19}))?$/.exec(cursor);
  if (!m) throw badInput("BAD_CURSOR", "The page cursor is not valid; reload the list", "cursor");
  return { seq: BigInt(m[1]!), line: Number(m[2]), running: m[3] !== undefined ? BigInt(m[3]) : null, lowSeq: m[4] !== undefined ? BigInt(m[4]) : null };
}

const statementCursor = (c: StatementCursor) => `${c.seq}:${c.line}:${c.running ?? ""}${c.lowSeq !== null ? `:${c.lowSeq}` : ""}`;

interface StatementRow {
  entry_id: string;
  line: number;
  seq: bigint;
  amount_minor: bigint;
  business_date: Date;
  balance_after_minor: bigint | null;
  created_at: Date;
  /** Σ amount of the lines walked so far, this one included. */
  walked_minor: bigint;
  kind: string;
  description: string | null;
  cause_type: string | null;
  cause_id: string | null;
  is_reversal: boolean;
}

/**
 * The statement's page query. The lines are walked newest first along the account's
 * (tenant_id, account_id, seq DESC, line DESC) index from the cursor (or the range's newest line)
 * down to the range's oldest; the business-date filter drops the lines walked that are outside
 * the range, each remaining line's entry is looked up by its key, and the kind filter drops those
 * of other kinds. A page costs what it walks, never a read of the account's history. The walk sums
 * every line it passes, shown or not: a hot account's balance after each line shown is derived
 * from that sum.
 *
 * What keeps PostgreSQL on that plan: the filters sit outside the walk, which computes a window
 * sum, so they are not pushed into it (the date index would then be read and its lines sorted, on
 * every page); and no level above the walk joins or sorts — only then does the planner hand the
 * LIMIT down to it (set_subquery_pathlist) and take the index's fast start. (Between a range's seq
 * bounds it may still read the bounded stretch and sort it, when that is cheaper: a short range.)
 * The walk's rows keep its order up through the subquery scans. OFFSET 0 keeps the entry lookup
 * at its own level, once per line, instead of once per field read from it.
 * statement-filters.int.test.ts checks the plans.
 */
export function statementSql(
  ctx: TenantContext,
  accountId: string,
  q: { phase: "POSTED" | "PENDING"; before: { seq: bigint; line: number | null } | null; lowSeq: bigint | null; from: string | null; to: string | null; kinds: string[] | null; take: number },
): Prisma.Sql {
  const before = q.before
    ? q.before.line === null
      ? Prisma.sql`AND p.seq <= ${q.before.seq}`
      : // seq ≤ s gives the index its starting point; the OR then drops the lines already shown.
        Prisma.sql`AND p.seq <= ${q.before.seq} AND (p.seq < ${q.before.seq} OR p.line < ${q.before.line})`
    : Prisma.empty;
  const low = q.lowSeq !== null ? Prisma.sql`AND p.seq >= ${q.lowSeq}` : Prisma.empty;
  const dates = [q.from !== null ? Prisma.sql`x.business_date >= ${q.from}::date` : null, q.to !== null ? Prisma.sql`x.business_date <= ${q.to}::date` : null].filter((f): f is Prisma.Sql => f !== null);
  return Prisma.sql`
    SELECT w.entry_id::text AS entry_id, w.line::int AS line, w.seq, w.amount_minor, w.business_date, w.balance_after_minor, w.created_at, w.walked_minor,
           (w.e).kind AS kind, (w.e).description AS description, (w.e).cause_type AS cause_type, (w.e).cause_id AS cause_id, (w.e).reverses_entry_id IS NOT NULL AS is_reversal
      FROM (
        SELECT x.*, (SELECT e FROM journal_entry e WHERE e.tenant_id = ${ctx.tenantId}::uuid AND e.id = x.entry_id) AS e
          FROM (
            SELECT p.entry_id, p.line, p.seq, p.amount_minor, p.business_date, p.balance_after_minor, p.created_at,
                   (sum(p.amount_minor) OVER (ORDER BY p.seq DESC, p.line DESC ROWS UNBOUNDED PRECEDING))::bigint AS walked_minor
              FROM ledger_posting p
             WHERE p.tenant_id = ${ctx.tenantId}::uuid AND p.account_id = ${accountId}::uuid AND p.phase = ${q.phase}::"JournalPhase"
                   ${before} ${low}
             ORDER BY p.seq DESC, p.line DESC
          ) x
         ${dates.length ? Prisma.sql`WHERE ${Prisma.join(dates, " AND ")}` : Prisma.empty}
        OFFSET 0
      ) w
     ${q.kinds !== null ? Prisma.sql`WHERE (w.e).kind = ANY(${q.kinds}::text[])` : Prisma.empty}
     LIMIT ${q.take}`;
}

/**
 * The lowest and highest seq of the account's lines dated in the range, read through the
 * (tenant_id, account_id, business_date) index: the range's lines only. `seq + 0`, because a bare
 * min(seq) / max(seq) is answered by walking the seq index from either end until a line of the
 * range turns up — for a range in the middle of a busy account, most of its history.
 */
export function statementRangeSql(ctx: TenantContext, accountId: string, phase: "POSTED" | "PENDING", from: string, to: string | null): Prisma.Sql {
  return Prisma.sql`
    SELECT min(p.seq + 0) AS lo, max(p.seq + 0) AS hi FROM ledger_posting p
     WHERE p.tenant_id = ${ctx.tenantId}::uuid AND p.account_id = ${accountId}::uuid AND p.phase = ${phase}::"JournalPhase"
       AND p.business_date >= ${from}::date ${to !== null ? Prisma.sql`AND p.business_date <= ${to}::date` : Prisma.empty}`;
}

/**
 * The posted balance after every line of entries up to seq `seq`, summed from the nearer end of
 * the account's postings (the seq span is the estimate): what a hot account's statement starts
 * from when a date range begins below its newest line.
 */
async function postedBalanceAfterSeq(tx: Tx, ctx: TenantContext, account: { id: string; type: string; balance: Balance }, seq: bigint): Promise<bigint> {
  const sign = DEBIT_NORMAL.has(account.type) ? 1n : -1n;
  const [span] = await tx.$queryRaw<Array<{ lo: bigint | null; hi: bigint | null }>>`
    SELECT (SELECT p.seq FROM ledger_posting p WHERE p.tenant_id = ${ctx.tenantId}::uuid AND p.account_id = ${account.id}::uuid ORDER BY p.seq ASC, p.line ASC LIMIT 1) AS lo,
           (SELECT p.seq FROM ledger_posting p WHERE p.tenant_id = ${ctx.tenantId}::uuid AND p.account_id = ${account.id}::uuid ORDER BY p.seq DESC, p.line DESC LIMIT 1) AS hi`;
  if (!span || span.lo === null || span.hi === null) return 0n;
  const newerSide = span.hi - seq < seq - span.lo;
  const [s] = await tx.$queryRaw<Array<{ sum: bigint | null }>>`
    SELECT sum(p.amount_minor)::bigint AS sum FROM ledger_posting p
     WHERE p.tenant_id = ${ctx.tenantId}::uuid AND p.account_id = ${account.id}::uuid AND p.phase = 'POSTED'
       AND ${newerSide ? Prisma.sql`p.seq > ${seq}` : Prisma.sql`p.seq <= ${seq}`}`;
  const sum = BigInt(s?.sum ?? 0n);
  return newerSide ? account.balance.postedMinor - sign * sum : sign * sum;
}

/**
 * An account's statement, newest first, keyset-paginated by (seq, line) (fast at any depth on the
 * busiest account), with the balance after each line (normal side positive), optionally only the
 * lines of a business-date range and of one entry kind. The balance after is always the account's
 * real balance after that line, whatever the filter left out.
 */
export async function accountStatement(tx: Tx, ctx: TenantContext, accountId: string, input: StatementFilter & { cursor?: string | null; limit?: number }) {
  const account = await getAccount(tx, ctx, accountId);
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const cursor = parseStatementCursor(input.cursor);
  const from = input.from ?? null;
  const to = input.to ?? null;
  if (from !== null && !DATE.test(from)) throw badInput("BUSINESS_DATE_INVALID", "from must be YYYY-MM-DD", "from");
  if (to !== null && !DATE.test(to)) throw badInput("BUSINESS_DATE_INVALID", "to must be YYYY-MM-DD", "to");
  if (from !== null && to !== null && from > to) throw badInput("RANGE_INVALID", "from must not be after to", "from");
  const phase = input.phase ?? "POSTED";
  const sign = DEBIT_NORMAL.has(account.type) ? 1n : -1n;
  // Hot accounts keep no per-line balance: it is derived from the current balance (or the cursor),
  // walking back line by line.
  const derive = phase === "POSTED" && account.isHot;
  if (derive && cursor && cursor.running === null) throw badInput("BAD_CURSOR", "The page cursor is not valid; reload the list", "cursor");

  let before: { seq: bigint; line: number | null } | null = cursor ? { seq: cursor.seq, line: cursor.line } : null;
  let lowSeq = cursor?.lowSeq ?? null;
  let running = cursor?.running ?? null;
  if (!cursor && from !== null) {
    // The seqs of the range's lines, from the (tenant_id, account_id, business_date) index: the walk
    // then starts at the range's newest line and stops at its oldest, reading only the lines
    // recorded meanwhile. Once per statement: later pages carry the low end in the cursor.
    const [range] = await tx.$queryRaw<Array<{ lo: bigint | null; hi: bigint | null }>>(statementRangeSql(ctx, accountId, phase, from, to));
    if (!range || range.lo === null || range.hi === null) return { account, items: [], nextCursor: null };
    lowSeq = range.lo;
    before = { seq: range.hi, line: null };
    if (derive) running = await postedBalanceAfterSeq(tx, ctx, account, range.hi);
  }
  if (derive && running === null) running = account.balance.postedMinor;

  const rows = await tx.$queryRaw<StatementRow[]>(
    statementSql(ctx, accountId, { phase, before, lowSeq, from, to, kinds: input.kind ? statementKinds(input.kind) : null, take: limit + 1 }),
  );
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const items = page.map((r) => {
    const amount = BigInt(r.amount_minor);
    // The balance after a line: the starting balance less every line walked before it.
    const balanceAfter = running !== null ? running - sign * (BigInt(r.walked_minor) - amount) : r.balance_after_minor === null ? null : BigInt(r.balance_after_minor);
    return {
      entryId: r.entry_id,
      line: r.line,
      seq: BigInt(r.seq),
      businessDate: r.business_date.toISOString().slice(0, 10),
      createdAt: r.created_at,
      debitMinor: amount > 0n ? amount : 0n,
      creditMinor: amount < 0n ? -amount : 0n,
      balanceAfterMinor: balanceAfter,
      kind: r.kind,
      description: r.description,
      causeType: r.cause_type,
      causeId: r.cause_id,
      isReversal: r.is_reversal,
    };
  });
  const last = page[page.length - 1];
  const next =
    hasMore && last
      ? statementCursor({
          seq: BigInt(last.seq),
          line: last.line,
          running: running !== null ? running - sign * BigInt(last.walked_minor) : null,
          lowSeq,
        })
      : null;
  return { account, items, nextCursor: next };
}

export async function getEntry(tx: Tx, ctx: TenantContext, entryId: string) {
  const e = await tx.journalEntry.findFirst({
    where: { tenantId: ctx.tenantId, id: entryId },
    select: {
      id: true,
      seq: true,
      kind: true,
      phase: true,
      businessDate: true,
      correctsDate: true,
      effectiveAt: true,
      description: true,
      causeType: true,
      causeId: true,
      idempotencyKey: true,
      reversesEntryId: true,
      holdId: true,
      createdBy: true,
      createdAt: true,
      postings: { orderBy: { line: "asc" }, select: { line: true, accountId: true, book: true, currency: true, amountMinor: true, account: { select: { code: true, name: true, type: true } } } },
    },
  });
  if (!e) throw notFound("Journal entry");
  const reversedBy = await tx.journalEntry.findFirst({ where: { tenantId: ctx.tenantId, reversesEntryId: entryId }, select: { id: true } });
  return {
    ...e,
    businessDate: e.businessDate.toISOString().slice(0, 10),
    correctsDate: e.correctsDate ? e.correctsDate.toISOString().slice(0, 10) : null,
    reversedByEntryId: reversedBy?.id ?? null,
    causeLink: await causeLink(tx, ctx, e.causeType, e.causeId),
  };
}

/** The console record an entry's cause is shown on: its own page, or (`settlements`) the list it is in. */
export type CauseLink = { page: "payment" | "payout" | "exception" | "proposal" | "wallet"; id: string } | { page: "settlements"; id: null };

/**
 * Where an entry's cause can be looked at. A refund is shown on its payment's page; a
 * reconciliation item through the exception it raised (its suspense entry and resolution are
 * there); causes without a page of their own (statement lines, transfers, platform fees) get none.
 */
async function causeLink(tx: Tx, ctx: TenantContext, causeType: string | null, causeId: string | null): Promise<CauseLink | null> {
  if (!causeType || !causeId || !UUID.test(causeId)) return null;
  switch (causeType) {
    case "payment":
      return { page: "payment", id: causeId };
    case "payout":
      return { page: "payout", id: causeId };
    case "exception":
      return { page: "exception", id: causeId };
    case "proposal":
      return { page: "proposal", id: causeId };
    // The demo's opening balances name the wallet they fund.
    case "demo":
      return { page: "wallet", id: causeId };
    case "settlement":
      return { page: "settlements", id: null };
    case "refund": {
      const r = await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, id: causeId }, select: { paymentId: true } });
      return r ? { page: "payment", id: r.paymentId } : null;
    }
    case "recon_item": {
      const x = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, causeType: "recon_item", causeId }, orderBy: { createdAt: "desc" }, select: { id: true } });
      return x ? { page: "exception", id: x.id } : null;
    }
    default:
      return null;
  }
}

export async function findEntries(tx: Tx, ctx: TenantContext, input: { cursor?: string | null; limit?: number; kind?: string; causeId?: string; businessDate?: string }) {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  if (input.cursor && !/^\d+$/.test(input.cursor)) throw badInput("BAD_CURSOR", "The page cursor is not valid; reload the list", "cursor");
  const rows = await tx.journalEntry.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.kind ? { kind: { startsWith: input.kind } } : {}),
      ...(input.causeId ? { causeId: input.causeId } : {}),
      ...(input.businessDate ? { businessDate: new Date(`${input.businessDate}T00:00:00Z`) } : {}),
      ...(input.cursor ? { seq: { lt: BigInt(input.cursor) } } : {}),
    },
    orderBy: { seq: "desc" },
    take: limit + 1,
    select: { id: true, seq: true, kind: true, phase: true, businessDate: true, description: true, causeType: true, causeId: true, createdBy: true, createdAt: true, reversesEntryId: true },
  });
  const hasMore = rows.length > limit;
  const items = (hasMore ? rows.slice(0, limit) : rows).map((r) => ({ ...r, businessDate: r.businessDate.toISOString().slice(0, 10) }));
  const last = items[items.length - 1];
  return { items, nextCursor: hasMore && last ? last.seq.toString() : null };
}

export interface TrialBalanceRow {
  accountId: string;
  book: LedgerBook;
  code: string;
  name: string;
  type: string;
  currency: string;
  debitMinor: bigint;
  creditMinor: bigint;
  balanceMinor: bigint;
}

/**
 * The trial balance per book and currency, now or as of a business date (posted entries with a
 * business date on or before it). Σ debits = Σ credits in every book and currency, always.
 */
export async function trialBalance(tx: Tx, ctx: TenantContext, input: { asOf?: string } = {}) {
  if (input.asOf !== undefined) checkDates({ businessDate: input.asOf });
  const rows = await tx.$queryRaw<Array<{ account_id: string; book: LedgerBook; code: string; name: string; type: string; currency: string; debit: bigint | null; credit: bigint | null }>>`
    SELECT a.id AS account_id, a.book, a.code, a.name, a.type::text AS type, a.currency,
           COALESCE(sum(p.amount_minor) FILTER (WHERE p.amount_minor > 0), 0)::bigint AS debit,
           COALESCE(-sum(p.amount_minor) FILTER (WHERE p.amount_minor < 0), 0)::bigint AS credit
      FROM ledger_account a
      LEFT JOIN ledger_posting p ON p.tenant_id = a.tenant_id AND p.account_id = a.id AND p.phase = 'POSTED'
           AND (${input.asOf ?? null}::date IS NULL OR p.business_date <= ${input.asOf ?? null}::date)
     WHERE a.tenant_id = ${ctx.tenantId}::uuid
     GROUP BY a.id, a.book, a.code, a.name, a.type, a.currency
     ORDER BY a.book, a.type, a.code`;
  const accounts: TrialBalanceRow[] = rows.map((r) => {
    const debit = BigInt(r.debit ?? 0);
    const credit = BigInt(r.credit ?? 0);
    return { accountId: r.account_id, book: r.book, code: r.code, name: r.name, type: r.type, currency: r.currency, debitMinor: debit, creditMinor: credit, balanceMinor: DEBIT_NORMAL.has(r.type) ? debit - credit : credit - debit };
  });
  const totals = new Map<string, { book: LedgerBook; currency: string; debitMinor: bigint; creditMinor: bigint }>();
  for (const a of accounts) {
    const k = `${a.book}|${a.currency}`;
    const t = totals.get(k) ?? { book: a.book, currency: a.currency, debitMinor: 0n, creditMinor: 0n };
    t.debitMinor += a.debitMinor;
    t.creditMinor += a.creditMinor;
    totals.set(k, t);
  }
  return { asOf: input.asOf ?? null, accounts, totals: [...totals.values()].map((t) => ({ ...t, balanced: t.debitMinor === t.creditMinor })) };
}

/**
 * An account's posted balance as of the end of a business date and/or a moment, for the console:
 * the account (its currency and type) with the figure.
 */
export async function accountBalanceAsOf(tx: Tx, ctx: TenantContext, input: { accountId: string; businessDate?: string; at?: Date }) {
  if (input.businessDate === undefined && input.at === undefined) throw badInput("AS_OF_REQUIRED", "Give a business date or a time", "businessDate");
  const postedMinor = await balanceAsOf(tx, ctx, input.accountId, { ...(input.businessDate ? { businessDate: input.businessDate } : {}), ...(input.at ? { at: input.at } : {}) });
  return { accountId: input.accountId, businessDate: input.businessDate ?? null, at: input.at ?? null, postedMinor };
}

/**
 * Posted balance (normal side) of an account from postings alone: those with a business date on
 * or before `businessDate`, and/or recorded at or before `at`.
 */
export async function balanceAsOf(tx: Tx, ctx: TenantContext, accountId: string, asOf: { businessDate?: string; at?: Date }) {
  const account = await getAccount(tx, ctx, accountId);
  if (asOf.businessDate) checkDates({ businessDate: asOf.businessDate });
  const s = await tx.ledgerPosting.aggregate({
    where: {
      tenantId: ctx.tenantId,
      accountId,
      phase: "POSTED",
      ...(asOf.businessDate ? { businessDate: { lte: new Date(`${asOf.businessDate}T00:00:00Z`) } } : {}),
      ...(asOf.at ? { createdAt: { lte: asOf.at } } : {}),
    },
    _sum: { amountMinor: true },
  });
  const signed = s._sum.amountMinor ?? 0n;
  return DEBIT_NORMAL.has(account.type) ? signed : -signed;
}
