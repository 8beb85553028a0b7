import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_BRANDING } from "./defaults";
import { BRANDING_PRESETS } from "./presets/presets";
import { isCssColor, isCssLength, sniffLogoType, ZBranding, ZBrandingUpdate, ZColor, ZLength } from "./schema";

// Every branding value ends up inside CSS custom properties on every page of the tenant, so each
// must be exactly the kind of value it claims to be: no way out of the declaration, no url(),
// no var(), no expression().

const INJECTIONS = [
  "red;}body{display:none",
  "#fff;}body{display:none",
  "#fff}",
  "#fff;",
  "#fff\nbody{}",
  "#fff /* */",
  "url(javascript:alert(1))",
  "url(https://evil.example/x.png)",
  "var(--x)",
  "var(--brand-primary)",
  "expression(alert(1))",
  "oklch(0.5 0.1 250);color:red",
  "oklch(0.5 0.1 250) !important",
  "oklch(0.5 0.1 var(--h))",
  "oklch(calc(0.5) 0.1 250)",
  "oklch(0.5 0.1 250 / 0.5)",
  "oklch(0.5 0.1 250\\29 ;x:y)",
  '"#fff"',
  "'#fff'",
  "#fff\u0000",
  "</style><script>alert(1)</script>",
  "\\23 fff",
];

