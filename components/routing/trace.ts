import type { CodeParams, RoutingTrace } from "./types";

// A stored decision's trace is JSON written by whichever server version routed it; read it
// defensively so a page never breaks on an old or newer shape.

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The trace if it has the shape this page reads (format 1), else null. */
export function asTrace(json: unknown): RoutingTrace | null {
  if (!isRecord(json) || json.format !== 1) return null;
  if (!isRecord(json.request) || !Array.isArray(json.candidates) || !Array.isArray(json.rules) || !Array.isArray(json.checks)) return null;
  if (!isRecord(json.strategy) || !Array.isArray(json.warnings) || !Array.isArray(json.fallbacks)) return null;
  if (!isRecord(json.omittedCandidates)) return null;
  return json as unknown as RoutingTrace;
}

const PRODUCT_CODES_WITH_PRODUCT = new Set(["PRODUCT_NOT_OFFERED", "NO_FEE_RULE", "NO_CHANNEL_FOR_PRODUCT", "NO_REGISTRATION"]);

/**
 * A stored decision keeps only its no-route code. Its parameters can be recovered where the trace
 * holds them: from the failing pre-check, or the request's product for the product-level codes.
 * Otherwise null (the candidates say the rest).
 */
export function reasonParams(trace: RoutingTrace): CodeParams | null {
  const code = trace.reason;
  if (!code) return null;
  const failed = trace.checks.find((c) => !c.ok && c.code === code);
  if (failed?.params) return failed.params;
  if (PRODUCT_CODES_WITH_PRODUCT.has(code)) return { product: trace.request.product, orderType: trace.request.orderType };
  return null;
}

/** 953000 ppm → "95.3%". */
export function ppmRate(ppm: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ppm / 1_000_000);
}

/** A fen amount stored as a decimal string, or null when it is not one. */
export function minorOf(v: unknown): bigint | null {
  if (typeof v === "string" && /^-?\d{1,19}$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  return null;
}
