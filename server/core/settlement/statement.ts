import { z } from "zod";
import { readBranding } from "@/branding/css-vars";
import { isCalendarDate } from "@/server/core/calendar/rules";
import { badInput, notFound } from "@/server/core/errors/domain-error";
import type { AccountRef } from "@/server/core/ledger/chart";
import { resolveAccounts } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { daysBefore } from "./cycle";

// A merchant's settlement statement for a period of business dates (the tenant's time zone): every
// payment and refund with its fee, and the merchant's balance with us — opening, every ledger
// movement, closing. The balance is the ledger's: CUSTODIAL, what we owe the merchant (pending +
// available + risk reserve − what the merchant owes us); DIRECT, what the channel still owes it
// (memo book). Each movement is one journal entry's net effect on those accounts, so
// opening + Σ movements = closing = the balances as of the period's last day, checked here.

export const STATEMENT_MAX_DAYS = 93;
const ZDate = z.string().trim().refine(isCalendarDate, { message: "Use a real date in YYYY-MM-DD form" });
export const ZStatementRequest = z.object({
  merchantId: z.string().uuid(),
  from: ZDate,
  to: ZDate,
  locale: z.enum(["zh-CN", "en"]).default("zh-CN"),
});
export type TStatementRequest = z.input<typeof ZStatementRequest>;

export interface StatementLine {
  date: string;
  kind: string;
  reference: string;
  amountMinor: bigint;
  feeMinor: bigint;
}
export interface Movement {
  date: string;
  kind: string;
  description: string | null;
  amountMinor: bigint;
}
export interface MerchantStatement {
  tenantName: string;
  productName: string;
  merchant: { id: string; legalName: string; shortName: string };
  mode: "DIRECT" | "CUSTODIAL";
  from: string;
  to: string;
  payments: StatementLine[];
  refunds: StatementLine[];
  movements: Movement[];
  totals: {
    paymentsCount: number;
    paymentsMinor: bigint;
    feesMinor: bigint;
    refundsCount: number;
    refundsMinor: bigint;
    feesReturnedMinor: bigint;
    netMinor: bigint;
    movementsMinor: bigint;
  };
  openingMinor: bigint;
  closingMinor: bigint;
}

const iso = (d: Date) => d.toISOString().slice(0, 10);
const dbDate = (d: string) => new Date(`${d}T00:00:00Z`);

function merchantBalanceRefs(mode: "DIRECT" | "CUSTODIAL", merchantId: string): AccountRef[] {
  return mode === "DIRECT"
    ? [accounts.memoDue(merchantId)]
    : [accounts.merchantPending(merchantId), accounts.merchantAvailable(merchantId), accounts.merchantReserve(merchantId), accounts.merchantReceivable(merchantId)];
}

