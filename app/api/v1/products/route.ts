import { products } from "@/server/core/merchant-api/endpoints";
import { merchantApiRoute } from "@/server/core/merchant-api/handler";

export const dynamic = "force-dynamic";

export const GET = merchantApiRoute(products);
