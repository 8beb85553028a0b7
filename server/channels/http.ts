import type { ChannelExchange, ConnectorContext } from "./types";

// One HTTP call to a channel with a deadline. A timeout or network failure is not an error the
// caller can act on as a refusal: the result is unknown, so it comes back as `outcome: "UNKNOWN"`
// and the payment stays PROCESSING.

export interface ChannelCall {
  readonly operation: string;
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Request body as recorded (secrets removed); defaults to the body when it is a string. */
  readonly recordedBody?: string;
}

export type ChannelResponse =
  | {
      readonly outcome: "RESPONSE";
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: Buffer;
      readonly text: string;
      readonly exchange: ChannelExchange;
    }
  | { readonly outcome: "UNKNOWN"; readonly reason: string; readonly exchange: ChannelExchange };

export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;

export async function callChannel(ctx: ConnectorContext, call: ChannelCall): Promise<ChannelResponse> {
  const doFetch = ctx.fetch ?? fetch;
  const started = performance.now();
  const recordedBody = call.recordedBody ?? (typeof call.body === "string" ? call.body : undefined);
  const base = { operation: call.operation, method: call.method, url: call.url, requestBody: recordedBody };
  try {
    const response = await doFetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body as BodyInit | undefined,
      signal: AbortSignal.timeout(ctx.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS),
    });
    const body = Buffer.from(await response.arrayBuffer());
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    const text = body.toString("utf8");
    const exchange: ChannelExchange = {
      ...base,
      status: response.status,
      responseBody: isText(headers["content-type"]) ? text.slice(0, 8000) : `<${body.length} bytes>`,
      durationMs: Math.round(performance.now() - started),
    };
    return { outcome: "RESPONSE", status: response.status, headers, body, text, exchange };
  } catch (error) {
    const reason = error instanceof Error && error.name === "TimeoutError" ? "timeout" : `network error: ${(error as Error).message}`;
    return { outcome: "UNKNOWN", reason, exchange: { ...base, durationMs: Math.round(performance.now() - started) } };
  }
}

function isText(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  return /json|xml|text|form/.test(contentType);
}
