import { describe, expect, it } from "vitest";
import { serverRenderer } from "@/components/testing/server-render";
import { PaymentView } from "./payment-view";
import { TestPaymentDialog } from "./test-payment-dialog";
import type { PaymentDetail, PaymentTransitionRow } from "./types";

// The payment page and the test-payment dialog rendered on the server with their data in the
// query cache: every provider they need is there, and what they show comes out of the catalogue.

const setUp = serverRenderer;

const PAYMENT: PaymentDetail = {
  id: "8a1f2c3d-0000-4000-8000-000000000001",
  merchantId: "8a1f2c3d-0000-4000-8000-000000000005",
  storeId: null,
  deviceId: "CONSOLE-TEST",
  terminalInfo: { terminalId: "POS-07", deviceModel: "SUNMI T2", ip: "203.0.113.7" },
  merchantOrderNo: "TEST-20261127-AB12CD34",
  outTradeNo: "SYABC123",
  orderType: "CONSUMPTION",
  product: "WECHAT_FACE",
  amountMinor: 1002n,
  currency: "CNY",
  status: "PROCESSING",
  subject: "Console test payment",
  channelAccountId: "8a1f2c3d-0000-4000-8000-000000000002",
  channelVersion: 1,
  registrationId: "8a1f2c3d-0000-4000-8000-000000000003",
  routingDecisionId: "8a1f2c3d-0000-4000-8000-000000000004",
  feeMinor: 4n,
  costMinor: 2n,
  marginMinor: 2n,
  businessDate: "2026-11-27",
  channelTradeNo: null,
  failureCode: null,
  failureMessage: null,
  paidAt: null,
  ledgerEntryId: null,
  walletId: null,
  codeUrl: null,
  expiresAt: null,
  refundedMinor: 0n,
  lateSuccess: false,
  notifyUrl: null,
  createdAt: new Date("2026-11-27T08:00:00Z"),
  updatedAt: new Date("2026-11-27T08:00:00Z"),
  queryAttempts: 0,
  nextQueryAt: new Date("2026-11-27T08:00:05Z"),
  merchantName: "Fresh Fruit",
  storeName: null,
  channelAccountName: "Sandbox",
  channelType: "SANDBOX",
};

const TRANSITIONS: PaymentTransitionRow[] = [
  { id: "t1", fromStatus: null, toStatus: "PROCESSING", cause: "CREATED", reason: null, actor: "owner@x.test", createdAt: new Date("2026-11-27T08:00:00Z"), exchanges: [] },
  {
    id: "t2",
    fromStatus: "PROCESSING",
    toStatus: "PROCESSING",
    cause: "CHANNEL_RESPONSE",
    reason: "still processing",
    actor: "owner@x.test",
    createdAt: new Date("2026-11-27T08:00:01Z"),
    exchanges: [{ operation: "pay", method: "LOCAL", url: "sandbox://pay", requestBody: "{}", status: 200, responseBody: '{"rule":"USER_PAYING"}', durationMs: 0 }],
  },
];

describe("PaymentView", () => {
  it("shows a PROCESSING payment with its amounts, the query button and its timeline", () => {
    const { queryClient, trpc, render } = setUp();
    queryClient.setQueryData(trpc.payments.transitions.queryKey({ id: PAYMENT.id }), TRANSITIONS);
    const html = render(<PaymentView initial={PAYMENT} canQuery canReadLedger={false} />);
    expect(html).toContain("Payment TEST-20261127-AB12CD34");
    expect(html).toContain("Query the channel now");
    expect(html).toContain("¥10.02");
    expect(html).toContain("Provider margin");
    expect(html).toContain("Your role cannot see the ledger.");
    expect(html).toContain("Still Processing");
    expect(html).toContain("pay · 200 · 0 ms");
    expect(html).toContain('data-testid="processing-note"');
    // The merchant's terminal as its request described it.
    expect(html).toContain("Merchant&#x27;s terminal");
    expect(html).toContain("POS-07 · SUNMI T2 · 203.0.113.7");
  });

  it("has no query button without the permission, or once the payment is final; in Chinese", () => {
    const viewer = setUp();
    expect(viewer.render(<PaymentView initial={PAYMENT} canQuery={false} canReadLedger={false} />)).not.toContain("Query the channel now");
    // A fresh cache: the page's initial data only seeds an empty one.
    const { queryClient, trpc, render } = setUp();
    queryClient.setQueryData(trpc.payments.transitions.queryKey({ id: PAYMENT.id }), TRANSITIONS);
    const html = render(<PaymentView initial={{ ...PAYMENT, status: "SUCCEEDED", paidAt: new Date("2026-11-27T08:00:09Z") }} canQuery canReadLedger={false} />, "zh-CN");
    expect(html).not.toContain("立即向渠道查询");
    expect(html).toContain("支付成功");
    expect(html).toContain("服务商分润");
  });
});

describe("TestPaymentDialog", () => {
  it("explains the sandbox's amount rules", () => {
    const { queryClient, trpc, render } = setUp();
    queryClient.setQueryData(trpc.merchants.find.queryKey({ limit: 200, status: "ACTIVE" }), { items: [], nextCursor: null } as never);
    const html = render(<TestPaymentDialog onClose={() => {}} />);
    expect(html).toContain("An amount ending in 01 fen (e.g. ¥10.01) is declined.");
    expect(html).toContain("until the channel has been queried twice");
    expect(html).toContain("Face device ID");
  });
});
