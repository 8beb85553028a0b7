import { currentLocale } from "@/i18n/current-locale";
import { describe, expect, it } from "vitest";
import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { I18nProvider } from "@/i18n/client";
import type { Locale } from "@/i18n/define";
import { translator } from "@/i18n/translate";
import { AccountFields } from "./account-fields";
import { channelFormErrors } from "./errors";
import { Sentence } from "./parts";
import { DEFAULT_SETTINGS } from "./settings";
import { SettingsFields } from "./settings-fields";

function render(node: ReactNode, locale: Locale = "en") {
  return renderToStaticMarkup(
    <I18nProvider locale={locale} timeZone="Asia/Shanghai">
      {node}
    </I18nProvider>,
  );
}

const inputNamed = (html: string, name: string) => [...html.matchAll(/<input[^>]*>/g)].map((m) => m[0]).find((tag) => tag.includes(`name="${name}"`)) ?? "";
const ids = (html: string) => [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);

describe("SettingsFields", () => {
  it("labels every control once, in both languages, with errors on their fields", () => {
    for (const locale of ["en", "zh-CN"] as const) {
      const html = render(<SettingsFields draft={DEFAULT_SETTINGS} onChange={() => {}} errors={{ maxAmountMinor: "too low" }} settlementAccountLast4="1234" />, locale);
      const all = ids(html);
      expect(new Set(all).size).toBe(all.length);
      expect(html).toContain("too low");
      expect(html).toContain('placeholder="•••• 1234"');
    }
    const en = render(<SettingsFields draft={DEFAULT_SETTINGS} onChange={() => {}} errors={{}} />);
    expect(en).toContain("Maximum per payment (¥)");
    expect(render(<SettingsFields draft={DEFAULT_SETTINGS} onChange={() => {}} errors={{}} />, "zh-CN")).toContain("单笔最高（元）");
  });
});

describe("AccountFields", () => {
  const fields = [
    { key: "mchid", label: { en: "Merchant ID", zh: "商户号" }, secret: false, required: true },
    { key: "apiV3Key", label: { en: "API v3 key", zh: "APIv3 密钥" }, secret: true, required: true },
  ];

  it("renders credentials as blank password inputs, required only on create", () => {
    const create = render(<AccountFields idPrefix="c" fields={fields} values={{ mchid: "1900000001", apiV3Key: "" }} onChange={() => {}} errors={{}} mode="create" />);
    const secret = inputNamed(create, "apiV3Key");
    expect(secret).toContain('type="password"');
    expect(secret).toContain('value=""');
    expect(secret).toContain('required=""');
    expect(create).toContain('value="1900000001"');
    const configure = render(<AccountFields idPrefix="k" fields={fields} values={{ mchid: "1900000001" }} onChange={() => {}} errors={{}} mode="configure" />, "zh-CN");
    expect(inputNamed(configure, "apiV3Key")).not.toContain('required=""');
    expect(inputNamed(configure, "apiV3Key")).toContain('placeholder="不变"');
    expect(configure).toContain("密钥留空即保留当前值");
    expect(configure).toContain("商户号");
  });
});

describe("Sentence", () => {
  it("puts nodes where the translation puts the placeholders", () => {
    expect(render(<Sentence text="On {amount} the fee is {fee}" parts={{ amount: <b>¥100.00</b>, fee: <b>¥0.38</b> }} />)).toBe("On <b>¥100.00</b> the fee is <b>¥0.38</b>");
    expect(render(<Sentence text="{amount} 的手续费为 {fee}" parts={{ amount: <b>A</b>, fee: <b>F</b> }} />)).toBe("<b>A</b> 的手续费为 <b>F</b>");
  });
});

describe("channelFormErrors", () => {
  const t = translator("en");

  it("puts the channel schemas' messages on the form's own field names", () => {
    const error = {
      message: "bad",
      data: { fieldErrors: [{ path: "settings.maxAmountMinor", message: "validation.maxBelowMin", key: "validation.maxBelowMin", code: "custom", params: {} }] },
    };
    // The shared mapping translates validation keys in the page's language (here, outside a browser, the default).
    expect(channelFormErrors(t, error)).toEqual({ fields: { maxAmountMinor: translator(currentLocale())("validation.maxBelowMin") }, general: null });
  });

  it("translates channel domain codes, and moves errors of fields the form does not show to the general message", () => {
    const error = { message: "This merchant (or store) is already registered", data: { domainCode: "REGISTRATION_EXISTS", field: "channelAccountId", params: null } };
    expect(channelFormErrors(t, error).fields.channelAccountId).toBe("This merchant (or store) is already registered at this channel account");
    expect(channelFormErrors(t, error, ["status"])).toEqual({ fields: {}, general: "This merchant (or store) is already registered at this channel account" });
    const zh = channelFormErrors(translator("zh-CN"), { message: "x", data: { domainCode: "DEFAULT_FEE_RULE_REQUIRED", field: null } });
    expect(zh.general).toBe("产品的默认费率不能删除，请直接修改");
  });
});
