import { deviceApiRoute, heartbeatEndpoint } from "@/server/core/devices/api";

export const dynamic = "force-dynamic";

export const POST = deviceApiRoute(heartbeatEndpoint);