describe("ZColor", () => {
  it.each(["#fff", "#FFF", "#1a73e8", "#1A73E8", "oklch(0.6 0.15 250)", "oklch(60% 0.15 250)", "oklch(0.6 0.15 250deg)", "oklch( 0.6 0.15 250 )", "oklch(0.5 0.1 -30)"])(
    "accepts %s",
    (c) => {
      expect(ZColor.safeParse(c).success).toBe(true);
    },
  );

  it("accepts oklch at the edges of its range: L 0 and 1 (0% and 100%), C 0 and 0.5", () => {
    for (const c of ["oklch(0 0 0)", "oklch(1 0 0)", "oklch(0% 0 0)", "oklch(100% 0 0)", "oklch(0.5 0.5 120)", "oklch(1 0.5 360)", "oklch(0.000 0.000 0.000)"]) {
      expect(isCssColor(c), c).toBe(true);
    }
  });

  it("refuses oklch just outside its range, or in forms it does not allow", () => {
    for (const c of ["oklch(1.0001 0 0)", "oklch(100.1% 0 0)", "oklch(2 0 0)", "oklch(0.5 0.5001 0)", "oklch(0.5 1 0)", "oklch(-0.1 0 0)", "oklch(0.5 -0.1 0)", "oklch(1. 0 0)", "oklch(.5 0 0)", "oklch(1e-1 0 0)", "oklch(0.5 0.1)", "oklch(0.5,0.1,250)", "OKLCH(0.5 0.1 250)", "oklch(0.5 0.1 250turn)", "oklch(50%% 0 0)"]) {
      expect(isCssColor(c), c).toBe(false);
    }
  });

  it("refuses other colour syntaxes and malformed hex", () => {
    for (const c of ["red", "transparent", "currentColor", "rgb(0,0,0)", "hsl(0 0% 0%)", "#ffff", "#ffffffff", "#ggg", "#12345", "fff", "", " "]) {
      expect(ZColor.safeParse(c).success, c).toBe(false);
    }
  });

  it.each(INJECTIONS)("refuses the injection attempt %j", (c) => {
    expect(ZColor.safeParse(c).success).toBe(false);
  });

  it("trims, and what it returns is the trimmed value", () => {
    expect(ZColor.parse("  #1a73e8\n")).toBe("#1a73e8");
  });

  it("never accepts a value containing anything that could end a declaration or open a function other than oklch", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const r = ZColor.safeParse(s);
        if (r.success) expect(r.data).toMatch(/^(#[0-9a-fA-F]{3,6}|oklch\([0-9.% -]+(deg)?\s*\))$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("ZLength (corner radius)", () => {
  it("accepts 0 and px/rem/em lengths up to 32px / 2rem / 2em", () => {
    for (const l of ["0", "0px", "8px", "32px", "0.5rem", "2rem", "1.5em", "2em"]) expect(isCssLength(l), l).toBe(true);
  });

  it("refuses larger values, other units, signs, bare numbers and expressions", () => {
    for (const l of ["33px", "32.5px", "2.01rem", "3em", "-1px", "+1px", "1vh", "1%", "0.5", "00", "1e1px", "8 px", "calc(1px)", "var(--r)", "8px;}", "8px !important", "", "px"]) {
      expect(ZLength.safeParse(l).success, l).toBe(false);
    }
  });

  it.each(INJECTIONS)("refuses the injection attempt %j", (l) => {
    expect(ZLength.safeParse(l).success).toBe(false);
  });
});

describe("ZBranding", () => {
  it("accepts the defaults and every preset", () => {
    expect(ZBranding.safeParse(DEFAULT_BRANDING).success).toBe(true);
    for (const [name, preset] of Object.entries(BRANDING_PRESETS)) {
      expect(ZBranding.safeParse({ ...DEFAULT_BRANDING, ...preset }).success, name).toBe(true);
    }
  });

  it("refuses angle and curly brackets in texts, and texts over their length", () => {
    const bad = [
      { productName: "<script>alert(1)</script>" },
      { productName: "a}b" },
      { productName: "x".repeat(41) },
      { loginTitle: { "zh-CN": "登录", en: "Sign in{" } },
      { loginTitle: { "zh-CN": "登".repeat(61), en: "Sign in" } },
      { loginSubtitle: { "zh-CN": "ok", en: "<img src=x onerror=alert(1)>" } },
      { loginSubtitle: { "zh-CN": "ok", en: "y".repeat(161) } },
    ];
    for (const patch of bad) expect(ZBranding.safeParse({ ...DEFAULT_BRANDING, ...patch }).success, JSON.stringify(patch)).toBe(false);
    expect(ZBranding.safeParse({ ...DEFAULT_BRANDING, productName: "汇云刷脸服务平台 — Huiyun & Co." }).success).toBe(true);
    expect(ZBranding.safeParse({ ...DEFAULT_BRANDING, productName: "x".repeat(40) }).success).toBe(true);
  });

  it("needs every field; the update also needs a known default locale", () => {
    const { radius: _r, ...withoutRadius } = DEFAULT_BRANDING;
    expect(ZBranding.safeParse(withoutRadius).success).toBe(false);
    expect(ZBrandingUpdate.safeParse({ ...DEFAULT_BRANDING, defaultLocale: "en" }).success).toBe(true);
    expect(ZBrandingUpdate.safeParse({ ...DEFAULT_BRANDING, defaultLocale: "fr" }).success).toBe(false);
    expect(ZBrandingUpdate.safeParse(DEFAULT_BRANDING).success).toBe(false);
  });
});

describe("sniffLogoType", () => {
  const bytes = (...b: number[]) => new Uint8Array(b);
  it("recognises PNG, JPEG, GIF and WebP by their first bytes", () => {
    expect(sniffLogoType(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe("image/png");
    expect(sniffLogoType(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe("image/jpeg");
    expect(sniffLogoType(new TextEncoder().encode("GIF89a...."))).toBe("image/gif");
    expect(sniffLogoType(new TextEncoder().encode("RIFF\u0000\u0000\u0000\u0000WEBPVP8 "))).toBe("image/webp");
  });

  it("refuses SVG, HTML, other RIFF files, truncated headers and nothing", () => {
    for (const text of ['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<!DOCTYPE html><html>", "RIFF\u0000\u0000\u0000\u0000WAVEfmt ", "RIFF", "GIF", ""]) {
      expect(sniffLogoType(new TextEncoder().encode(text)), text).toBeNull();
    }
    expect(sniffLogoType(bytes(0x89, 0x50, 0x4e))).toBeNull();
  });
});
