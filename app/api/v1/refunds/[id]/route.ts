import { merchantApiOperation } from "@/server/core/merchant-api/operation";
import { getRefundEndpoint } from "@/server/core/merchant-api/refunds";

export const dynamic = "force-dynamic";

const byId = merchantApiOperation(getRefundEndpoint);

export function GET(req: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return byId(req, context);
}
