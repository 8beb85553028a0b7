import { z } from "zod";

// Anything a tenant sets here ends up inside CSS custom properties on every page, so each value
// is validated as exactly the kind of CSS value it claims to be — on write and again on read.

const HEX = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
// oklch(L C H) with L as 0–1 or 0–100%, C ≥ 0, H in degrees; no alpha, no var(), nothing else.
const OKLCH = /^oklch\(\s*(\d+(?:\.\d+)?%?)\s+(\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)(?:deg)?\s*\)$/;
// A CSS length for the corner radius: 0, or a number with px / rem / em, within sane bounds.
const LENGTH = /^(?:0|(\d+(?:\.\d+)?)(px|rem|em))$/;

export function isCssColor(value: string): boolean {
  if (HEX.test(value)) return true;
  const m = OKLCH.exec(value);
  if (!m) return false;
  const l = m[1]!.endsWith("%") ? Number(m[1]!.slice(0, -1)) / 100 : Number(m[1]);
  return l >= 0 && l <= 1 && Number(m[2]) <= 0.5;
}

export function isCssLength(value: string): boolean {
  const m = LENGTH.exec(value);
  if (!m) return false;
  if (value === "0") return true;
  const n = Number(m[1]);
  return m[2] === "px" ? n <= 32 : n <= 2;
}

export const ZColor = z.string().trim().refine(isCssColor, { message: "validation.color" });
export const ZLength = z.string().trim().refine(isCssLength, { message: "validation.length" });
const ZText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((s) => !/[<>{}]/.test(s), { message: "validation.noBrackets" });

export const ZBranding = z.object({
  primaryColor: ZColor,
  accentColor: ZColor,
  radius: ZLength,
  productName: ZText(40),
  loginTitle: z.object({ "zh-CN": ZText(60), en: ZText(60) }),
  loginSubtitle: z.object({ "zh-CN": ZText(160), en: ZText(160) }),
});
export type TBranding = z.infer<typeof ZBranding>;

export const ZBrandingUpdate = ZBranding.extend({
  defaultLocale: z.enum(["zh-CN", "en"]),
});
export type TBrandingUpdate = z.infer<typeof ZBrandingUpdate>;

export const LOGO_MAX_BYTES = 256 * 1024;
export const LOGO_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

/** Detects the image type from its first bytes; SVG is refused (it can carry script). */
export function sniffLogoType(bytes: Uint8Array): LogoType | null {
  const b = (i: number) => bytes[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return "image/png";
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return "image/jpeg";
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x38) return "image/gif";
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45 && b(10) === 0x42 && b(11) === 0x50)
    return "image/webp";
  return null;
}

export const ZLogoUpload = z.object({
  // data:<type>;base64,<data>
  dataUrl: z.string().max(Math.ceil((LOGO_MAX_BYTES * 4) / 3) + 64, { message: "validation.logoTooLarge" }),
});
