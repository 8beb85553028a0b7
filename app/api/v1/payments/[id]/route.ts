import { merchantApiOperation } from "@/server/core/merchant-api/operation";
import { getPaymentEndpoint } from "@/server/core/merchant-api/payments";

export const dynamic = "force-dynamic";

const byId = merchantApiOperation(getPaymentEndpoint);

export function GET(req: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return byId(req, context);
}
