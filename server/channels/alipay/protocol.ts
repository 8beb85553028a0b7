import { callChannel } from "../http";
import type { ChannelExchange, ChannelFailure, ConnectorContext } from "../types";
import type { AlipayConfig, AlipayMerchant } from "./config";
import { extractSignedResponse, requestSignContent, rsa2Sign, rsa2Verify } from "./signing";

// One OpenAPI 2.0 call to gateway.do. Common parameters go in the query string (as the official
// SDK does); biz_content, app_auth_token and notify_url go in the form body, so the recorded
// exchange can carry the body with the merchant's token redacted.

const BEIJING_OFFSET_MS = 8 * 3600_000;

/** `yyyy-MM-dd HH:mm:ss` in GMT+8, the only time format the gateway speaks. */
export function formatBeijing(date: Date): string {
  const iso = new Date(date.getTime() + BEIJING_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Also takes the milliseconds some fields carry (`gmt_refund` is `2015-04-28 15:45:57.320`). */
export function parseBeijing(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.slice(0, 7).map(Number);
  const seconds = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0) - BEIJING_OFFSET_MS);
  // Date.UTC rolls 2024-02-30 over to March; a value that does not round-trip is not a time.
  if (formatBeijing(seconds) !== value.slice(0, 19)) return undefined;
  return new Date(seconds.getTime() + Number((match[7] ?? "").padEnd(3, "0")));
}

/** application/x-www-form-urlencoded, UTF-8; undefined and empty values are left out. */
export function formEncode(params: Readonly<Record<string, string | undefined>>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === "") continue;
    pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  return pairs.join("&");
}

export interface AlipayReply {
  readonly code: string;
  readonly msg: string;
  readonly subCode?: string;
  readonly subMsg?: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export type GatewayResult =
  | { readonly kind: "REPLY"; readonly reply: AlipayReply; readonly exchange: ChannelExchange }
  /** No verified answer: timeout, network error, a non-200, or a response we cannot prove is Alipay's. */
  | { readonly kind: "UNKNOWN"; readonly reason: string; readonly exchange: ChannelExchange };

export interface GatewayCall {
  readonly method: string;
  readonly bizContent: Readonly<Record<string, unknown>>;
  readonly merchant?: AlipayMerchant;
  readonly notifyUrl?: string;
}

export async function invokeGateway(ctx: ConnectorContext, config: AlipayConfig, call: GatewayCall): Promise<GatewayResult> {
  const common = {
    app_id: config.appId,
    method: call.method,
    format: "JSON",
    charset: "utf-8",
    sign_type: "RSA2",
    timestamp: formatBeijing(ctx.now?.() ?? new Date()),
    version: "1.0",
  };
  const body = {
    biz_content: JSON.stringify(call.bizContent),
    app_auth_token: call.merchant?.appAuthToken,
    notify_url: call.notifyUrl,
  };
  const sign = rsa2Sign(requestSignContent({ ...common, ...body }), config.appPrivateKey);
  const separator = config.gatewayUrl.includes("?") ? "&" : "?";
  const response = await callChannel(ctx, {
    operation: call.method,
    method: "POST",
    url: `${config.gatewayUrl}${separator}${formEncode({ ...common, sign })}`,
    headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8", accept: "application/json" },
    body: formEncode(body),
    recordedBody: formEncode({ ...body, app_auth_token: body.app_auth_token === undefined ? undefined : "[redacted]" }),
  });
  if (response.outcome === "UNKNOWN") return { kind: "UNKNOWN", reason: response.reason, exchange: response.exchange };
  const exchange = response.exchange;
  if (response.status !== 200) return { kind: "UNKNOWN", reason: `HTTP ${response.status}`, exchange };

  const signed = extractSignedResponse(response.text, `${call.method.replaceAll(".", "_")}_response`);
  if (!signed) return { kind: "UNKNOWN", reason: "unrecognised gateway response", exchange };
  // An unsigned or badly signed answer proves nothing, a refusal included: treat it as no answer.
  if (signed.sign === undefined) return { kind: "UNKNOWN", reason: "gateway response is not signed", exchange };
  if (!rsa2Verify(signed.content, signed.sign, config.alipayPublicKey)) return { kind: "UNKNOWN", reason: "gateway response signature does not verify", exchange };

  const fields: unknown = JSON.parse(signed.content);
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) return { kind: "UNKNOWN", reason: "gateway response is not an object", exchange };
  const record = fields as Record<string, unknown>;
  const text = (key: string) => (typeof record[key] === "string" ? (record[key] as string) : undefined);
  const code = text("code");
  if (code === undefined) return { kind: "UNKNOWN", reason: "gateway response has no code", exchange };
  return {
    kind: "REPLY",
    reply: { code, msg: text("msg") ?? "", subCode: text("sub_code"), subMsg: text("sub_msg"), fields: record },
    exchange,
  };
}

/** A string field of a reply, or undefined. */
export function field(reply: AlipayReply, key: string): string | undefined {
  const value = reply.fields[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function replyFailure(reply: AlipayReply): ChannelFailure {
  return {
    code: reply.subCode ?? reply.code,
    message: [reply.code, reply.msg, reply.subMsg].filter((part) => part !== undefined && part !== "").join(" "),
  };
}

export function unknownFailure(reason: string): ChannelFailure {
  return { code: "UNKNOWN_RESULT", message: reason };
}
