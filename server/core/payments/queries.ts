import { z } from "zod";
import { PRODUCT_CODES, type ChannelExchange } from "@/server/channels/types";
import { notFound } from "@/server/core/errors/domain-error";
import type { Prisma } from "@/server/db/generated/prisma/client";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, toPage } from "@/server/db/keyset";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { paymentSelect } from "./service";

// What the console reads about payments: the filtered list (keyset on createdAt desc, id desc —
// the table's index), its per-status summary, one payment with the names around it, and its
// transitions with the channel exchanges behind them.

export const PAYMENT_STATUSES = ["PROCESSING", "SUCCEEDED", "FAILED", "CLOSED"] as const;

const ZDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "validation.date" });

export const ZPaymentFilter = z.object({
  status: z.enum(PAYMENT_STATUSES).optional(),
  product: z.enum(PRODUCT_CODES).optional(),
  channelAccountId: z.string().uuid().optional(),
  merchantId: z.string().uuid().optional(),
  storeId: z.string().uuid().optional(),
  deviceId: z.string().trim().min(1).max(64).optional(),
  /** Business dates, both ends included. */
  businessDateFrom: ZDate.optional(),
  businessDateTo: ZDate.optional(),
  merchantOrderNo: z.string().trim().min(1).max(64).optional(),
});
export type TPaymentFilter = z.input<typeof ZPaymentFilter>;

// 500: the CSV export asks for large pages (components/data-table/use-csv-export.ts).
export const ZPaymentFind = ZPaymentFilter.extend({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(500).optional(),
});
export type TPaymentFind = z.input<typeof ZPaymentFind>;

function whereOf(ctx: TenantContext, f: z.output<typeof ZPaymentFilter>): Prisma.PaymentWhereInput {
  const dates: Prisma.DateTimeFilter = {
    ...(f.businessDateFrom ? { gte: new Date(`${f.businessDateFrom}T00:00:00Z`) } : {}),
    ...(f.businessDateTo ? { lte: new Date(`${f.businessDateTo}T00:00:00Z`) } : {}),
  };
  return {
    tenantId: ctx.tenantId,
    ...(f.status ? { status: f.status } : {}),
    ...(f.product ? { product: f.product } : {}),
    ...(f.channelAccountId ? { channelAccountId: f.channelAccountId } : {}),
    ...(f.merchantId ? { merchantId: f.merchantId } : {}),
    ...(f.storeId ? { storeId: f.storeId } : {}),
    ...(f.deviceId ? { deviceId: f.deviceId } : {}),
    ...(f.merchantOrderNo ? { merchantOrderNo: f.merchantOrderNo } : {}),
    ...(f.businessDateFrom || f.businessDateTo ? { businessDate: dates } : {}),
  };
}

const dateOnly = (d: Date) => d.toISOString().slice(0, 10);

/** Names of the merchants, stores and channel accounts some payments point at (the payment table has no relations to them). */
async function namesFor(tx: Tx, ctx: TenantContext, rows: ReadonlyArray<{ merchantId: string; storeId: string | null; channelAccountId: string }>) {
  const unique = (ids: Array<string | null>) => [...new Set(ids.filter((id): id is string => id !== null))];
  // One after another: a transaction is one connection, and pg queues (and deprecates) overlapping queries on it.
  const merchants = await tx.merchant.findMany({ where: { tenantId: ctx.tenantId, id: { in: unique(rows.map((r) => r.merchantId)) } }, select: { id: true, shortName: true } });
  const stores = await tx.store.findMany({ where: { tenantId: ctx.tenantId, id: { in: unique(rows.map((r) => r.storeId)) } }, select: { id: true, name: true } });
  const accounts = await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId, id: { in: unique(rows.map((r) => r.channelAccountId)) } }, select: { id: true, name: true, channelType: true } });
  return {
    merchant: new Map(merchants.map((m) => [m.id, m.shortName])),
    store: new Map(stores.map((s) => [s.id, s.name])),
    account: new Map(accounts.map((a) => [a.id, a])),
  };
}

const listSelect = {
  id: true,
  merchantId: true,
  storeId: true,
  deviceId: true,
  merchantOrderNo: true,
  outTradeNo: true,
  channelTradeNo: true,
  orderType: true,
  product: true,
  amountMinor: true,
  currency: true,
  status: true,
  subject: true,
  channelAccountId: true,
  feeMinor: true,
  costMinor: true,
  marginMinor: true,
  businessDate: true,
  failureCode: true,
  paidAt: true,
  createdAt: true,
} as const satisfies Prisma.PaymentSelect;

