import { describe, expect, it } from "vitest";
import { serverRenderer } from "@/components/testing/server-render";
import { catalogue } from "@/i18n/catalogue";
import { translator } from "@/i18n/translate";
import { WEBHOOK_EVENT_STATUSES, WEBHOOK_EVENT_TYPES } from "@/server/core/webhooks/schema";
import { DevelopersTab } from "./developers-tab";
import { typeLabel, webhookFormErrors } from "./labels";
import { ObjectDeliveries } from "./object-deliveries";
import { AttemptsTable } from "./event-detail";
import { WEBHOOK_STATUS_LIST, WEBHOOK_TYPE_LIST, type ApiKeyRow, type ObjectWebhookEvent, type WebhookEndpoint, type WebhookEventItem } from "./types";

// The Developers tab and the per-order deliveries rendered on the server with their data in the
// query cache, in both languages: every provider they need is there, and what they show comes out
// of the catalogue (no raw message keys).

const MERCHANT = "8a1f2c3d-0000-4000-8000-00000000000a";
const OBJECT = "8a1f2c3d-0000-4000-8000-00000000000b";

const setUp = serverRenderer;

const KEY: ApiKeyRow = {
  id: "8a1f2c3d-0000-4000-8000-000000000001",
  merchantId: MERCHANT,
  keyId: "ak_0123456789abcdefABCDEFgh",
  label: "Flagship POS",
  status: "ACTIVE",
  createdBy: null,
  createdAt: new Date("2026-11-27T08:00:00Z"),
  revokedAt: null,
  revokedBy: null,
  lastUsedAt: null,
};
const ENDPOINT: WebhookEndpoint = {
  id: "8a1f2c3d-0000-4000-8000-000000000002",
  merchantId: MERCHANT,
  url: "https://hooks.fresh-fruit.example/swy",
  enabled: true,
  secretVersion: 2,
  previousSecretExpiresAt: new Date("2026-11-28T08:00:00Z"),
  createdAt: new Date("2026-11-27T08:00:00Z"),
  updatedAt: new Date("2026-11-27T09:00:00Z"),
};
const EVENT: WebhookEventItem = {
  id: "8a1f2c3d-0000-4000-8000-000000000003",
  merchantId: MERCHANT,
  type: "payment.succeeded",
  objectType: "payment",
  objectId: OBJECT,
  notifyUrl: null,
  status: "PENDING",
  attempts: 2,
  nextAttemptAt: new Date("2026-11-27T08:01:00Z"),
  deliveredAt: null,
  createdAt: new Date("2026-11-27T08:00:00Z"),
};

const noRawKeys = (html: string) => expect(html.match(/webhooks\.[a-zA-Z_]+/g) ?? []).toEqual([]);

describe("the Developers tab", () => {
  it("shows keys, the endpoint with its rotation window and the log with status chips", () => {
    const { queryClient, trpc, render } = setUp();
    queryClient.setQueryData(trpc.apiKeys.list.queryKey({ merchantId: MERCHANT }), [KEY]);
    queryClient.setQueryData(trpc.webhooks.endpoint.queryKey({ merchantId: MERCHANT }), ENDPOINT);
    queryClient.setQueryData(trpc.webhooks.find.infiniteQueryKey({ merchantId: MERCHANT, limit: 50 }), {
      pages: [{ items: [EVENT, { ...EVENT, id: "8a1f2c3d-0000-4000-8000-000000000004", status: "DELIVERED" as const, deliveredAt: new Date() }], nextCursor: "next" }],
      pageParams: [null],
    });
    const html = render(<DevelopersTab merchantId={MERCHANT} canManage />);
    expect(html).toContain("ak_0123456789abcdefABCDEFgh");
    expect(html).toContain("Flagship POS");
    expect(html).toContain("New API key");
    expect(html).toContain("https://hooks.fresh-fruit.example/swy");
    expect(html).toContain("Deliveries on");
    expect(html).toContain("Secret version 2");
    expect(html).toContain("The previous secret also signs until 11/28/2026, 16:00:00.");
    expect(html).toContain("Rotate secret");
    expect(html).toContain("Payment succeeded");
    expect(html).toContain('data-status="PENDING"');
    expect(html).toContain('data-status="DELIVERED"');
    expect(html).toContain("Load more");
    noRawKeys(html);
  });

  it("without the permission: no key list, no management buttons; in Chinese", () => {
    const { queryClient, trpc, render } = setUp();
    queryClient.setQueryData(trpc.webhooks.endpoint.queryKey({ merchantId: MERCHANT }), ENDPOINT);
    queryClient.setQueryData(trpc.webhooks.find.infiniteQueryKey({ merchantId: MERCHANT, limit: 50 }), { pages: [{ items: [EVENT], nextCursor: null }], pageParams: [null] });
    const html = render(<DevelopersTab merchantId={MERCHANT} canManage={false} />, "zh-CN");
    expect(html).toContain("只有可编辑商户的人员才能查看和管理 API 密钥。");
    expect(html).not.toContain("新建 API 密钥");
    expect(html).not.toContain("更换密钥");
    expect(html).toContain("您可以查看，但您的角色无法修改。");
    expect(html).toContain("商户通知地址");
    expect(html).toContain("待发送");
    expect(html).toContain("支付成功");
    noRawKeys(html);
  });

  it("has empty states for no keys, no endpoint and no events", () => {
    const { queryClient, trpc, render } = setUp();
    queryClient.setQueryData(trpc.apiKeys.list.queryKey({ merchantId: MERCHANT }), []);
    queryClient.setQueryData(trpc.webhooks.endpoint.queryKey({ merchantId: MERCHANT }), null);
    queryClient.setQueryData(trpc.webhooks.find.infiniteQueryKey({ merchantId: MERCHANT, limit: 50 }), { pages: [{ items: [], nextCursor: null }], pageParams: [null] });
    const html = render(<DevelopersTab merchantId={MERCHANT} canManage />);
    expect(html).toContain("No API keys yet");
    expect(html).toContain("No webhook endpoint yet");
    expect(html).toContain("Set up endpoint");
    expect(html).toContain("No events yet");
  });

  it("shows loading states while nothing is cached", () => {
    const { render } = setUp();
    const html = render(<DevelopersTab merchantId={MERCHANT} canManage />);
    expect(html.match(/role="status"/g)?.length).toBe(3);
  });
});

