import type { Translate } from "@/i18n/translate";
import { formErrors } from "@/components/ui/form-errors";
import { errorMessage } from "@/components/ui/states";
import { isAccountType, type Book, type ProposalStatus } from "./types";

// Names of accounts, entry kinds and ledger errors in the reader's language. The database keeps
// stable English names and codes; the GLOSSARY terms live in i18n/messages/ledger.ts.

const ACCOUNT_CODES = [
  "fee_income",
  "channel_cost",
  "channel_fee_payable",
  "margin_receivable",
  "margin_income",
  "platform_fee_expense",
  "platform_fee_payable",
  "device_incentive_receivable",
  "device_incentive_income",
  "overage_suspense",
  "shortage_suspense",
  "unclaimed_funds_payable",
  "write_off_loss",
  "operating_bank",
  "owner_equity",
  "customer_funds_bank",
  "withdrawals_in_transit",
  "merchant_payable_pending",
  "merchant_payable_available",
  "merchant_receivable",
  "channel_clearing",
  "wallet",
  "merchant_funds_at_channel",
  "merchant_settlement_due",
  "merchant_reserve",
] as const;
type AccountCode = (typeof ACCOUNT_CODES)[number];

/** Per-owner accounts are "<code>:<owner id>"; the part before the colon names the kind of account. */
export function baseCode(code: string): string {
  const i = code.indexOf(":");
  return i < 0 ? code : code.slice(0, i);
}

export function accountName(t: Translate, account: { code: string; name: string }): string {
  const base = baseCode(account.code);
  return (ACCOUNT_CODES as readonly string[]).includes(base) ? t(`ledger.acct_${base as AccountCode}`) : account.name;
}

export function accountTypeLabel(t: Translate, type: string): string {
  return isAccountType(type) ? t(`ledger.type_${type}`) : type;
}

export function bookLabel(t: Translate, book: Book): string {
  return t(`ledger.book_${book}`);
}

export function proposalStatusLabel(t: Translate, status: ProposalStatus): string {
  return t(`ledger.status_${status}`);
}

export const PROPOSAL_STATUS_TONE = { PENDING: "warning", APPROVED: "success", REJECTED: "danger", CANCELLED: "neutral" } as const;

// Every kind the code writes (components/ledger/labels.test.ts keeps the list). Entries come from
// the templates (server/core/ledger/templates.ts), holds from createHold, `reversal` and
// `hold.expire` from the ledger's SQL functions; proposals share the lookup.
const ENTRY_KINDS = {
  "payment.fee_at_source": "kind_payment_fee_at_source",
  "payment.fee_billed_monthly": "kind_payment_fee_billed_monthly",
  refund: "kind_refund",
  "refund.merchant_debt": "kind_refund_merchant_debt",
  "refund.hold": "kind_refund_hold",
  "refund.completion": "kind_refund_completion",
  "wallet.recharge_cost": "kind_wallet_recharge_cost",
  "settlement.make_available": "kind_settlement_make_available",
  "settlement.reserve_hold": "kind_settlement_reserve_hold",
  "settlement.reserve_release": "kind_settlement_reserve_release",
  "settlement.debt_recovery": "kind_settlement_debt_recovery",
  "wallet.recharge": "kind_wallet_recharge",
  "wallet.transfer": "kind_wallet_transfer",
  "payout.hold": "kind_payout_hold",
  "payout.bank_success": "kind_payout_bank_success",
  "payout.bank_failure": "kind_payout_bank_failure",
  "payout.returned": "kind_payout_returned",
  "recon.overage": "kind_recon_overage",
  "recon.shortage": "kind_recon_shortage",
  "recon.write_off_shortage": "kind_recon_write_off_shortage",
  "recon.write_off_overage": "kind_recon_write_off_overage",
  "recon.amount_correction": "kind_recon_amount_correction",
  "recon.channel_cost_correction": "kind_recon_channel_cost_correction",
  "funds.bank_credit": "kind_funds_bank_credit",
  "memo.payment": "kind_memo_payment",
  "memo.refund": "kind_memo_refund",
  "memo.settled": "kind_memo_settled",
  "income.margin": "kind_income_margin",
  "income.margin_clawback": "kind_income_margin_clawback",
  "income.platform_fee": "kind_income_platform_fee",
  "hold.expire": "kind_hold_expire",
  // A hold resolved without a kind of its own (ledger_resolve_hold's default).
  "hold.post": "kind_hold_post",
  "hold.release": "kind_hold_release",
  adjustment: "kind_adjustment",
  reversal: "kind_reversal",
  "ledger.adjustment": "kind_proposal_adjustment",
  "ledger.reversal": "kind_proposal_reversal",
  "payment.correction": "kind_proposal_payment_correction",
  "recon.write_off": "kind_proposal_recon_write_off",
  "recon.resolve": "kind_proposal_recon_resolve",
  "statement.supersede": "kind_proposal_statement_supersede",
  "payout.batch_release": "kind_proposal_payout_batch_release",
} as const;
type EntryKindKey = (typeof ENTRY_KINDS)[keyof typeof ENTRY_KINDS];

