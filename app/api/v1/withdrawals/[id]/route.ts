import { merchantApiRoute } from "@/server/core/merchant-api/handler";
import { getWithdrawalEndpoint } from "@/server/core/merchant-api/wallets";

export const dynamic = "force-dynamic";

const byId = merchantApiRoute(getWithdrawalEndpoint);

export function GET(req: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return byId(req, context);
}
