import type { LedgerAccountType, LedgerBook, LedgerBound } from "@/server/db/generated/prisma/enums";

// The chart of accounts. Codes are stable keys within a book; per-owner accounts append ":<id>".
// OWN holds the tenant's own books (for CUSTODIAL tenants that includes customer funds, which a
// licensed institution carries on its balance sheet); MEMO is the DIRECT tenant's memo of
// merchants' money held at the channel, which never mixes with its own.

export interface AccountDef {
  book: LedgerBook;
  code: string;
  name: string;
  type: LedgerAccountType;
  bound?: LedgerBound;
  isHot?: boolean;
}

export const OWN_ACCOUNTS: AccountDef[] = [
  { book: "OWN", code: "fee_income", name: "Fee income", type: "INCOME", isHot: true },
  { book: "OWN", code: "channel_cost", name: "Channel cost", type: "EXPENSE", isHot: true },
  { book: "OWN", code: "channel_fee_payable", name: "Channel fee payable", type: "LIABILITY", isHot: true },
  { book: "OWN", code: "margin_receivable", name: "Margin receivable (分润)", type: "ASSET", isHot: true },
  { book: "OWN", code: "margin_income", name: "Margin income (分润)", type: "INCOME", isHot: true },
  { book: "OWN", code: "platform_fee_expense", name: "Platform fee expense", type: "EXPENSE" },
  { book: "OWN", code: "platform_fee_payable", name: "Platform fee payable", type: "LIABILITY" },
  { book: "OWN", code: "device_incentive_receivable", name: "Device incentive receivable", type: "ASSET" },
  { book: "OWN", code: "device_incentive_income", name: "Device incentive income", type: "INCOME" },
  { book: "OWN", code: "overage_suspense", name: "Overage suspense (长款挂账)", type: "LIABILITY" },
  { book: "OWN", code: "shortage_suspense", name: "Shortage suspense (短款挂账)", type: "ASSET" },
  { book: "OWN", code: "unclaimed_funds_payable", name: "Unclaimed funds payable", type: "LIABILITY" },
  { book: "OWN", code: "write_off_loss", name: "Write-off loss", type: "EXPENSE" },
  { book: "OWN", code: "operating_bank", name: "Operating bank account", type: "ASSET" },
  { book: "OWN", code: "owner_equity", name: "Owner equity (adjustments)", type: "EQUITY" },
];

export const CUSTODIAL_ACCOUNTS: AccountDef[] = [
  { book: "OWN", code: "customer_funds_bank", name: "Customer funds bank account (备付金)", type: "ASSET" },
  { book: "OWN", code: "withdrawals_in_transit", name: "Withdrawals in transit", type: "LIABILITY" },
];

export const merchantAccountDefs = (mode: "DIRECT" | "CUSTODIAL", merchantId: string): AccountDef[] =>
  mode === "DIRECT"
    ? [
        { book: "MEMO", code: `merchant_funds_at_channel:${merchantId}`, name: "Merchant funds at channel", type: "ASSET" },
        { book: "MEMO", code: `merchant_settlement_due:${merchantId}`, name: "Merchant settlement due", type: "LIABILITY" },
      ]
    : [
        { book: "OWN", code: `merchant_payable_pending:${merchantId}`, name: "Merchant payable (pending)", type: "LIABILITY" },
        { book: "OWN", code: `merchant_payable_available:${merchantId}`, name: "Merchant payable (available)", type: "LIABILITY", bound: "NON_NEGATIVE" },
        { book: "OWN", code: `merchant_receivable:${merchantId}`, name: "Merchant receivable", type: "ASSET" },
        { book: "OWN", code: `merchant_reserve:${merchantId}`, name: "Merchant risk reserve (风险保证金)", type: "LIABILITY", bound: "NON_NEGATIVE" },
      ];

export const channelAccountDefs = (mode: "DIRECT" | "CUSTODIAL", channelAccountId: string): AccountDef[] =>
  mode === "DIRECT"
    ? []
    : [{ book: "OWN", code: `channel_clearing:${channelAccountId}`, name: "Channel clearing receivable", type: "ASSET", isHot: true }];

export const walletAccountDefs = (walletId: string): AccountDef[] => [
  { book: "OWN", code: `wallet:${walletId}`, name: "Customer wallet", type: "LIABILITY", bound: "NON_NEGATIVE" },
];

export interface AccountRef {
  book: LedgerBook;
  code: string;
}
export const own = (code: string): AccountRef => ({ book: "OWN", code });
export const memo = (code: string): AccountRef => ({ book: "MEMO", code });
