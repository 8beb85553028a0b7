import { randomBytes, randomInt } from "node:crypto";
import { z } from "zod";
import { pointsAt, simulatorUrlsFromEnv } from "@/server/channels/simulator-accounts";
import type { ProductCode } from "@/server/channels/types";
import { connectorConfig } from "@/server/core/channels/accounts";
import { previewRoute } from "@/server/core/channels/routing";
import { DomainError } from "@/server/core/errors/domain-error";
import { withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { createPayment, type PaymentView } from "./service";

// A console test payment (the "New test payment" dialog; demos and e2e): a real payment through
// createPayment, with a generated order number and made-up payment elements. Made-up elements
// only mean something to the sandbox and the local simulators, so a test payment is refused when
// routing could send it to any other channel account: a live channel must never see one.

/** The products a test payment can make up elements for (wallet and bank quick pay need a real payer). */
export const TEST_PAYMENT_PRODUCTS = ["WECHAT_FACE", "ALIPAY_FACE", "WECHAT_CODE", "ALIPAY_CODE", "WECHAT_QR", "ALIPAY_QR"] as const satisfies readonly ProductCode[];
export type TestPaymentProduct = (typeof TEST_PAYMENT_PRODUCTS)[number];

export const TEST_DEVICE_ID = "CONSOLE-TEST";
export const TEST_ORDER_PREFIX = "TEST-";

export const ZPaymentTestCreate = z.object({
  merchantId: z.string().uuid(),
  storeId: z.string().uuid().optional(),
  product: z.enum(TEST_PAYMENT_PRODUCTS),
  amountMinor: z.coerce.bigint().refine((v) => v > 0n && v <= 100_000_000_00n, { message: "validation.positive" }),
  subject: z.string().trim().min(1).max(128),
  /** Face products need a device; CONSOLE-TEST when none is given. */
  deviceId: z.string().trim().min(1).max(64).optional(),
});
export type TPaymentTestCreate = z.input<typeof ZPaymentTestCreate>;

const FACE: ReadonlySet<TestPaymentProduct> = new Set(["WECHAT_FACE", "ALIPAY_FACE"]);

function digits(n: number): string {
  return Array.from({ length: n }, () => String(randomInt(10))).join("");
}

/** TEST-20261127-3F9A1C0B: sortable by day, unique enough per merchant (a clash is refused, not overwritten). */
function testOrderNo(now: Date): string {
  return `${TEST_ORDER_PREFIX}${now.toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(4).toString("hex").toUpperCase()}`;
}

/** Elements shaped like the real ones: a face code token, or an 18-digit payment code with the wallet's prefix (WeChat 10–15, Alipay 25–30). */
function madeUpElements(product: TestPaymentProduct): { faceCode?: string; authCode?: string } {
  if (FACE.has(product)) return { faceCode: `TESTFACE${randomBytes(12).toString("hex")}` };
  if (product === "WECHAT_CODE") return { authCode: `13${digits(16)}` };
  if (product === "ALIPAY_CODE") return { authCode: `28${digits(16)}` };
  return {};
}

/**
 * Refuses when any account routing could pick now is neither the sandbox nor one of the local
 * simulators. Checked on a preview of the same request: routing picks among the ranked
 * candidates only, so if all of them are safe, so is the account createPayment is given.
 */
async function assertOnlyTestChannels(ctx: TenantContext, request: Parameters<typeof previewRoute>[2]): Promise<void> {
  const simulators = Object.values(simulatorUrlsFromEnv());
  await withTenantTx(ctx.tenantId, async (tx) => {
    const { decision } = await previewRoute(tx, ctx, request);
    if (decision.outcome !== "ROUTED") return; // createPayment refuses it with the routing reason, and keeps the decision
    for (const candidate of decision.trace.candidates) {
      if (candidate.status !== "RANKED") continue;
      const account = await connectorConfig(tx, ctx, candidate.channelAccountId);
      if (account.channelType === "SANDBOX" || simulators.some((url) => pointsAt(account.params, url))) continue;
      const named = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: candidate.channelAccountId }, select: { name: true } });
      throw new DomainError("PRECONDITION", "TEST_PAYMENT_LIVE_CHANNEL", `A test payment could be routed to the live channel account ${named?.name ?? candidate.channelAccountId}; test payments only go to sandbox or simulator accounts`, {
        params: { account: named?.name ?? candidate.channelAccountId },
      });
    }
  });
}

export async function createTestPayment(ctx: TenantContext, raw: TPaymentTestCreate, now = new Date()): Promise<PaymentView> {
  const input = ZPaymentTestCreate.parse(raw);
  const elements = madeUpElements(input.product);
  const deviceId = input.deviceId ?? (FACE.has(input.product) ? TEST_DEVICE_ID : undefined);
  await assertOnlyTestChannels(ctx, {
    merchantId: input.merchantId,
    ...(input.storeId ? { storeId: input.storeId } : {}),
    ...(deviceId ? { deviceId } : {}),
    orderType: "CONSUMPTION",
    product: input.product,
    amountMinor: input.amountMinor,
    elements: [...(elements.faceCode ? (["FACE_CODE"] as const) : []), ...(elements.authCode ? (["AUTH_CODE"] as const) : []), ...(deviceId ? (["DEVICE"] as const) : [])],
    metadata: { source: "console-test" },
  });
  return createPayment(ctx, {
    merchantId: input.merchantId,
    merchantOrderNo: testOrderNo(now),
    orderType: "CONSUMPTION",
    amountMinor: input.amountMinor,
    product: input.product,
    elements,
    ...(input.storeId ? { storeId: input.storeId } : {}),
    ...(deviceId ? { deviceId } : {}),
    subject: input.subject,
    metadata: { source: "console-test" },
  });
}
