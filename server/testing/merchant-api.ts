import { randomBytes } from "node:crypto";
import { authorizationHeader } from "@/server/core/merchant-api/signature";

// A fetch-less client for the merchant API in tests: builds a signed `Request` the way a merchant's
// system would, to hand straight to a route handler (GET/POST of app/api/v1/**/route.ts).

export interface TestApiKey {
  keyId: string;
  secret: string;
}

export interface SignedRequestOptions {
  host: string;
  method?: "GET" | "POST";
  /** Path and query, e.g. `/api/v1/products?orderType=CONSUMPTION&amountMinor=1000`. */
  path: string;
  key: TestApiKey;
  body?: string;
  idempotencyKey?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  nonce?: string;
  headers?: Record<string, string>;
  /** Replace the Authorization header entirely (null: send none). */
  authorization?: string | null;
}

export const newNonce = () => randomBytes(16).toString("hex");

export function signedRequest(o: SignedRequestOptions): Request {
  const method = o.method ?? (o.body === undefined ? "GET" : "POST");
  const body = o.body ?? "";
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? newNonce();
  const headers: Record<string, string> = { host: o.host, ...(o.body !== undefined ? { "content-type": "application/json" } : {}), ...o.headers };
  const authorization = o.authorization === undefined ? authorizationHeader(o.key.keyId, o.key.secret, { method, pathWithQuery: o.path, timestamp, nonce, body }) : o.authorization;
  if (authorization !== null) headers.authorization = authorization;
  if (o.idempotencyKey !== undefined) headers["idempotency-key"] = o.idempotencyKey;
  return new Request(`http://127.0.0.1:3000${o.path}`, { method, headers, ...(method === "POST" ? { body } : {}) });
}

export interface ApiResult {
  status: number;
  text: string;
  json: unknown;
  headers: Headers;
}

export async function readResult(res: Response): Promise<ApiResult> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

/** The error code of an API error response, or null. */
export function errorCode(r: ApiResult): string | null {
  const e = (r.json as { error?: { code?: unknown } } | undefined)?.error;
  return typeof e?.code === "string" ? e.code : null;
}
