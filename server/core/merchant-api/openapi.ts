import { CHANNEL_TYPES, PAYMENT_ELEMENTS, PRODUCT_CODES } from "@/server/channels/types";
import { NO_ROUTE_CODES } from "@/server/core/routing/types";
import { MAX_BODY_BYTES } from "./handler";
import { IDEMPOTENCY_RETENTION_HOURS } from "./idempotency";
import { MAX_EXCLUDED_CHANNELS } from "@/server/core/payments/schema";
import { MAX_PAYMENT_AMOUNT_MINOR } from "./schema";
import { MAX_WALLET_AMOUNT_MINOR } from "@/server/core/wallets/schema";
import { NOT_AVAILABLE_IN_DIRECT_MODE } from "@/server/core/wallets/mode";
import { AUTH_SCHEME, TIMESTAMP_WINDOW_SECONDS } from "./signature";

// The OpenAPI document served at /api/v1/openapi.json. A test checks that its paths and methods
// are exactly the route files under app/api/v1 and the methods they export.

const errorRef = { $ref: "#/components/responses/Error" } as const;

/** Why POST /api/v1/payments may be refused with 422: the routing reasons and the risk rules. */
const REFUSAL_CODES = [...NO_ROUTE_CODES, "RISK_DEVICE_VELOCITY", "RISK_PAYER_VELOCITY"];

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
      "/api/v1/payments": {
        post: {
          operationId: "createPayment",
          summary: "Create a payment for your merchant and carry it to the channel's first answer",
          description:
            "The payment is always your merchant's (a `merchantId` member is refused). Routing picks the channel account; the channel is called and its first answer applied before the response: `SUCCEEDED`, `FAILED` (with `failure`) or `PROCESSING` (the payer is still confirming, or the result is unknown — poll `GET /api/v1/payments/{id}`, which asks the channel when a query is due). A declined payment is still created: 201 with status `FAILED`. `merchantOrderNo` is unique per merchant: after a timeout retry with the same Idempotency-Key; a new key with a used order number is 409 `MERCHANT_ORDER_NO_TAKEN` (`error.params.paymentId` names the payment).",
          parameters: [idempotencyKeyParam],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/PaymentCreateRequest" } } } },
          responses: {
            "201": { description: "The payment as it stands after the channel's first answer", content: { "application/json": { schema: { $ref: "#/components/schemas/Payment" } } } },
            ...postErrors,
            "404": { ...errorRef, description: "`STORE_NOT_FOUND` (`storeId` is not a store of your merchant) or `UNKNOWN_TENANT`." },
            "409": { ...errorRef, description: "`MERCHANT_ORDER_NO_TAKEN` (with `error.params.paymentId`), `IDEMPOTENCY_KEY_REUSED` or `IDEMPOTENCY_KEY_IN_PROGRESS`." },
            "422": {
              ...errorRef,
              description: [
                `No channel can take the payment, with the routing or risk reason as \`code\`: ${REFUSAL_CODES.map((c) => `\`${c}\``).join(", ")}. \`ELEMENT_MISSING\` adds \`error.params.missing\` (the element codes to supply, comma-separated) and \`error.field\` (the first one's member, e.g. \`elements.faceCode\`).`,
                "`ALL_EXCLUDED` is also the answer when your own `routing.forceChannel` or `routing.excludeChannels` leave none of the channel accounts your merchant could be paid through for this payment: `error.field` names that member and `error.params.filter` says which (`forceChannel` or `excludeChannels`); nothing is created. A forced account that is there but cannot take this payment gives its own reason instead (e.g. `CHANNEL_PAUSED`, `AMOUNT_OUT_OF_RANGE`).",
                `\`${NOT_AVAILABLE_IN_DIRECT_MODE}\`: a RECHARGE order (or a \`walletId\`) at a service provider that does not hold funds.`,
              ].join(" "),
            },
          },
        },
        get: {
          operationId: "findPayments",
          summary: "Find your merchant's payment by its order number",
          parameters: [{ name: "merchantOrderNo", in: "query", required: true, schema: { type: "string", minLength: 1, maxLength: 64 } }],
          responses: {
            "200": { description: "The payment with that order number, or no items", content: { "application/json": { schema: { $ref: "#/components/schemas/PaymentList" } } } },
            ...signedErrors,
          },
        },
      },
      "/api/v1/payments/{id}": {
        get: {
          operationId: "getPayment",
          summary: "One of your merchant's payments (a PROCESSING payment is asked about at the channel first when its next query is due)",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": { description: "The payment", content: { "application/json": { schema: { $ref: "#/components/schemas/Payment" } } } },
            ...signedErrors,
            "404": { ...errorRef, description: "`PAYMENT_NOT_FOUND`: no such payment of your merchant; or `UNKNOWN_TENANT`." },
          },
        },
      },
      // refunds
      "/api/v1/payments/{id}/refunds": {
        post: {
          operationId: "createRefund",
          summary: "Refund all or part of a succeeded payment",
          description:
            "Refunds are asynchronous: the response carries the channel's first answer, usually `PROCESSING` or `SUCCEEDED`; `refund.succeeded`, `refund.failed`, `refund.closed` or `refund.abnormal` webhooks follow, and `GET /api/v1/refunds/{id}` asks the channel when a query is due. Several refunds per payment are allowed; those not failed or closed never exceed the payment's amount (checked under concurrency). The merchant fee is returned pro rata (half-up) and the last refund returns the remainder (`feeReturnedMinor`). A refund the channel refuses at once is still created: 201 with status `FAILED` and the channel's reason in `failure`. `merchantRefundNo` is unique per merchant.",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }, idempotencyKeyParam],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/RefundCreateRequest" } } } },
          responses: {
            "201": { description: "The refund as it stands after the channel's first answer", content: { "application/json": { schema: { $ref: "#/components/schemas/Refund" } } } },
            ...postErrors,
            "404": { ...errorRef, description: "`PAYMENT_NOT_FOUND`: no such payment of your merchant; or `UNKNOWN_TENANT`." },
            "409": { ...errorRef, description: "`MERCHANT_REFUND_NO_TAKEN` (with `error.params.refundId`), `IDEMPOTENCY_KEY_REUSED` or `IDEMPOTENCY_KEY_IN_PROGRESS`." },
            "422": {
              ...errorRef,
              description:
                "`PAYMENT_NOT_REFUNDABLE` (the payment has not succeeded), `REFUND_EXCEEDS_CAPTURED` (`error.params.refundableMinor` says how much is left), `INSUFFICIENT_MERCHANT_BALANCE` (your balance with the service provider cannot cover the refund and its policy refuses), `INSUFFICIENT_WALLET_BALANCE` (a wallet recharge is refunded out of the wallet it went into, which no longer holds that much available).",
            },
          },
        },
        get: {
          operationId: "listRefunds",
          summary: "The refunds of one of your merchant's payments, oldest first",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": { description: "The payment's refunds", content: { "application/json": { schema: { $ref: "#/components/schemas/RefundList" } } } },
            ...signedErrors,
            "404": { ...errorRef, description: "`PAYMENT_NOT_FOUND`: no such payment of your merchant; or `UNKNOWN_TENANT`." },
          },
        },
      },
      "/api/v1/refunds/{id}": {
        get: {
          operationId: "getRefund",
          summary: "One of your merchant's refunds (a PROCESSING refund is asked about at the channel first when its next query is due)",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": { description: "The refund", content: { "application/json": { schema: { $ref: "#/components/schemas/Refund" } } } },
            ...signedErrors,
            "404": { ...errorRef, description: "`REFUND_NOT_FOUND`: no such refund of your merchant; or `UNKNOWN_TENANT`." },
          },
        },
      },
      // wallets, transfers and withdrawals (CUSTODIAL providers only)
      "/api/v1/wallets": {
        post: {
          operationId: "createWallet",
          summary: "The wallet of one of your users: made now (201) or the existing one (200)",
          description: `Wallets hold your users' money at your service provider, which must be a licensed (custodial) one: otherwise every wallet, transfer and withdrawal call is 422 \`${NOT_AVAILABLE_IN_DIRECT_MODE}\`. One wallet per \`externalUserId\` (your user id) per merchant; asking again returns it with 200. Money comes in by a payment with \`orderType\` RECHARGE, moves by transfers and leaves by withdrawals.`,
          parameters: [idempotencyKeyParam],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/WalletCreateRequest" } } } },
          responses: {
            "200": { description: "The user's existing wallet", content: { "application/json": { schema: { $ref: "#/components/schemas/Wallet" } } } },
            "201": { description: "The user's new wallet", content: { "application/json": { schema: { $ref: "#/components/schemas/Wallet" } } } },
            ...postErrors,
            "422": { ...errorRef, description: `\`${NOT_AVAILABLE_IN_DIRECT_MODE}\`; \`MERCHANT_NOT_ACTIVE\` (a new wallet for a merchant that is not active).` },
          },
        },
      },
      "/api/v1/wallets/{id}": {
        get: {
          operationId: "getWallet",
          summary: "One of your merchant's wallets with its balance",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": { description: "The wallet", content: { "application/json": { schema: { $ref: "#/components/schemas/Wallet" } } } },
            ...signedErrors,
            "404": { ...errorRef, description: "`WALLET_NOT_FOUND`: no such wallet of your merchant; or `UNKNOWN_TENANT`." },
            "422": { ...errorRef, description: `\`${NOT_AVAILABLE_IN_DIRECT_MODE}\`.` },
          },
        },
      },
      "/api/v1/transfers": {
        post: {
          operationId: "createTransfer",
          summary: "Move money from one of your merchant's wallets to another, at once",
          description:
            "Both wallets must be your merchant's and ACTIVE. A transfer never overdraws: one that does not fit the from wallet's available balance (money on hold for withdrawals does not count) is 422 `INSUFFICIENT_WALLET_BALANCE` and nothing is moved. `merchantTransferNo` is unique per merchant: after a timeout, retry with the same Idempotency-Key; a new key with a used number is 409 `MERCHANT_TRANSFER_NO_TAKEN` (`error.params.transferId` names the transfer).",
          parameters: [idempotencyKeyParam],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/TransferCreateRequest" } } } },
          responses: {
            "201": { description: "The transfer (always SUCCEEDED: a refused transfer is not made)", content: { "application/json": { schema: { $ref: "#/components/schemas/Transfer" } } } },
            ...postErrors,
            "400": { ...errorRef, description: "`INVALID_REQUEST` (with `error.field`), `TRANSFER_SAME_WALLET`, `IDEMPOTENCY_KEY_MISSING`, `IDEMPOTENCY_KEY_INVALID`, `BODY_INVALID_JSON`, `BODY_TOO_LARGE`." },
            "404": { ...errorRef, description: "`WALLET_NOT_FOUND` (`error.field` names `fromWalletId` or `toWalletId`) or `UNKNOWN_TENANT`." },
            "409": { ...errorRef, description: "`MERCHANT_TRANSFER_NO_TAKEN` (with `error.params.transferId`), `IDEMPOTENCY_KEY_REUSED` or `IDEMPOTENCY_KEY_IN_PROGRESS`." },
            "422": { ...errorRef, description: `\`INSUFFICIENT_WALLET_BALANCE\`, \`WALLET_NOT_ACTIVE\` (with \`error.field\`), \`${NOT_AVAILABLE_IN_DIRECT_MODE}\`.` },
          },
        },
      },
      "/api/v1/transfers/{id}": {
        get: {
          operationId: "getTransfer",
          summary: "One of your merchant's transfers",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": { description: "The transfer", content: { "application/json": { schema: { $ref: "#/components/schemas/Transfer" } } } },
            ...signedErrors,
            "404": { ...errorRef, description: "`TRANSFER_NOT_FOUND`: no such transfer of your merchant; or `UNKNOWN_TENANT`." },
            "422": { ...errorRef, description: `\`${NOT_AVAILABLE_IN_DIRECT_MODE}\`.` },
          },
        },
      },
      "/api/v1/withdrawals": {
        post: {
          operationId: "createWithdrawal",
          summary: "Withdraw from a wallet to a bank account (提现)",
          description:
            "The amount goes on hold in the wallet at once (`availableMinor` drops; `postedMinor` drops when the payout is released) and the withdrawal is `HELD`. Your service provider gathers withdrawals into payout batches, a second person approves each batch's release (`BATCHED` → `IN_TRANSIT`), and the bank's answer ends it: `SUCCEEDED`, or `FAILED` with the amount back in the wallet automatically. A `SUCCEEDED` withdrawal may later be `RETURNED` by the payee's bank (退汇), and the amount is back in the wallet. Each outcome is announced by a `withdrawal.succeeded`, `withdrawal.failed` or `withdrawal.returned` webhook (to `notifyUrl` when given). Before release your service provider may cancel it (`CANCELLED`, the hold released). The account number is never shown again, only `bankAccount.last4`.",
          parameters: [idempotencyKeyParam],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/WithdrawalCreateRequest" } } } },
          responses: {
            "201": { description: "The withdrawal, HELD", content: { "application/json": { schema: { $ref: "#/components/schemas/Withdrawal" } } } },
            ...postErrors,
            "404": { ...errorRef, description: "`WALLET_NOT_FOUND` (`error.field` is `walletId`) or `UNKNOWN_TENANT`." },
            "409": { ...errorRef, description: "`MERCHANT_WITHDRAWAL_NO_TAKEN` (with `error.params.withdrawalId`), `IDEMPOTENCY_KEY_REUSED` or `IDEMPOTENCY_KEY_IN_PROGRESS`." },
            "422": { ...errorRef, description: `\`INSUFFICIENT_WALLET_BALANCE\`, \`WALLET_NOT_ACTIVE\`, \`${NOT_AVAILABLE_IN_DIRECT_MODE}\`.` },
          },
        },
      },
      "/api/v1/withdrawals/{id}": {
        get: {
          operationId: "getWithdrawal",
          summary: "One of your merchant's withdrawals",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": { description: "The withdrawal", content: { "application/json": { schema: { $ref: "#/components/schemas/Withdrawal" } } } },
            ...signedErrors,
            "404": { ...errorRef, description: "`WITHDRAWAL_NOT_FOUND`: no such withdrawal of your merchant; or `UNKNOWN_TENANT`." },
            "422": { ...errorRef, description: `\`${NOT_AVAILABLE_IN_DIRECT_MODE}\`.` },
          },
        },
      },
      // end of wallets, transfers and withdrawals
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
        PaymentCreateRequest: {
          type: "object",
          required: ["merchantOrderNo", "amountMinor", "product", "subject"],
          additionalProperties: false,
          properties: {
            merchantOrderNo: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$", description: "Your order number; unique per merchant" },
            orderType: { type: "string", enum: ["CONSUMPTION", "RECHARGE"], default: "CONSUMPTION" },
            amountMinor: { type: "integer", minimum: 1, maximum: Number(MAX_PAYMENT_AMOUNT_MINOR), description: "Amount in minor units (fen)" },
            currency: { type: "string", enum: ["CNY"], default: "CNY" },
            product: { type: "string", enum: [...PRODUCT_CODES] },
            elements: {
              type: "object",
              additionalProperties: false,
              description: "What the payer or device supplied; `GET /api/v1/products` says which each product needs",
              properties: {
                faceCode: { type: "string", minLength: 1, maxLength: 128, description: "FACE_CODE: WeChat face_code / Alipay ftoken from the device SDK" },
                authCode: { type: "string", pattern: "^[0-9]{16,24}$", description: "AUTH_CODE: the payment code scanned from the payer's phone" },
                payerIp: { type: "string", maxLength: 64, description: "PAYER_IP" },
              },
            },
            storeId: { type: "string", format: "uuid", description: "One of your stores" },
            walletId: { type: "string", format: "uuid", description: "RECHARGE (licensed service providers only): the wallet the money goes into; other tenants get 422 `NOT_AVAILABLE_IN_DIRECT_MODE`" },
            deviceId: { type: "string", minLength: 1, maxLength: 64, description: "DEVICE: the device's id" },
            terminalInfo: {
              type: "object",
              additionalProperties: false,
              description:
                "Your terminal (the till, POS or kiosk taking the payment), kept with the payment and passed to the channel where its protocol has a place: `terminalId` goes to WeChat Pay as `device_info` (micropay) or `scene_info.device_id` (QR) and to Alipay as `terminal_id`, unless `deviceId` is given (a face device's own id always goes there); `ip` goes to WeChat Pay's micropay as `spbill_create_ip`. `deviceModel` and `location` are kept with the payment only. Unknown members and anything longer than stated are 400 `INVALID_REQUEST` naming the member.",
              properties: {
                terminalId: { type: "string", minLength: 1, maxLength: 32, pattern: "^[A-Za-z0-9_-]+$", description: "Your own number for the terminal" },
                deviceModel: { type: "string", minLength: 1, maxLength: 64, description: "The terminal's make and model, e.g. `Sunmi T2`" },
                ip: { type: "string", anyOf: [{ format: "ipv4" }, { format: "ipv6" }], description: "The terminal's IPv4 or IPv6 address" },
                location: {
                  type: "string",
                  pattern: "^[+-]?[0-9]{1,2}(\\.[0-9]{1,8})?,[+-]?[0-9]{1,3}(\\.[0-9]{1,8})?$",
                  description: "Where the terminal is: `latitude,longitude` in decimal degrees, e.g. `31.2304,121.4737`",
                },
              },
            },
            routing: {
              type: "object",
              additionalProperties: false,
              description:
                "Your own narrowing of routing for this payment. Each entry is either a channel type (every channel account of that type) or a channel account id — the `channel.type` and `channel.accountId` a payment shows. It applies to the channel accounts your merchant is registered at before routing chooses, and a fallback after a decline stays inside it too. When it leaves none that could carry the payment the answer is 422 `ALL_EXCLUDED` naming the member in `error.field`. An unknown channel type is 400 `INVALID_REQUEST`; an id that is not one of the accounts your merchant can use simply matches nothing.",
              properties: {
                forceChannel: { $ref: "#/components/schemas/ChannelRef", description: "Only this channel type or account" },
                excludeChannels: {
                  type: "array",
                  maxItems: MAX_EXCLUDED_CHANNELS,
                  items: { $ref: "#/components/schemas/ChannelRef" },
                  description: "Never these channel types or accounts (an exclusion wins over `forceChannel`)",
                },
              },
            },
            subject: { type: "string", minLength: 1, maxLength: 128, description: "What the payer sees" },
            notifyUrl: { type: "string", format: "uri", maxLength: 512, description: "Overrides your webhook endpoint for this payment's events. Notifications are signed with your webhook endpoint's secret, so a notifyUrl needs an endpoint: without one the request is 422 `WEBHOOK_ENDPOINT_REQUIRED`." },
            metadata: { type: "object", additionalProperties: { type: "string", maxLength: 512 }, description: "Your own string values, kept with the payment" },
          },
        },
        ChannelRef: {
          description: "A channel: a channel type, or one channel account by its id",
          anyOf: [
            { type: "string", enum: [...CHANNEL_TYPES], description: "A channel type: every channel account of that type" },
            { type: "string", format: "uuid", description: "One channel account: the `channel.accountId` of a payment" },
          ],
        },
        Payment: {
          type: "object",
          required: ["id", "merchantOrderNo", "orderType", "status", "amountMinor", "refundedMinor", "currency", "product", "subject", "channel", "feeMinor", "createdAt"],
          properties: {
            id: { type: "string", format: "uuid" },
            merchantOrderNo: { type: "string" },
            orderType: { type: "string", enum: ["CONSUMPTION", "RECHARGE"] },
            status: { type: "string", enum: ["PROCESSING", "SUCCEEDED", "FAILED", "CLOSED"] },
            amountMinor: { type: "integer" },
            refundedMinor: { type: "integer", description: "Σ of the payment's succeeded refunds" },
            currency: { type: "string" },
            product: { type: "string", enum: [...PRODUCT_CODES] },
            subject: { type: "string" },
            storeId: { type: "string", format: "uuid" },
            deviceId: { type: "string" },
            channel: {
              type: "object",
              required: ["type", "accountId"],
              properties: { type: { type: "string", enum: [...CHANNEL_TYPES] }, accountId: { type: "string", format: "uuid" } },
            },
            channelTradeNo: { type: "string", description: "The channel's transaction number, once it has one" },
            feeMinor: { type: "integer", description: "Your fee for this payment in minor units" },
            createdAt: { type: "string", format: "date-time" },
            paidAt: { type: "string", format: "date-time", description: "When SUCCEEDED" },
            walletId: { type: "string", format: "uuid", description: "RECHARGE: the wallet the money went into" },
            codeUrl: { type: "string", description: "QR products, while PROCESSING: the code to show the payer" },
            expiresAt: { type: "string", format: "date-time", description: "QR products: when an unpaid order is closed at the channel" },
            lateSuccess: { type: "boolean", description: "true when the channel reported the success after the payment had failed or closed (see the `payment.late_succeeded` webhook)" },
            failure: {
              type: "object",
              description: "When FAILED or CLOSED",
              required: ["code", "message"],
              properties: { code: { type: "string" }, message: { type: ["string", "null"] } },
            },
          },
        },
        RefundCreateRequest: {
          type: "object",
          additionalProperties: false,
          required: ["merchantRefundNo", "amountMinor", "reason"],
          properties: {
            merchantRefundNo: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$", description: "Your refund number, unique per merchant" },
            amountMinor: { type: "integer", minimum: 1, description: "The amount to refund in minor units (fen)" },
            reason: { type: "string", minLength: 1, maxLength: 256 },
            notifyUrl: { type: "string", format: "uri", maxLength: 512, description: "Overrides your webhook endpoint for this refund's events (default: the payment's notifyUrl, else your endpoint). Notifications are signed with your webhook endpoint's secret, so a notifyUrl needs an endpoint: without one the request is 422 `WEBHOOK_ENDPOINT_REQUIRED`." },
          },
        },
        Refund: {
          type: "object",
          required: ["id", "paymentId", "merchantRefundNo", "status", "amountMinor", "currency", "feeReturnedMinor", "reason", "createdAt"],
          properties: {
            id: { type: "string", format: "uuid" },
            paymentId: { type: "string", format: "uuid" },
            merchantRefundNo: { type: "string" },
            status: { type: "string", enum: ["PROCESSING", "SUCCEEDED", "FAILED", "CLOSED", "ABNORMAL"], description: "ABNORMAL: the payer's card or account could not take the money; your service provider refunds the payer's bank account and the refund then succeeds" },
            amountMinor: { type: "integer" },
            currency: { type: "string" },
            feeReturnedMinor: { type: "integer", description: "The part of your fee returned with this refund" },
            reason: { type: "string" },
            channelRefundNo: { type: "string" },
            createdAt: { type: "string", format: "date-time" },
            refundedAt: { type: "string", format: "date-time", description: "When SUCCEEDED" },
            failure: { type: "object", description: "When FAILED or CLOSED", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: ["string", "null"] } } },
          },
        },
        RefundList: {
          type: "object",
          required: ["items"],
          properties: { items: { type: "array", items: { $ref: "#/components/schemas/Refund" } } },
        },
        PaymentList: {
          type: "object",
          required: ["items"],
          properties: { items: { type: "array", items: { $ref: "#/components/schemas/Payment" } } },
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
        // wallets, transfers and withdrawals
        WalletCreateRequest: {
          type: "object",
          required: ["externalUserId"],
          additionalProperties: false,
          properties: { externalUserId: { type: "string", minLength: 1, maxLength: 64, pattern: "^[\\x21-\\x7e]+$", description: "Your user's id; one wallet per user per merchant" } },
        },
        Wallet: {
          type: "object",
          required: ["id", "externalUserId", "status", "postedMinor", "availableMinor", "currency", "createdAt"],
          properties: {
            id: { type: "string", format: "uuid" },
            externalUserId: { type: "string" },
            status: { type: "string", enum: ["ACTIVE", "FROZEN", "CLOSED"] },
            postedMinor: { type: "integer", description: "The wallet's balance in the books, minor units" },
            availableMinor: { type: "integer", description: "What can be transferred or withdrawn now: posted minus withdrawals on hold" },
            currency: { type: "string" },
            createdAt: { type: "string", format: "date-time" },
          },
        },
        TransferCreateRequest: {
          type: "object",
          required: ["merchantTransferNo", "fromWalletId", "toWalletId", "amountMinor"],
          additionalProperties: false,
          properties: {
            merchantTransferNo: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$", description: "Your transfer number; unique per merchant" },
            fromWalletId: { type: "string", format: "uuid" },
            toWalletId: { type: "string", format: "uuid" },
            amountMinor: { type: "integer", minimum: 1, maximum: Number(MAX_WALLET_AMOUNT_MINOR), description: "Amount in minor units (fen)" },
          },
        },
        Transfer: {
          type: "object",
          required: ["id", "merchantTransferNo", "fromWalletId", "toWalletId", "amountMinor", "currency", "status", "createdAt"],
          properties: {
            id: { type: "string", format: "uuid" },
            merchantTransferNo: { type: "string" },
            fromWalletId: { type: "string", format: "uuid" },
            toWalletId: { type: "string", format: "uuid" },
            amountMinor: { type: "integer" },
            currency: { type: "string" },
            status: { type: "string", enum: ["SUCCEEDED"] },
            createdAt: { type: "string", format: "date-time" },
          },
        },
        WithdrawalCreateRequest: {
          type: "object",
          required: ["merchantWithdrawalNo", "walletId", "amountMinor", "bankAccount"],
          additionalProperties: false,
          properties: {
            merchantWithdrawalNo: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$", description: "Your withdrawal number; unique per merchant" },
            walletId: { type: "string", format: "uuid" },
            amountMinor: { type: "integer", minimum: 1, maximum: Number(MAX_WALLET_AMOUNT_MINOR), description: "Amount in minor units (fen)" },
            bankAccount: {
              type: "object",
              required: ["name", "number", "bankCode"],
              additionalProperties: false,
              properties: {
                name: { type: "string", minLength: 1, maxLength: 60, description: "The account holder's name as the bank has it (at most 60 characters)" },
                number: { type: "string", pattern: "^[0-9]{8,30}$", description: "The bank account or card number" },
                bankCode: { type: "string", pattern: "^[0-9A-Za-z]{3,12}$", description: "The bank's code (e.g. its CNAPS or short code such as ICBC)" },
              },
            },
            notifyUrl: { type: "string", format: "uri", maxLength: 512, description: "Overrides your webhook endpoint for this withdrawal's events. Notifications are signed with your webhook endpoint's secret, so a notifyUrl needs an endpoint: without one the request is 422 `WEBHOOK_ENDPOINT_REQUIRED`." },
          },
        },
        Withdrawal: {
          type: "object",
          required: ["id", "merchantWithdrawalNo", "walletId", "amountMinor", "currency", "status", "bankAccount", "createdAt"],
          properties: {
            id: { type: "string", format: "uuid" },
            merchantWithdrawalNo: { type: "string" },
            walletId: { type: "string", format: "uuid" },
            amountMinor: { type: "integer" },
            currency: { type: "string" },
            status: { type: "string", enum: ["HELD", "BATCHED", "IN_TRANSIT", "SUCCEEDED", "FAILED", "RETURNED", "CANCELLED"] },
            bankAccount: {
              type: "object",
              required: ["name", "last4", "bankCode"],
              properties: { name: { type: "string" }, last4: { type: "string", description: "The account number's last four digits (the number itself is never shown)" }, bankCode: { type: "string" } },
            },
            createdAt: { type: "string", format: "date-time" },
            completedAt: { type: "string", format: "date-time", description: "When the bank's answer (or a cancel) ended it" },
            failure: { type: "object", description: "When FAILED, RETURNED or CANCELLED", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: ["string", "null"] } } },
          },
        },
        // end of wallets, transfers and withdrawals
      },
    },
  };
}
