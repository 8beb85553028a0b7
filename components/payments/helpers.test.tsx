import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { I18nProvider } from "@/i18n/client";
import type { Locale } from "@/i18n/define";
import { payments } from "@/i18n/messages/payments";
import { translator } from "@/i18n/translate";
import { PAYMENT_STATUSES } from "@/server/core/payments/queries";
import { TEST_ORDER_PREFIX as SERVER_TEST_PREFIX, TEST_PAYMENT_PRODUCTS } from "@/server/core/payments/test-payment";
import { causeLabel, prettyBody, statusLabel } from "./labels";
import { TransitionItem } from "./timeline";
import { PAYMENT_STATUS_LIST, TEST_ORDER_PREFIX, TEST_PRODUCT_LIST, type PaymentTransitionRow } from "./types";

function render(node: ReactNode, locale: Locale = "en") {
  return renderToStaticMarkup(
    <I18nProvider locale={locale} timeZone="Asia/Shanghai">
      {node}
    </I18nProvider>,
  );
}

describe("the payments catalogue", () => {
  it("has the same placeholders in English and Chinese", () => {
    const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const zh = payments["zh-CN"] as Record<string, string>;
    for (const [key, text] of Object.entries(payments.en)) expect(vars(zh[key] ?? ""), key).toEqual(vars(text));
  });

  it("names every status and cause in both languages", () => {
    for (const locale of ["en", "zh-CN"] as const) {
      const t = translator(locale);
      for (const s of PAYMENT_STATUS_LIST) expect(statusLabel(t, s)).not.toMatch(/^payments\./);
      for (const c of ["CREATED", "CHANNEL_RESPONSE", "QUERY", "NOTIFICATION", "CLOSE", "REVERSE", "LATE_SUCCESS", "CORRECTED_BY_RECON", "RESOLVED", "FALLBACK", "STATEMENT"]) expect(causeLabel(t, c)).not.toBe(c);
    }
    expect(causeLabel(translator("en"), "CORRECTED_BY_RECON")).toBe("Corrected by reconciliation");
    // A cause the catalogue does not know (a later slice's) shows as its code.
    expect(causeLabel(translator("en"), "SOMETHING_NEW")).toBe("SOMETHING_NEW");
  });
});

describe("the client's copies of the server's lists", () => {
  it("match", () => {
    expect([...PAYMENT_STATUS_LIST]).toEqual([...PAYMENT_STATUSES]);
    expect([...TEST_PRODUCT_LIST]).toEqual([...TEST_PAYMENT_PRODUCTS]);
    expect(TEST_ORDER_PREFIX).toBe(SERVER_TEST_PREFIX);
  });
});

describe("prettyBody", () => {
  it("indents JSON and leaves anything else as it came", () => {
    expect(prettyBody('{"a":1,"b":[2]}')).toBe('{\n  "a": 1,\n  "b": [\n    2\n  ]\n}');
    expect(prettyBody("<xml><return_code>SUCCESS</return_code></xml>")).toBe("<xml><return_code>SUCCESS</return_code></xml>");
    expect(prettyBody("{not json")).toBe("{not json");
  });
});

describe("a timeline entry", () => {
  const row: PaymentTransitionRow = {
    id: "tr1",
    fromStatus: "PROCESSING",
    toStatus: "SUCCEEDED",
    cause: "QUERY",
    reason: null,
    actor: "ops@huiyun.demo",
    createdAt: new Date("2026-11-27T08:00:00Z"),
    exchanges: [{ operation: "query", method: "LOCAL", url: "sandbox://query", requestBody: '{"outTradeNo":"SY1"}', status: 200, responseBody: '{"status":"SUCCEEDED"}', durationMs: 12.4 }],
  };

  it("shows the move, its cause and the exchange with its bodies", () => {
    const html = render(<TransitionItem row={row} />);
    expect(html).toContain("Processing");
    expect(html).toContain("Succeeded");
    expect(html).toContain("Order query");
    expect(html).toContain("query · 200 · 12 ms");
    expect(html).toContain("LOCAL sandbox://query");
    expect(html).toContain("&quot;outTradeNo&quot;: &quot;SY1&quot;");
  });

  it("says 'still' for an answer that moved nothing, in Chinese too", () => {
    const html = render(<TransitionItem row={{ ...row, toStatus: "PROCESSING", cause: "CHANNEL_RESPONSE", exchanges: [] }} />, "zh-CN");
    expect(html).toContain("仍为处理中");
    expect(html).toContain("渠道应答");
    expect(html).not.toContain("渠道交互");
  });
});
