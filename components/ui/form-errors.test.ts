import { afterEach, describe, expect, it } from "vitest";
import { errorText } from "./form-errors";

// How a domain error reaches a person: by its code, in the page's language. Codes whose server
// message carries the specifics (a file's bad line, why a resolution does not fit) keep them: the
// English page shows the server's message as it is, the Chinese page frames it.

const domainError = (domainCode: string, message: string, params?: Record<string, string | number>) => ({ message, data: { domainCode, ...(params ? { params } : {}) } });
const onPage = (lang: string) => ((globalThis as { document?: unknown }).document = { documentElement: { lang } });

afterEach(() => {
  delete (globalThis as { document?: unknown }).document;
});

describe("errorText", () => {
  const refused = domainError("STATEMENT_TOTALS_MISMATCH", "line 9: summary 订单总金额 is 134.40 but the 订单金额 of the detail rows adds up to 134.39", { lineNo: 9 });

  it("shows a statement's refusal in Chinese with its line and reason, and unchanged in English", () => {
    onPage("zh-CN");
    expect(errorText(refused)).toBe("明细与文件自带的汇总不符，未导入任何内容：line 9: summary 订单总金额 is 134.40 but the 订单金额 of the detail rows adds up to 134.39");
    onPage("en");
    expect(errorText(refused)).toBe(refused.message);
  });

  it("translates a code whose message has no specifics, and falls back to the server's message for a code the catalogue lacks", () => {
    onPage("zh-CN");
    expect(errorText(domainError("MATCH_PAYMENT_TAKEN", "That payment is already matched to a statement line"))).toBe("该支付已匹配到另一条账单行");
    expect(errorText(domainError("SOME_NEW_CODE", "Something the catalogue does not know"))).toBe("Something the catalogue does not know");
    onPage("en");
    expect(errorText(domainError("MATCH_PAYMENT_TAKEN", "That payment is already matched to a statement line"))).toBe("That payment is already matched to a statement line");
  });
});