// What a hold was resolved for: the kind postHold/voidHold passes. The SQL function writes the
// release of the reservation as `<kind>.release` and, when posting, the posting as `<kind>.post`;
// the kind alone is never an entry's, so these name the event and the ending names the step.
const HOLD_RESOLUTIONS = {
  "refund.hold_post": "kind_refund_hold_post",
  "refund.void": "kind_refund_void",
  "payout.release": "kind_payout_release",
  "payout.cancel": "kind_payout_cancel",
} as const;
type HoldResolutionKey = (typeof HOLD_RESOLUTIONS)[keyof typeof HOLD_RESOLUTIONS];

const lookup = <K extends string>(table: Readonly<Record<string, K>>, kind: string): K | undefined => (Object.hasOwn(table, kind) ? table[kind] : undefined);

/** An entry's or proposal's kind in words; an unknown kind (a later module's) shows as its code. */
export function kindLabel(t: Translate, kind: string): string {
  const own = lookup<EntryKindKey>(ENTRY_KINDS, kind);
  if (own) return t(`ledger.${own}`);
  // `<kind>.post` / `<kind>.release` from ledger_resolve_hold: the resolution's name, then the step.
  const m = /^(.+)\.(post|release)$/.exec(kind);
  const base = m?.[1] ? (lookup<HoldResolutionKey>(HOLD_RESOLUTIONS, m[1]) ?? lookup<EntryKindKey>(ENTRY_KINDS, m[1])) : undefined;
  if (!m || !base) return kind;
  return t(m[2] === "post" ? "ledger.kind_resolved_post" : "ledger.kind_resolved_release", { kind: t(`ledger.${base}`) });
}

// Proposal kinds share the lookup above but are never an entry's kind.
const PROPOSAL_ONLY_KINDS = new Set(["ledger.adjustment", "ledger.reversal", "payment.correction", "recon.write_off", "recon.resolve", "statement.supersede", "payout.batch_release"]);

/**
 * The choices of a statement's kind filter, by label: every entry kind, and each hold resolution
 * (the server matches a choice X to X, X.post and X.release, so "Refund succeeded" finds the hold's
 * posting).
 */
export function statementKindOptions(t: Translate): Array<{ value: string; label: string }> {
  const own = Object.entries(ENTRY_KINDS)
    .filter(([kind]) => !PROPOSAL_ONLY_KINDS.has(kind))
    .map(([kind, key]) => ({ value: kind, label: t(`ledger.${key}`) }));
  const resolutions = Object.entries(HOLD_RESOLUTIONS).map(([kind, key]) => ({ value: kind, label: t(`ledger.${key}`) }));
  return [...own, ...resolutions].sort((a, b) => a.label.localeCompare(b.label));
}

