import { merchantApiRoute } from "@/server/core/merchant-api/handler";
import { createWithdrawalEndpoint } from "@/server/core/merchant-api/wallets";

export const dynamic = "force-dynamic";

// No channel call: one RLS transaction with the stored Idempotency-Key response (merchantApiRoute).
export const POST = merchantApiRoute(createWithdrawalEndpoint);
