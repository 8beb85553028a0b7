import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

// What the wallet and payout procedures return, as the client sees it after superjson (bigint and Date intact).
type Out = inferRouterOutputs<AppRouter>;
type In = inferRouterInputs<AppRouter>;

export type WalletsOverview = Out["wallets"]["overview"];
export type WalletListItem = Out["wallets"]["find"]["items"][number];
export type WalletDetail = Out["wallets"]["get"];
export type WalletMovement = Out["wallets"]["movements"]["items"][number];
export type TransferListItem = Out["wallets"]["transfers"]["items"][number];
export type PayoutListItem = Out["wallets"]["payouts"]["find"]["items"][number];
export type PayoutDetail = Out["wallets"]["payouts"]["get"];
export type PayoutTransition = PayoutDetail["transitions"][number];
export type BatchListItem = Out["wallets"]["batches"]["find"]["items"][number];
export type BatchDetail = Out["wallets"]["batches"]["get"];
export type PayoutFilterInput = In["wallets"]["payouts"]["find"];

export type PayoutStatus = PayoutListItem["status"];
export type BatchStatus = BatchListItem["status"];
export type WalletStatus = WalletListItem["status"];

// The same lists as server/core/payouts/schema.ts (only its types may be imported here).
export const PAYOUT_STATUS_LIST = ["HELD", "BATCHED", "IN_TRANSIT", "SUCCEEDED", "FAILED", "RETURNED", "CANCELLED"] as const satisfies readonly PayoutStatus[];
export const BATCH_STATUS_LIST = ["OPEN", "PROPOSED", "RELEASED", "COMPLETED", "REJECTED"] as const satisfies readonly BatchStatus[];

export const CURRENCY = "CNY";

/** Query-cache keys of the lists (invalidated after a change). */
export const WALLETS_TABLE_KEY = ["wallets.find"] as const;
export const PAYOUTS_TABLE_KEY = ["wallets.payouts.find"] as const;
export const BATCHES_TABLE_KEY = ["wallets.batches.find"] as const;
