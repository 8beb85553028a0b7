import { PAYMENT_ELEMENTS, PRODUCT_CODES } from "@/server/channels/types";
import { MAX_BODY_BYTES } from "./handler";
import { IDEMPOTENCY_RETENTION_HOURS } from "./idempotency";
import { AUTH_SCHEME, TIMESTAMP_WINDOW_SECONDS } from "./signature";

// The OpenAPI document served at /api/v1/openapi.json. A test checks that its paths and methods
// are exactly the route files under app/api/v1 and the methods they export.

const errorRef = { $ref: "#/components/responses/Error" } as const;

const AUTH_CODES = ["AUTH_HEADER_MISSING", "AUTH_HEADER_MALFORMED", "TIMESTAMP_OUT_OF_WINDOW", "KEY_UNKNOWN", "KEY_REVOKED", "SIGNATURE_INVALID", "NONCE_REUSED"];

const signedErrors = {
  "400": { ...errorRef, description: "Invalid request (`INVALID_REQUEST` names the field in `error.field`; `BODY_INVALID_JSON`, `BODY_TOO_LARGE`)." },
  "401": { ...errorRef, description: `Authentication failed: ${AUTH_CODES.map((c) => `\`${c}\``).join(", ")}.` },
  "403": { ...errorRef, description: "`MERCHANT_NOT_ACTIVE`, `TENANT_SUSPENDED`." },
  "404": { ...errorRef, description: "`UNKNOWN_TENANT` (the host names no service provider) or a resource of another merchant." },
  "500": { ...errorRef, description: "`INTERNAL`: an unexpected failure; the message carries the request id." },
};

const idempotencyKeyParam = {
  name: "Idempotency-Key",
  in: "header",
  required: true,
  description: `Required on every POST: 1–255 visible ASCII characters, unique per request of your merchant. The same key with the same method, path and body returns the first response (status and body, byte for byte, with \`Idempotent-Replayed: true\`); with anything different it is 409 \`IDEMPOTENCY_KEY_REUSED\`; while the first request is still running it is 409 \`IDEMPOTENCY_KEY_IN_PROGRESS\`. Keys are kept ${IDEMPOTENCY_RETENTION_HOURS} hours.`,
  schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
} as const;

const postErrors = {
  ...signedErrors,
  "400": { ...errorRef, description: "Invalid request: `IDEMPOTENCY_KEY_MISSING`, `IDEMPOTENCY_KEY_INVALID`, `INVALID_REQUEST` (with `error.field`), `BODY_INVALID_JSON`, `BODY_TOO_LARGE`." },
  "409": { ...errorRef, description: "`IDEMPOTENCY_KEY_REUSED` or `IDEMPOTENCY_KEY_IN_PROGRESS`." },
};

