import { deviceApiRoute, getDevicePaymentEndpoint } from "@/server/core/devices/api";

export const dynamic = "force-dynamic";

const byId = deviceApiRoute(getDevicePaymentEndpoint);

export function GET(req: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return byId(req, context);
}
