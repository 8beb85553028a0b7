import { DEFAULT_BRANDING } from "./defaults";
import { ZBranding, ZColor, ZLength, type TBranding } from "./schema";

// Contrast (WCAG 2.x). Either white or black text always reaches ≥ 4.58:1 on any colour, so
// picking the better of the two meets the 4.5:1 requirement for every valid brand colour.

function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Linear sRGB channels (0–1, clamped) of a validated hex or oklch colour. */
export function linearRgb(color: string): [number, number, number] {
  if (color.startsWith("#")) {
    const hex = color.length === 4 ? color.slice(1).split("").map((c) => c + c).join("") : color.slice(1);
    const n = Number.parseInt(hex, 16);
    return [srgbToLinear(((n >> 16) & 255) / 255), srgbToLinear(((n >> 8) & 255) / 255), srgbToLinear((n & 255) / 255)];
  }
  const m = /^oklch\(\s*([\d.]+)(%?)\s+([\d.]+)\s+(-?[\d.]+)(?:deg)?\s*\)$/.exec(color);
  if (!m) throw new Error("not a validated colour");
  const L = m[2] === "%" ? Number(m[1]) / 100 : Number(m[1]);
  const C = Number(m[3]);
  const h = (Number(m[4]) * Math.PI) / 180;
  const a = C * Math.cos(h);
  const b = C * Math.sin(h);
  // OKLab → LMS → linear sRGB (Björn Ottosson's published matrices).
  const l_ = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m_ = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s_ = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  return [
    clamp(4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_),
    clamp(-1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_),
    clamp(-0.0041960863 * l_ - 0.7034186147 * m_ + 1.707614701 * s_),
  ];
}

export function relativeLuminance(color: string): number {
  const [r, g, b] = linearRgb(color);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

export function readableForeground(background: string): "#ffffff" | "#000000" {
  return contrastRatio(background, "#ffffff") >= contrastRatio(background, "#000000") ? "#ffffff" : "#000000";
}

/**
 * Reads stored branding defensively: each field that no longer validates falls back to its
 * default, so a bad row can never inject CSS or break the console.
 */
export function readBranding(stored: unknown): TBranding {
  const whole = ZBranding.safeParse(stored);
  if (whole.success) return whole.data;
  const s = (stored && typeof stored === "object" ? stored : {}) as Record<string, unknown>;
  const pick = <T,>(schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false } }, v: unknown, d: T): T => {
    const r = schema.safeParse(v);
    return r.success ? r.data : d;
  };
  return {
    primaryColor: pick(ZColor, s.primaryColor, DEFAULT_BRANDING.primaryColor),
    accentColor: pick(ZColor, s.accentColor, DEFAULT_BRANDING.accentColor),
    radius: pick(ZLength, s.radius, DEFAULT_BRANDING.radius),
    productName: pick(ZBranding.shape.productName, s.productName, DEFAULT_BRANDING.productName),
    loginTitle: pick(ZBranding.shape.loginTitle, s.loginTitle, DEFAULT_BRANDING.loginTitle),
    loginSubtitle: pick(ZBranding.shape.loginSubtitle, s.loginSubtitle, DEFAULT_BRANDING.loginSubtitle),
  };
}

/** The CSS custom properties for <html style>; every value has passed the schema above. */
export function brandCssVars(branding: TBranding): Record<string, string> {
  return {
    "--brand-primary": branding.primaryColor,
    "--brand-primary-foreground": readableForeground(branding.primaryColor),
    "--brand-accent": branding.accentColor,
    "--brand-accent-foreground": readableForeground(branding.accentColor),
    "--brand-radius": branding.radius,
  };
}