export async function merchantStatement(tx: Tx, ctx: TenantContext, raw: TStatementRequest): Promise<MerchantStatement> {
  const input = ZStatementRequest.parse(raw);
  if (input.from > input.to) throw badInput("PERIOD_INVALID", "The period starts after it ends", "from");
  if (daysBefore(input.to, STATEMENT_MAX_DAYS - 1) > input.from) throw badInput("PERIOD_TOO_LONG", `A statement covers at most ${STATEMENT_MAX_DAYS} days; ask for several`, "to");
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { name: true, settlementMode: true, branding: true } });
  if (!tenant) throw notFound("Service provider");
  const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: input.merchantId }, select: { id: true, legalName: true, shortName: true } });
  if (!merchant) throw notFound("Merchant");
  const range = { gte: dbDate(input.from), lte: dbDate(input.to) };

  const payments = await tx.payment.findMany({
    where: { tenantId: ctx.tenantId, merchantId: merchant.id, businessDate: range, status: "SUCCEEDED" },
    orderBy: [{ businessDate: "asc" }, { paidAt: "asc" }, { id: "asc" }],
    select: { businessDate: true, merchantOrderNo: true, amountMinor: true, feeMinor: true, orderType: true },
  });
  const refunds = await tx.refund.findMany({
    where: { tenantId: ctx.tenantId, merchantId: merchant.id, businessDate: range, status: "SUCCEEDED" },
    orderBy: [{ businessDate: "asc" }, { refundedAt: "asc" }, { id: "asc" }],
    select: { businessDate: true, merchantRefundNo: true, amountMinor: true, feeReturnedMinor: true },
  });

  const ids = [...(await resolveAccounts(tx, ctx, merchantBalanceRefs(tenant.settlementMode, merchant.id))).values()];
  // The merchant's balance is the credit side of these accounts (liabilities to it; its debt, an asset, counts against it).
  const [opening] = await tx.$queryRaw<Array<{ v: bigint | null }>>`
    SELECT -sum(amount_minor)::bigint AS v FROM ledger_posting
     WHERE tenant_id = ${ctx.tenantId}::uuid AND account_id = ANY(${ids}::uuid[]) AND phase = 'POSTED' AND business_date < ${input.from}::date`;
  const [closing] = await tx.$queryRaw<Array<{ v: bigint | null }>>`
    SELECT -sum(amount_minor)::bigint AS v FROM ledger_posting
     WHERE tenant_id = ${ctx.tenantId}::uuid AND account_id = ANY(${ids}::uuid[]) AND phase = 'POSTED' AND business_date <= ${input.to}::date`;
  const movementRows = await tx.$queryRaw<Array<{ business_date: Date; kind: string; description: string | null; amount: bigint }>>`
    SELECT p.business_date, e.kind, e.description, -sum(p.amount_minor)::bigint AS amount
      FROM ledger_posting p JOIN journal_entry e ON e.tenant_id = p.tenant_id AND e.id = p.entry_id
     WHERE p.tenant_id = ${ctx.tenantId}::uuid AND p.account_id = ANY(${ids}::uuid[]) AND p.phase = 'POSTED'
       AND p.business_date BETWEEN ${input.from}::date AND ${input.to}::date
     GROUP BY p.entry_id, p.business_date, e.kind, e.description, e.seq
    HAVING sum(p.amount_minor) <> 0
     ORDER BY p.business_date, e.seq`;
  const movements = movementRows.map((r) => ({ date: iso(r.business_date), kind: r.kind, description: r.description, amountMinor: BigInt(r.amount) }));
  const openingMinor = BigInt(opening?.v ?? 0n);
  const closingMinor = BigInt(closing?.v ?? 0n);
  const movementsMinor = movements.reduce((s, m) => s + m.amountMinor, 0n);
  if (openingMinor + movementsMinor !== closingMinor) {
    throw new Error(`Statement does not add up: opening ${openingMinor} + movements ${movementsMinor} ≠ closing ${closingMinor}`);
  }

  const paymentLines = payments.map((p) => ({ date: iso(p.businessDate), kind: p.orderType, reference: p.merchantOrderNo, amountMinor: p.amountMinor, feeMinor: p.feeMinor }));
  const refundLines = refunds.map((r) => ({ date: iso(r.businessDate), kind: "REFUND", reference: r.merchantRefundNo, amountMinor: r.amountMinor, feeMinor: r.feeReturnedMinor }));
  const sum = (xs: StatementLine[], f: (l: StatementLine) => bigint) => xs.reduce((s, l) => s + f(l), 0n);
  const paymentsMinor = sum(paymentLines, (l) => l.amountMinor);
  const feesMinor = sum(paymentLines, (l) => l.feeMinor);
  const refundsMinor = sum(refundLines, (l) => l.amountMinor);
  const feesReturnedMinor = sum(refundLines, (l) => l.feeMinor);
  return {
    tenantName: tenant.name,
    productName: readBranding(tenant.branding).productName,
    merchant,
    mode: tenant.settlementMode,
    from: input.from,
    to: input.to,
    payments: paymentLines,
    refunds: refundLines,
    movements,
    totals: {
      paymentsCount: paymentLines.length,
      paymentsMinor,
      feesMinor,
      refundsCount: refundLines.length,
      refundsMinor,
      feesReturnedMinor,
      netMinor: paymentsMinor - feesMinor - refundsMinor + feesReturnedMinor,
      movementsMinor,
    },
    openingMinor,
    closingMinor,
  };
}

