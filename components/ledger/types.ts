import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

// What the ledger procedures return, as the client sees it after superjson (bigint and Date intact).
type Out = inferRouterOutputs<AppRouter>;

export type LedgerAccount = Out["ledger"]["findAccounts"][number];
export type LedgerAccountDetail = Out["ledger"]["getAccount"];
export type BalanceAsOf = Out["ledger"]["balanceAsOf"];
export type ChartPage = Out["ledger"]["chartOfAccounts"];
export type StatementItem = Out["ledger"]["statement"]["items"][number];
export type JournalEntryDetail = Out["ledger"]["getEntry"];
export type TrialBalance = Out["ledger"]["trialBalance"];
export type TrialBalanceAccount = TrialBalance["accounts"][number];
export type BusinessDayRow = Out["ledger"]["businessDays"][number];
export type Proposal = Out["proposals"]["get"];

export const ACCOUNT_TYPES = ["ASSET", "LIABILITY", "EQUITY", "INCOME", "EXPENSE"] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];
export const BOOKS = ["OWN", "MEMO"] as const;
export type Book = (typeof BOOKS)[number];
export const PROPOSAL_STATUSES = ["PENDING", "APPROVED", "REJECTED", "CANCELLED"] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];
export const LEDGER_PROPOSAL_KINDS = ["ledger.adjustment", "ledger.reversal"] as const;

export function isAccountType(value: string): value is AccountType {
  return (ACCOUNT_TYPES as readonly string[]).includes(value);
}
