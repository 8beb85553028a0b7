import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

// What the payment procedures return, as the client sees it after superjson (bigint and Date intact).
type Out = inferRouterOutputs<AppRouter>;
type In = inferRouterInputs<AppRouter>;

export type PaymentListItem = Out["payments"]["find"]["items"][number];
export type PaymentSummary = Out["payments"]["summary"];
export type PaymentDetail = Out["payments"]["get"];
export type PaymentTransitionRow = Out["payments"]["transitions"][number];
export type PaymentExchange = PaymentTransitionRow["exchanges"][number];
export type RefundRow = Out["payments"]["refunds"][number];
export type ExceptionRow = Out["exceptions"]["find"]["items"][number];
export type PaymentFilterInput = In["payments"]["summary"];
export type PaymentStatus = PaymentDetail["status"];
export type TestPaymentProduct = In["payments"]["createTest"]["product"];

// The same lists as server/core/payments (only its types may be imported here).
export const PAYMENT_STATUS_LIST = ["PROCESSING", "SUCCEEDED", "FAILED", "CLOSED"] as const satisfies readonly PaymentStatus[];
export const TEST_PRODUCT_LIST = ["WECHAT_FACE", "ALIPAY_FACE", "WECHAT_CODE", "ALIPAY_CODE", "WECHAT_QR", "ALIPAY_QR"] as const satisfies readonly TestPaymentProduct[];
export const FACE_PRODUCTS: ReadonlySet<string> = new Set(["WECHAT_FACE", "ALIPAY_FACE"]);

/** Test payments carry this prefix in their merchant order number (server/core/payments/test-payment.ts). */
export const TEST_ORDER_PREFIX = "TEST-";

/** Query-cache key of the list (invalidated after a test payment or a query). */
export const PAYMENTS_TABLE_KEY = ["payments.find"] as const;
