import { merchantApiOperation } from "@/server/core/merchant-api/operation";
import { createPaymentEndpoint, findPaymentsEndpoint } from "@/server/core/merchant-api/payments";

export const dynamic = "force-dynamic";

// Payments call the channel between their own transactions: the multi-step wrapper.
export const POST = merchantApiOperation(createPaymentEndpoint);
export const GET = merchantApiOperation(findPaymentsEndpoint);