export async function findPaymentsPage(tx: Tx, ctx: TenantContext, raw: TPaymentFind) {
  const input = ZPaymentFind.parse(raw);
  const limit = clampLimit(input.limit, 500);
  const rows = await tx.payment.findMany({
    where: { ...whereOf(ctx, input), ...afterCreatedAtDesc(input.cursor) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: listSelect,
  });
  const page = toPage(rows, limit, cursorOfCreatedAt);
  const names = await namesFor(tx, ctx, page.items);
  return {
    items: page.items.map((p) => {
      const account = names.account.get(p.channelAccountId);
      return {
        ...p,
        businessDate: dateOnly(p.businessDate),
        merchantName: names.merchant.get(p.merchantId) ?? null,
        storeName: p.storeId ? (names.store.get(p.storeId) ?? null) : null,
        channelAccountName: account?.name ?? null,
        channelType: account?.channelType ?? null,
      };
    }),
    nextCursor: page.nextCursor,
  };
}

/** Count and sums per status for a filter (the list's summary), in status order. */
export async function summarizePayments(tx: Tx, ctx: TenantContext, raw: TPaymentFilter) {
  const filter = ZPaymentFilter.parse(raw);
  const groups = await tx.payment.groupBy({
    by: ["status", "currency"],
    where: whereOf(ctx, filter),
    _count: { _all: true },
    _sum: { amountMinor: true, feeMinor: true, marginMinor: true },
  });
  const rows = groups
    .map((g) => ({
      status: g.status,
      currency: g.currency,
      count: g._count._all,
      amountMinor: g._sum.amountMinor ?? 0n,
      feeMinor: g._sum.feeMinor ?? 0n,
      marginMinor: g._sum.marginMinor ?? 0n,
    }))
    .sort((a, b) => PAYMENT_STATUSES.indexOf(a.status) - PAYMENT_STATUSES.indexOf(b.status) || a.currency.localeCompare(b.currency));
  return { byStatus: rows, count: rows.reduce((n, r) => n + r.count, 0) };
}

/** One payment with the names of its merchant, store and channel account. Another tenant's id is NOT_FOUND. */
export async function getPaymentDetail(tx: Tx, ctx: TenantContext, id: string) {
  const p = await tx.payment.findFirst({
    where: { tenantId: ctx.tenantId, id },
    select: { ...paymentSelect, queryAttempts: true, nextQueryAt: true, terminalInfo: true },
  });
  if (!p) throw notFound("Payment");
  const names = await namesFor(tx, ctx, [p]);
  const account = names.account.get(p.channelAccountId);
  return {
    ...p,
    businessDate: dateOnly(p.businessDate),
    merchantName: names.merchant.get(p.merchantId) ?? null,
    storeName: p.storeId ? (names.store.get(p.storeId) ?? null) : null,
    channelAccountName: account?.name ?? null,
    channelType: account?.channelType ?? null,
  };
}

function text(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/**
 * The stored exchanges as the connector wrote them (secrets already removed there). Stored JSON
 * is read defensively: an entry without an operation is left out rather than breaking the page.
 */
export function readExchanges(json: Prisma.JsonValue): ChannelExchange[] {
  if (!Array.isArray(json)) return [];
  const out: ChannelExchange[] = [];
  for (const item of json) {
    if (typeof item !== "object" || item === null || Array.isArray(item)) continue;
    const e = item as Record<string, unknown>;
    const operation = text(e.operation);
    if (!operation) continue;
    const requestBody = text(e.requestBody);
    const responseBody = text(e.responseBody);
    out.push({
      operation,
      method: text(e.method) ?? "",
      url: text(e.url) ?? "",
      ...(requestBody !== undefined ? { requestBody } : {}),
      ...(typeof e.status === "number" ? { status: e.status } : {}),
      ...(responseBody !== undefined ? { responseBody } : {}),
      durationMs: typeof e.durationMs === "number" ? e.durationMs : 0,
    });
  }
  return out;
}

/** The payment's timeline, oldest first. Another tenant's payment is NOT_FOUND (not an empty list). */
export async function listPaymentTransitions(tx: Tx, ctx: TenantContext, paymentId: string) {
  const p = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: paymentId }, select: { id: true } });
  if (!p) throw notFound("Payment");
  const rows = await tx.paymentTransition.findMany({
    where: { tenantId: ctx.tenantId, paymentId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, fromStatus: true, toStatus: true, cause: true, reason: true, actor: true, exchanges: true, createdAt: true },
  });
  return rows.map((r) => ({ ...r, exchanges: readExchanges(r.exchanges) }));
}
