// 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-symbol alphabet; the last is a check
// character. Validating it catches most typing errors at onboarding.
const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function creditCodeCheckChar(first17: string): string | null {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = ALPHABET.indexOf(first17[i] ?? "?");
    if (v < 0) return null;
    sum += v * (WEIGHTS[i] ?? 0);
  }
  const c = (31 - (sum % 31)) % 31;
  return ALPHABET[c] ?? null;
}

export function isValidCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false;
  return creditCodeCheckChar(code.slice(0, 17)) === code[17];
}

/** Builds a valid code from 17 characters (demo data and tests). */
export function withCheckChar(first17: string): string {
  const c = creditCodeCheckChar(first17);
  if (!c) throw new Error("invalid characters");
  return first17 + c;
}
