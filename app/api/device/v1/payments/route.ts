import { deviceApiRoute, devicePaymentEndpoint } from "@/server/core/devices/api";

export const dynamic = "force-dynamic";

export const POST = deviceApiRoute(devicePaymentEndpoint);