// ---------------------------------------------------------------------------------------------
// CSV

/** Minor units as yuan with two decimals ("-12.30"). */
export function yuan(minor: bigint): string {
  const neg = minor < 0n;
  const abs = neg ? -minor : minor;
  return `${neg ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}

const csvCell = (v: string) => (/[",\n\r]/.test(v) || /^[=+\-@]/.test(v) ? `"${(/^[=+\-@]/.test(v) && !/^-\d/.test(v) ? `'${v}` : v).replaceAll('"', '""')}"` : v);

const LABELS = {
  "zh-CN": {
    title: "结算对账单",
    merchant: "商户",
    period: "账期",
    opening: "期初余额",
    closing: "期末余额",
    payments: "交易明细",
    refunds: "退款明细",
    movements: "资金变动",
    date: "日期",
    type: "类型",
    reference: "商户单号",
    amount: "金额(元)",
    fee: "手续费(元)",
    feeReturned: "退还手续费(元)",
    description: "说明",
    totals: "合计",
    net: "净额",
    count: "笔数",
    mode: { CUSTODIAL: "资金由服务商清算（备付金）", DIRECT: "资金由渠道直接结算" },
  },
  en: {
    title: "Settlement statement",
    merchant: "Merchant",
    period: "Period",
    opening: "Opening balance",
    closing: "Closing balance",
    payments: "Payments",
    refunds: "Refunds",
    movements: "Balance movements",
    date: "Date",
    type: "Type",
    reference: "Merchant reference",
    amount: "Amount (CNY)",
    fee: "Fee (CNY)",
    feeReturned: "Fee returned (CNY)",
    description: "Description",
    totals: "Totals",
    net: "Net",
    count: "Count",
    mode: { CUSTODIAL: "Funds cleared by the provider (customer funds)", DIRECT: "Funds settled directly by the channel" },
  },
} as const;
export type StatementLocale = keyof typeof LABELS;

type KindLabel = { readonly "zh-CN": string; readonly en: string };

// The merchant's words for every journal entry kind that can move its balance (the accounts of
// merchantBalanceRefs), and the kinds that move money between those accounts only (they net to
// nothing, so a statement leaves them out, but an adjustment touching one of them would not).
// The console's own names (components/ledger/labels.ts) are finance's; these are what a merchant
// reads on its statement. statement.test.ts checks the list against server/core/ledger/templates.ts.
export const MOVEMENT_KIND_LABELS: Readonly<Record<string, KindLabel>> = {
  "payment.fee_at_source": { "zh-CN": "收款", en: "Payment" },
  "payment.fee_billed_monthly": { "zh-CN": "收款", en: "Payment" },
  refund: { "zh-CN": "退款", en: "Refund" },
  "refund.completion": { "zh-CN": "退款", en: "Refund" },
  "refund.hold": { "zh-CN": "退款", en: "Refund" },
  "refund.merchant_debt": { "zh-CN": "退款垫付", en: "Refund debt" },
  "settlement.make_available": { "zh-CN": "待结算转可结算", en: "Made available for settlement" },
  "settlement.reserve_hold": { "zh-CN": "风险保证金留存", en: "Risk reserve held" },
  "settlement.reserve_release": { "zh-CN": "风险保证金释放", en: "Risk reserve released" },
  "settlement.debt_recovery": { "zh-CN": "扣回垫付", en: "Debt recovered" },
  "payout.hold": { "zh-CN": "结算出款", en: "Payout" },
  "payout.bank_success": { "zh-CN": "出款成功", en: "Payout paid" },
  "payout.bank_failure": { "zh-CN": "出款退回", en: "Payout failed" },
  "payout.returned": { "zh-CN": "退汇", en: "Payout returned" },
  "recon.amount_correction": { "zh-CN": "对账金额调整", en: "Amount corrected by reconciliation" },
  "memo.payment": { "zh-CN": "收款", en: "Payment" },
  "memo.refund": { "zh-CN": "退款", en: "Refund" },
  "memo.settled": { "zh-CN": "渠道结算", en: "Settled by channel" },
  adjustment: { "zh-CN": "调账", en: "Adjustment" },
  reversal: { "zh-CN": "冲正", en: "Reversing entry" },
  // A hold resolved without a kind of its own (ledger_resolve_hold's default), and one that expired.
  "hold.post": { "zh-CN": "冻结资金入账", en: "Held funds posted" },
  "hold.release": { "zh-CN": "解除冻结", en: "Hold released" },
  "hold.expire": { "zh-CN": "冻结到期释放", en: "Hold expired" },
};

// What a hold was resolved for: the kind postHold / voidHold pass. ledger_resolve_hold writes the
// posting as `<kind>.post` (and the release of the reservation as `<kind>.release`, never posted):
// these are the entries a merchant's balance shows, named by what happened (a refund went through,
// a payout was sent), as the console names them (components/ledger/labels.ts kindLabel).
const HOLD_RESOLUTION_LABELS: Readonly<Record<string, KindLabel>> = {
  "refund.hold_post": { "zh-CN": "退款", en: "Refund" },
  "refund.void": { "zh-CN": "退款失败", en: "Refund failed" },
  "payout.release": { "zh-CN": "结算出款", en: "Payout" },
  "payout.cancel": { "zh-CN": "出款撤销", en: "Payout cancelled" },
};

const lookup = (table: Readonly<Record<string, KindLabel>>, kind: string): KindLabel | undefined => (Object.hasOwn(table, kind) ? table[kind] : undefined);

/** A movement's kind in the merchant's words; a kind without one (a later module's) shows as its code. */
function kindLabel(kind: string, locale: StatementLocale): string {
  const own = lookup(MOVEMENT_KIND_LABELS, kind);
  if (own) return own[locale];
  const m = /^(.+)\.(post|release)$/.exec(kind);
  const base = m?.[1] ? (lookup(HOLD_RESOLUTION_LABELS, m[1]) ?? lookup(MOVEMENT_KIND_LABELS, m[1])) : undefined;
  return base ? base[locale] : kind;
}

export function statementCsv(s: MerchantStatement, locale: StatementLocale): string {
  const L = LABELS[locale];
  const rows: string[][] = [
    [L.title, s.productName],
    [L.merchant, s.merchant.legalName, s.merchant.shortName],
    [L.period, s.from, s.to],
    [L.opening, yuan(s.openingMinor)],
    [],
    [L.payments],
    [L.date, L.type, L.reference, L.amount, L.fee],
    ...s.payments.map((p) => [p.date, p.kind, p.reference, yuan(p.amountMinor), yuan(p.feeMinor)]),
    [L.totals, L.count, String(s.totals.paymentsCount), yuan(s.totals.paymentsMinor), yuan(s.totals.feesMinor)],
    [],
    [L.refunds],
    [L.date, L.type, L.reference, L.amount, L.feeReturned],
    ...s.refunds.map((r) => [r.date, r.kind, r.reference, yuan(r.amountMinor), yuan(r.feeMinor)]),
    [L.totals, L.count, String(s.totals.refundsCount), yuan(s.totals.refundsMinor), yuan(s.totals.feesReturnedMinor)],
    [],
    [L.movements],
    [L.date, L.type, L.description, L.amount],
    ...s.movements.map((m) => [m.date, kindLabel(m.kind, locale), m.description ?? "", yuan(m.amountMinor)]),
    [L.totals, "", "", yuan(s.totals.movementsMinor)],
    [],
    [L.closing, yuan(s.closingMinor)],
  ];
  // A BOM so Excel opens the Chinese text as UTF-8.
  return "\uFEFF" + rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export function statementLabels(locale: StatementLocale) {
  return LABELS[locale];
}
export { kindLabel as movementKindLabel };
