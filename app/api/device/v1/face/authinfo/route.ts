import { authInfoEndpoint, deviceApiRoute } from "@/server/core/devices/api";

export const dynamic = "force-dynamic";

// Calls the bound channel account's connector between its own transactions.
export const POST = deviceApiRoute(authInfoEndpoint);
