import { describe, expect, it } from "vitest";
import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { I18nProvider } from "@/i18n/client";
import type { Locale } from "@/i18n/define";
import { DateTime } from "./date-time";
import { Field } from "./field";
import { Input } from "./input";
import { Money } from "./money";
import { ProgressBar } from "./progress";
import { ErrorState } from "./states";

function render(node: ReactNode, locale: Locale = "zh-CN") {
  return renderToStaticMarkup(
    <I18nProvider locale={locale} timeZone="Asia/Shanghai">
      {node}
    </I18nProvider>,
  );
}

describe("Money", () => {
  it("renders exact, right-aligned, tabular; negatives in danger", () => {
    const html = render(<Money amountMinor={-123456n} currency="CNY" />);
    expect(html).toContain("-¥1,234.56");
    expect(html).toMatch(/class="[^"]*\btabular\b[^"]*\btext-right\b[^"]*\btext-danger\b/);
    expect(render(<Money amountMinor={9_007_199_254_740_993n} currency="CNY" />)).toContain("¥90,071,992,547,409.93");
  });

  it("refuses a number that slipped past the type", () => {
    const amount = 100 as unknown as bigint;
    expect(() => render(<Money amountMinor={amount} currency="CNY" />)).toThrow(TypeError);
  });
});

describe("Field", () => {
  it("wires label, hint and error to the control", () => {
    const html = render(
      <Field label="Name" hint="Shown to merchants" error="Required" required id="name">
        <Input />
      </Field>,
    );
    expect(html).toContain('for="name"');
    expect(html).toContain('id="name"');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('aria-describedby="name-error name-hint"');
    expect(html).toContain('required=""');
  });

  it("leaves a valid control alone", () => {
    const html = render(
      <Field label="Name" id="n">
        <Input />
      </Field>,
    );
    expect(html).not.toContain("aria-invalid");
    expect(html).not.toContain("aria-describedby");
  });
});

describe("ProgressBar", () => {
  it("exposes determinate values", () => {
    const html = render(<ProgressBar label="Export" done={3} total={10} />, "en");
    expect(html).toContain('role="progressbar"');
    expect(html).toContain('aria-valuenow="3"');
    expect(html).toContain('aria-valuemax="10"');
    expect(html).toContain("3 of 10");
  });

  it("omits aria-valuenow when indeterminate", () => {
    const html = render(<ProgressBar label="Export" done={1200} valueText="1,200 rows fetched" />, "en");
    expect(html).not.toContain("aria-valuenow");
    expect(html).toContain('aria-valuetext="1,200 rows fetched"');
  });
});

describe("DateTime", () => {
  it("formats in the tenant time zone, not the process's (UTC in tests)", () => {
    const html = render(<DateTime value="2024-01-31T16:30:00Z" />);
    expect(html).toContain("2024/02/01 00:30:00");
    expect(html).toContain('dateTime="2024-01-31T16:30:00.000Z"');
  });

  it("shows a dash for null and the raw text for an invalid date", () => {
    expect(render(<DateTime value={null} />)).toContain("—");
    expect(render(<DateTime value="not a date" />)).toContain("not a date");
  });
});

describe("ErrorState", () => {
  it("translates its chrome and shows the error message", () => {
    const zh = render(<ErrorState error={new Error("boom")} onRetry={() => {}} />);
    expect(zh).toContain("出错了");
    expect(zh).toContain("重试");
    expect(zh).toContain("boom");
    expect(render(<ErrorState error={{}} />, "en")).toContain("An unexpected error occurred.");
  });
});
