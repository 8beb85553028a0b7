import { merchantApiOperation } from "@/server/core/merchant-api/operation";
import { createRefundEndpoint, listRefundsEndpoint } from "@/server/core/merchant-api/refunds";

export const dynamic = "force-dynamic";

// Refunds call the channel between their own transactions: the multi-step wrapper.
const create = merchantApiOperation(createRefundEndpoint);
const list = merchantApiOperation(listRefundsEndpoint);

export function POST(req: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return create(req, context);
}

export function GET(req: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return list(req, context);
}
