import { receiveNotification } from "@/server/core/channels/notify";
import "@/server/core/payments/register";

// Channel callbacks (WeChat Pay v3, Alipay trade_status_sync, bank backUrl). The body is read as
// raw text: signatures cover the bytes exactly as sent.
export async function POST(request: Request, { params }: { params: Promise<{ channel: string; accountId: string }> }) {
  const { channel, accountId } = await params;
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  const body = await request.text();
  const { ack } = await receiveNotification(channel, accountId, { headers, body, receivedAt: new Date() });
  return new Response(ack.body, { status: ack.status, headers: { "content-type": ack.contentType } });
}