// Every journal_entry.cause_type the code writes (labels.test.ts re-reads the sources), named for
// the entry page; an unknown one (a later module's) shows as its code.
const CAUSE_TYPES = {
  payment: "cause_payment",
  refund: "cause_refund",
  payout: "cause_payout",
  transfer: "cause_transfer",
  settlement: "cause_settlement",
  statement_line: "cause_statement_line",
  statement_file: "cause_statement_file",
  recon_item: "cause_recon_item",
  exception: "cause_exception",
  proposal: "cause_proposal",
  platform_fee: "cause_platform_fee",
  demo: "cause_demo",
} as const;
type CauseTypeKey = (typeof CAUSE_TYPES)[keyof typeof CAUSE_TYPES];

export function causeLabel(t: Translate, causeType: string): string {
  const key = lookup<CauseTypeKey>(CAUSE_TYPES, causeType);
  return key ? t(`ledger.${key}`) : causeType;
}

/** Where the console shows an entry's cause (getEntry's causeLink), and how the link reads. */
export function causeHref(link: { page: string; id: string | null }): string | null {
  switch (link.page) {
    case "payment":
      return link.id ? `/payments/${link.id}` : null;
    case "payout":
      return link.id ? `/payouts/${link.id}` : null;
    case "exception":
      return link.id ? `/exceptions/${link.id}` : null;
    case "proposal":
      return link.id ? `/ledger/adjustments/${link.id}` : null;
    case "wallet":
      return link.id ? `/wallets/${link.id}` : null;
    case "settlements":
      return "/settlements";
    default:
      return null;
  }
}

const CAUSE_PAGES = ["payment", "payout", "exception", "proposal", "wallet", "settlements"] as const;
type CausePage = (typeof CAUSE_PAGES)[number];

export function causeLinkLabel(t: Translate, page: string): string | null {
  return (CAUSE_PAGES as readonly string[]).includes(page) ? t(`ledger.causeOpen_${page as CausePage}`) : null;
}

// Domain codes the ledger pages can run into. The server's own message is English and carries
// details (ids, amounts); the catalogue gives the same meaning in the reader's language.
const ERROR_CODES = [
  "SELF_APPROVAL",
  "ADMIN_APPROVAL_REQUIRED",
  "PROPOSAL_DECIDED",
  "DAY_NOT_OVER",
  "DAY_ALREADY_CLOSED",
  "DAY_NOT_READY",
  "BUSINESS_DAY_CLOSED",
  "UNBALANCED",
  "ADJUSTMENT_LINE_INVALID",
  "ENTRY_ALREADY_REVERSED",
  "ENTRY_NOT_REVERSIBLE",
  "INSUFFICIENT_FUNDS",
  "ACCOUNT_NOT_FOUND",
  "RANGE_INVALID",
] as const;
type ErrorCode = (typeof ERROR_CODES)[number];

export function domainCode(error: unknown): string | null {
  const data = (error as { data?: { domainCode?: unknown } | null } | null)?.data;
  return typeof data?.domainCode === "string" ? data.domainCode : null;
}

/** The message to show for a failed ledger call: translated when the code is known, else the server's. */
export function ledgerErrorMessage(t: Translate, error: unknown): string {
  const code = domainCode(error);
  const raw = (error as { message?: unknown } | null)?.message;
  const server = errorMessage(error) ?? (typeof raw === "string" && raw ? raw : null);
  if (code && (ERROR_CODES as readonly string[]).includes(code)) {
    const text = t(`ledger.error_${code as ErrorCode}`);
    // A close check's reason is written by the module that refuses (e.g. reconciliation): keep it.
    return code === "DAY_NOT_READY" && server ? `${text} ${server}` : text;
  }
  // Anything else as the shared form mapping says it (field and validation messages included).
  const fe = formErrors(error);
  return fe.general ?? Object.values(fe.fields)[0] ?? server ?? t("ui.unknownError");
}