describe("one order's deliveries", () => {
  it("lists its events with the last attempt, and says when there are none", () => {
    const { queryClient, trpc, render } = setUp();
    const row: ObjectWebhookEvent = {
      ...EVENT,
      status: "FAILED",
      attempts: 16,
      lastAttempt: { id: "a1", attempt: 16, url: ENDPOINT.url, statusCode: 503, latencyMs: 87, responseExcerpt: "busy", error: "HTTP 503", trigger: "SCHEDULE", createdAt: new Date() },
    };
    queryClient.setQueryData(trpc.webhooks.forObject.queryKey({ objectId: OBJECT }), [row]);
    const html = render(<ObjectDeliveries objectId={OBJECT} />);
    expect(html).toContain("Failed");
    expect(html).toContain("503");
    expect(html).toContain("87 ms");
    expect(html).toContain("HTTP 503");
    const empty = setUp();
    empty.queryClient.setQueryData(empty.trpc.webhooks.forObject.queryKey({ objectId: OBJECT }), []);
    expect(empty.render(<ObjectDeliveries objectId={OBJECT} />, "zh-CN")).toContain("此订单还没有商户通知事件。");
  });

  it("the attempts table marks manual resends and shows the response excerpt", () => {
    const { render } = setUp();
    const html = render(
      <AttemptsTable
        attempts={[
          { id: "a1", attempt: 1, url: ENDPOINT.url, statusCode: 500, latencyMs: 12, responseExcerpt: '{"error":"boom"}', error: "HTTP 500", trigger: "SCHEDULE", createdAt: new Date() },
          { id: "a2", attempt: 1, url: ENDPOINT.url, statusCode: 200, latencyMs: 9, responseExcerpt: "ok", error: null, trigger: "MANUAL", createdAt: new Date() },
        ]}
      />,
    );
    expect(html).toContain("Manual resend");
    expect(html).toContain("{&quot;error&quot;:&quot;boom&quot;}");
    expect(html).toContain("12 ms");
  });
});

describe("labels", () => {
  it("the console's lists match the server's, and every status and type has both languages", () => {
    expect([...WEBHOOK_STATUS_LIST]).toEqual([...WEBHOOK_EVENT_STATUSES]);
    expect([...WEBHOOK_TYPE_LIST]).toEqual([...WEBHOOK_EVENT_TYPES]);
    for (const locale of ["en", "zh-CN"] as const) {
      const t = translator(locale);
      for (const type of WEBHOOK_TYPE_LIST) expect(typeLabel(t, type)).not.toMatch(/^webhooks\.|\./);
    }
    expect(typeLabel(translator("en"), "payout.unknown")).toBe("payout.unknown");
    expect(Object.keys(catalogue.webhooks["zh-CN"]).sort()).toEqual(Object.keys(catalogue.webhooks.en).sort());
  });

  it("domain codes of the webhook services come out translated, on their field", () => {
    const t = translator("zh-CN");
    const refused = { message: "x", data: { domainCode: "WEBHOOK_TARGET_REFUSED", field: "url", params: null } };
    expect(webhookFormErrors(t, refused).fields.url).toBe("商户通知不能发往此地址（内网、回环或链路本地地址）");
    const limit = { message: "x", data: { domainCode: "API_KEY_LIMIT", field: null, params: { max: 10 } } };
    expect(webhookFormErrors(translator("en"), limit).general).toBe("A merchant can have at most 10 active API keys; revoke one first");
  });
});
