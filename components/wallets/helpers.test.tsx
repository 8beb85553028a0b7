import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { I18nProvider } from "@/i18n/client";
import type { Locale } from "@/i18n/define";
import { wallets } from "@/i18n/messages/wallets";
import { translator } from "@/i18n/translate";
import { BATCH_STATUSES, PAYOUT_STATUSES } from "@/server/core/payouts/schema";
import { batchStatusLabel, causeLabel, payoutStatusLabel, walletErrorMessage } from "./labels";
import { DirectModeNotice, PayoutStatusBadge } from "./parts";
import { BATCH_STATUS_LIST, PAYOUT_STATUS_LIST } from "./types";

function render(node: ReactNode, locale: Locale = "en") {
  return renderToStaticMarkup(
    <I18nProvider locale={locale} timeZone="Asia/Shanghai">
      {node}
    </I18nProvider>,
  );
}

describe("the wallets catalogue and labels", () => {
  it("has the same placeholders in English and Chinese", () => {
    const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const zh = wallets["zh-CN"] as Record<string, string>;
    for (const [key, text] of Object.entries(wallets.en)) expect(vars(zh[key] ?? ""), key).toEqual(vars(text));
  });

  it("lists the server's statuses and names each in both languages", () => {
    expect([...PAYOUT_STATUS_LIST]).toEqual([...PAYOUT_STATUSES]);
    expect([...BATCH_STATUS_LIST]).toEqual([...BATCH_STATUSES]);
    for (const locale of ["en", "zh-CN"] as const) {
      const t = translator(locale);
      for (const s of PAYOUT_STATUS_LIST) expect(payoutStatusLabel(t, s)).not.toContain("wallets.");
      for (const s of BATCH_STATUS_LIST) expect(batchStatusLabel(t, s)).not.toContain("wallets.");
    }
    const t = translator("zh-CN");
    expect(causeLabel(t, "SENT")).toBe("已发送银行");
    expect(causeLabel(t, "SOMETHING_NEW")).toBe("SOMETHING_NEW");
  });

  it("translates our error codes and leaves others as the server said them", () => {
    const t = translator("zh-CN");
    expect(walletErrorMessage(t, { data: { domainCode: "NOT_AVAILABLE_IN_DIRECT_MODE" } })).toBe("钱包、转账、提现和代付仅适用于持牌（托管）服务商");
    expect(walletErrorMessage(t, new Error("Boom"))).toBe("Boom");
    expect(walletErrorMessage(t, null)).toBeNull();
  });

  it("renders the badges and the DIRECT explanation", () => {
    expect(render(<PayoutStatusBadge status="IN_TRANSIT" />)).toContain("In transit");
    expect(render(<DirectModeNotice />, "zh-CN")).toContain("直清模式下不可用");
  });
});