export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "Switchyard merchant API",
      version: "1",
      description: [
        "Your service provider's payment API for your business systems. Send every request to your service provider's API host (the host of its console); amounts are JSON integers of minor units (fen).",
        "",
        `**Signing.** Every request except this document carries \`Authorization: ${AUTH_SCHEME} keyId=<key id>,timestamp=<unix seconds>,nonce=<random>,signature=<base64>\` where signature = base64(HMAC-SHA256(secret, METHOD + "\\n" + PATH_WITH_QUERY + "\\n" + timestamp + "\\n" + nonce + "\\n" + BODY + "\\n")). The HMAC key is the secret string (UTF-8); PATH_WITH_QUERY is the path and query exactly as sent; BODY is the body's bytes exactly as sent (empty for GET). The timestamp must be within ${TIMESTAMP_WINDOW_SECONDS} seconds of the server's clock; a nonce (16–128 characters of A–Z a–z 0–9 . _ ~ -) may be used once per key. Bodies are at most ${MAX_BODY_BYTES} bytes.`,
        "",
        "**Errors** are `{ \"error\": { \"code\": \"…\", \"message\": \"…\", \"field\": \"…\" } }` with a stable `code`; `field` names the offending input where there is one.",
      ].join("\n"),
    },
    servers: [{ url: "https://{host}", variables: { host: { default: "your-provider.example.com", description: "Your service provider's API host" } } }],
    security: [{ swy1Hmac: [] }],
    paths: {
      "/api/v1/ping": {
        get: {
          operationId: "ping",
          summary: "Check the signature: who the key is",
          responses: {
            "200": {
              description: "The key's merchant and key id",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Ping" } } },
            },
            ...signedErrors,
          },
        },
      },
      "/api/v1/echo": {
        post: {
          operationId: "echo",
          summary: "Echo the body back (an idempotent no-op for testing POST signing and idempotency)",
          parameters: [idempotencyKeyParam],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/EchoRequest" } } } },
          responses: {
            "200": { description: "What was sent, with a new echoId per execution", content: { "application/json": { schema: { $ref: "#/components/schemas/Echo" } } } },
            ...postErrors,
          },
        },
      },
      "/api/v1/products": {
        get: {
          operationId: "listProducts",
          summary: "The payment products your merchant can be paid with now, and what each needs",
          parameters: [
            { name: "orderType", in: "query", required: true, schema: { type: "string", enum: ["CONSUMPTION", "RECHARGE"] } },
            { name: "amountMinor", in: "query", required: true, description: "Amount in minor units (fen)", schema: { type: "integer", minimum: 1 } },
            { name: "storeId", in: "query", required: false, description: "One of your stores: store-level channel registrations apply", schema: { type: "string", format: "uuid" } },
            { name: "Accept-Language", in: "header", required: false, description: "zh-CN or en for `name` (default: your service provider's language)", schema: { type: "string" } },
          ],
          responses: {
            "200": { description: "The products on offer", content: { "application/json": { schema: { $ref: "#/components/schemas/ProductList" } } } },
            ...signedErrors,
            "404": { ...errorRef, description: "`STORE_NOT_FOUND` (not a store of your merchant) or `UNKNOWN_TENANT`." },
          },
        },
      },
      "/api/v1/openapi.json": {
        get: {
          operationId: "openApiDocument",
          summary: "This document",
          security: [],
          responses: { "200": { description: "The OpenAPI document", content: { "application/json": { schema: { type: "object" } } } } },
        },
      },
    },
    components: {
      securitySchemes: {
        swy1Hmac: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: `${AUTH_SCHEME} keyId=…,timestamp=…,nonce=…,signature=… (see the description above)`,
        },
      },
      responses: {
        Error: { description: "An error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string", description: "Stable, e.g. SIGNATURE_INVALID, INVALID_REQUEST, IDEMPOTENCY_KEY_REUSED" },
                message: { type: "string" },
                field: { type: "string", description: "The offending input, where there is one" },
                params: { type: "object", additionalProperties: true },
              },
            },
          },
        },
        Ping: {
          type: "object",
          required: ["merchantId", "keyId", "serverTime"],
          properties: { merchantId: { type: "string", format: "uuid" }, keyId: { type: "string" }, serverTime: { type: "string", format: "date-time" } },
        },
        EchoRequest: {
          type: "object",
          required: ["message"],
          additionalProperties: false,
          properties: { message: { type: "string", minLength: 1, maxLength: 1000 }, amountMinor: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
        },
        Echo: {
          type: "object",
          required: ["echoId", "merchantId", "keyId", "message", "receivedAt"],
          properties: {
            echoId: { type: "string", format: "uuid" },
            merchantId: { type: "string", format: "uuid" },
            keyId: { type: "string" },
            message: { type: "string" },
            amountMinor: { type: "integer" },
            receivedAt: { type: "string", format: "date-time" },
          },
        },
        ProductList: {
          type: "object",
          required: ["items"],
          properties: {
            items: {
              type: "array",
              items: {
                type: "object",
                required: ["product", "name", "names", "requiredElements"],
                properties: {
                  product: { type: "string", enum: [...PRODUCT_CODES] },
                  name: { type: "string" },
                  names: { type: "object", required: ["en", "zh-CN"], properties: { en: { type: "string" }, "zh-CN": { type: "string" } } },
                  requiredElements: { type: "array", items: { type: "string", enum: [...PAYMENT_ELEMENTS] } },
                },
              },
            },
          },
        },
      },
    },
  };
}
