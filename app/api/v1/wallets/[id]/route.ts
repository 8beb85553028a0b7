import { merchantApiRoute } from "@/server/core/merchant-api/handler";
import { getWalletEndpoint } from "@/server/core/merchant-api/wallets";

export const dynamic = "force-dynamic";

const byId = merchantApiRoute(getWalletEndpoint);

export function GET(req: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return byId(req, context);
}
