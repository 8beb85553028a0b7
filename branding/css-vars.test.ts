import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { brandCssVars, contrastRatio, linearRgb, readableForeground, readBranding, relativeLuminance } from "./css-vars";
import { DEFAULT_BRANDING } from "./defaults";
import { ZBranding, type TBranding } from "./schema";

// Contrast of the brand colours' foregrounds (WCAG 2.x, 4.5:1 for normal text) and the defensive
// read of stored branding, which must never let an invalid value through to CSS.

const hex = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([r, g, b]) => `#${[r, g, b].map((n) => n.toString(16).padStart(2, "0")).join("")}`);
const oklch = fc
  .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: -360, max: 720 }), fc.boolean())
  .map(([l, c, h, percent]) => `oklch(${percent ? `${l / 10}%` : l / 1000} ${c / 1000} ${h})`);

describe("contrast", () => {
  it("matches WCAG reference values", () => {
    expect(contrastRatio("#ffffff", "#000000")).toBeCloseTo(21, 5);
    expect(contrastRatio("#000", "#fff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#2563eb", "#2563eb")).toBe(1);
    // #767676 is the classic lightest grey that passes 4.5:1 on white.
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
    expect(contrastRatio("#777777", "#ffffff")).toBeLessThan(4.5);
    expect(relativeLuminance("#ffffff")).toBeCloseTo(1, 10);
    expect(relativeLuminance("#000000")).toBe(0);
    expect(relativeLuminance("#ff0000")).toBeCloseTo(0.2126, 4);
  });

  it("reads 3-digit hex as its 6-digit form", () => {
    expect(linearRgb("#f80")).toEqual(linearRgb("#ff8800"));
    expect(linearRgb("#ABC")).toEqual(linearRgb("#aabbcc"));
  });

  it("converts oklch like the reference matrices (white, black, sRGB red) and clamps out-of-gamut channels", () => {
    for (const [c, v] of linearRgb("oklch(1 0 0)").entries()) expect(v, `channel ${c}`).toBeCloseTo(1, 4);
    expect(linearRgb("oklch(0 0 0)")).toEqual([0, 0, 0]);
    expect(linearRgb("oklch(100% 0 0)")).toEqual(linearRgb("oklch(1 0 0)"));
    const red = linearRgb("oklch(0.627955 0.257683 29.2338)");
    expect(red[0]).toBeCloseTo(1, 3);
    expect(red[1]).toBeCloseTo(0, 3);
    expect(red[2]).toBeCloseTo(0, 3);
    expect(linearRgb("oklch(0.7 0.5 150)").every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(linearRgb("oklch(0.5 0.1 250deg)")).toEqual(linearRgb("oklch(0.5 0.1 250)"));
  });

  it("refuses a value that did not pass the schema", () => {
    expect(() => linearRgb("var(--x)")).toThrow();
  });

  it("readableForeground reaches at least 4.5:1 on any hex colour", () => {
    fc.assert(
      fc.property(hex, (bg) => {
        expect(contrastRatio(bg, readableForeground(bg))).toBeGreaterThanOrEqual(4.5);
      }),
      { numRuns: 5000 },
    );
  });

  it("readableForeground reaches at least 4.5:1 on any valid oklch colour, and picks the better of white and black", () => {
    fc.assert(
      fc.property(oklch, (bg) => {
        const fg = readableForeground(bg);
        const other = fg === "#ffffff" ? "#000000" : "#ffffff";
        expect(contrastRatio(bg, fg)).toBeGreaterThanOrEqual(4.5);
        expect(contrastRatio(bg, fg)).toBeGreaterThanOrEqual(contrastRatio(bg, other));
      }),
      { numRuns: 5000 },
    );
  });

  it("picks black on light and white on dark colours", () => {
    expect(readableForeground("#ffffff")).toBe("#000000");
    expect(readableForeground("#fde047")).toBe("#000000");
    expect(readableForeground("#000000")).toBe("#ffffff");
    expect(readableForeground("#1d4ed8")).toBe("#ffffff");
    expect(readableForeground("oklch(0.95 0.02 90)")).toBe("#000000");
    expect(readableForeground("oklch(0.3 0.1 260)")).toBe("#ffffff");
  });
});

describe("readBranding", () => {
  const valid: TBranding = {
    primaryColor: "#c2410c",
    accentColor: "oklch(0.55 0.12 250)",
    radius: "0.25rem",
    productName: "汇云刷脸服务平台",
    loginTitle: { "zh-CN": "汇云", en: "Huiyun" },
    loginSubtitle: { "zh-CN": "后台", en: "Console" },
  };

  it("returns a valid stored object as it is", () => {
    expect(readBranding(valid)).toEqual(valid);
  });

  it("falls back to the defaults for nothing, null, arrays and non-objects", () => {
    for (const stored of [undefined, null, {}, [], "#fff", 42, true]) expect(readBranding(stored), JSON.stringify(stored)).toEqual(DEFAULT_BRANDING);
  });

  it("falls back field by field: good fields are kept, each bad one takes its default", () => {
    const stored = {
      ...valid,
      primaryColor: "red;}body{display:none",
      radius: "100px",
      productName: "<script>alert(1)</script>",
      loginSubtitle: { "zh-CN": "好", en: "url(javascript:alert(1))}" },
    };
    expect(readBranding(stored)).toEqual({
      ...valid,
      primaryColor: DEFAULT_BRANDING.primaryColor,
      radius: DEFAULT_BRANDING.radius,
      productName: DEFAULT_BRANDING.productName,
      loginSubtitle: DEFAULT_BRANDING.loginSubtitle,
    });
    expect(readBranding({ ...valid, accentColor: "var(--x)" })).toEqual({ ...valid, accentColor: DEFAULT_BRANDING.accentColor });
    expect(readBranding({ primaryColor: "#123456" })).toEqual({ ...DEFAULT_BRANDING, primaryColor: "#123456" });
  });

  it("whatever is stored, the result is valid branding and its CSS variables hold only safe characters", () => {
    const field = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...["#fff", "oklch(0.5 0.1 250)", "8px", "var(--x)", "red;}", "url(x)"]), fc.anything());
    const stored = fc.oneof(
      fc.anything(),
      fc.record({ primaryColor: field, accentColor: field, radius: field, productName: field, loginTitle: fc.oneof(field, fc.record({ "zh-CN": field, en: field })), loginSubtitle: field }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(stored, (s) => {
        const b = readBranding(s);
        expect(ZBranding.safeParse(b).success).toBe(true);
        for (const v of Object.values(brandCssVars(b))) {
          expect(v).toMatch(/^[#a-z0-9.() %-]+$/i);
          expect(v).not.toMatch(/url\(|var\(|expression|[;{}<>"'\\]/i);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("brandCssVars", () => {
  it("sets the five brand variables from validated values with readable foregrounds", () => {
    expect(brandCssVars({ ...DEFAULT_BRANDING, primaryColor: "#fde047", accentColor: "#1d4ed8", radius: "8px" })).toEqual({
      "--brand-primary": "#fde047",
      "--brand-primary-foreground": "#000000",
      "--brand-accent": "#1d4ed8",
      "--brand-accent-foreground": "#ffffff",
      "--brand-radius": "8px",
    });
  });
});
