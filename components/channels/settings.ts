import type { MessageKey } from "@/i18n/catalogue";
import { fenToYuanText, parseYuan } from "@/components/ledger/amount-input";
import { formatRate, parseRate, type RateUnit } from "./rate";
import type { ChannelAccountDetail, ChannelSettingsInput } from "./types";

// A channel account's settings as the form holds them (text as typed, yuan, rates in % or ‰) and
// the conversion to what the server takes (fen as bigint, rates in ppm, null for "no limit").
// Problems found here are keyed by the schema's field names, so they sit where the server's own
// field errors for the same field would.

export interface SettingsDraft {
  priority: string;
  weight: string;
  minAmount: string;
  maxAmount: string;
  dailyAmountCap: string;
  dailyCountCap: string;
  windowStart: string;
  windowEnd: string;
  costRate: string;
  costRateUnit: RateUnit;
  costFixed: string;
  costMin: string;
  costMax: string;
  settlementAccountName: string;
  settlementBankName: string;
  settlementCycle: "T1" | "D1";
  /** Only ever typed, never loaded: blank keeps the stored number. */
  settlementAccountNumber: string;
  autoPause: boolean;
  healthWindowSeconds: string;
  healthMinSample: string;
  /** Percent. */
  healthErrorRate: string;
  healthCooldownSeconds: string;
}

/** The database defaults of a new account (prisma: ChannelAccount). */
export const DEFAULT_SETTINGS: SettingsDraft = {
  priority: "100",
  weight: "1",
  minAmount: "",
  maxAmount: "",
  dailyAmountCap: "",
  dailyCountCap: "",
  windowStart: "",
  windowEnd: "",
  costRate: "0",
  costRateUnit: "percent",
  costFixed: "0.00",
  costMin: "0.00",
  costMax: "",
  settlementAccountName: "",
  settlementBankName: "",
  settlementCycle: "T1",
  settlementAccountNumber: "",
  autoPause: true,
  healthWindowSeconds: "300",
  healthMinSample: "20",
  healthErrorRate: "50",
  healthCooldownSeconds: "120",
};

const yuan = (fen: bigint | null) => (fen === null ? "" : fenToYuanText(fen));

export function draftFromAccount(a: ChannelAccountDetail): SettingsDraft {
  return {
    priority: String(a.priority),
    weight: String(a.weight),
    minAmount: yuan(a.minAmountMinor),
    maxAmount: yuan(a.maxAmountMinor),
    dailyAmountCap: yuan(a.dailyAmountCap),
    dailyCountCap: a.dailyCountCap === null ? "" : String(a.dailyCountCap),
    windowStart: a.windowStart ?? "",
    windowEnd: a.windowEnd ?? "",
    costRate: formatRate(a.costRatePpm, "percent"),
    costRateUnit: "percent",
    costFixed: yuan(a.costFixedMinor),
    costMin: yuan(a.costMinMinor),
    costMax: yuan(a.costMaxMinor),
    settlementAccountName: a.settlementAccountName ?? "",
    settlementBankName: a.settlementBankName ?? "",
    settlementCycle: a.settlementCycle === "D1" ? "D1" : "T1",
    settlementAccountNumber: "",
    autoPause: a.autoPause,
    healthWindowSeconds: String(a.healthWindowSeconds),
    healthMinSample: String(a.healthMinSample),
    healthErrorRate: formatRate(a.healthErrorRatePpm, "percent"),
    healthCooldownSeconds: String(a.healthCooldownSeconds),
  };
}

export type FieldProblems = Record<string, MessageKey>;

/** The schema's names of the fields SettingsFields shows (where their errors are displayed). */
export const SETTINGS_FIELD_NAMES = [
  "priority",
  "weight",
  "minAmountMinor",
  "maxAmountMinor",
  "dailyAmountCap",
  "dailyCountCap",
  "windowStart",
  "windowEnd",
  "costRatePpm",
  "costFixedMinor",
  "costMinMinor",
  "costMaxMinor",
  "settlementAccountName",
  "settlementBankName",
  "settlementCycle",
  "settlementAccountNumber",
  "healthWindowSeconds",
  "healthMinSample",
  "healthErrorRatePpm",
  "healthCooldownSeconds",
] as const;

/** Full-width digits from a Chinese input method count as digits. */
function ascii(text: string): string {
  return text.replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).trim();
}

/** Yuan text → fen; blank is null when allowed. Problems go into `problems` under `key`. */
export function readAmount(text: string, key: string, problems: FieldProblems, options: { optional: boolean; positive?: boolean }): bigint | null {
  if (text.trim() === "") {
    if (!options.optional) problems[key] = "channels.requiredField";
    return null;
  }
  const r = parseYuan(text);
  if (!r.ok) {
    problems[key] = r.error === "empty" ? "channels.requiredField" : `channels.amountError_${r.error}`;
    return null;
  }
  if (options.positive && r.fen === 0n) {
    problems[key] = "channels.validation_positive";
    return null;
  }
  return r.fen;
}

/** A whole number in [min, max]; blank is null when allowed. */
export function readInteger(text: string, key: string, problems: FieldProblems, options: { optional: boolean; min: number; max: number }): number | null {
  const s = ascii(text);
  if (s === "") {
    if (!options.optional) problems[key] = "channels.requiredField";
    return null;
  }
  if (!/^\d+$/.test(s)) {
    problems[key] = "channels.integerError";
    return null;
  }
  const n = Number(s);
  if (n < options.min || n > options.max) {
    problems[key] = "channels.rangeError";
    return null;
  }
  return n;
}

/** A rate in ppm; blank is null when allowed. */
export function readRate(text: string, unit: RateUnit, key: string, problems: FieldProblems, options: { optional: boolean }): number | null {
  if (text.trim() === "") {
    if (!options.optional) problems[key] = "channels.requiredField";
    return null;
  }
  const r = parseRate(text, unit);
  if (!r.ok) {
    problems[key] = r.error === "empty" ? "channels.requiredField" : `channels.rateError_${r.error}`;
    return null;
  }
  return r.ppm;
}

export type SettingsResult = { ok: true; settings: ChannelSettingsInput } | { ok: false; problems: FieldProblems };

/**
 * The whole settings object (every field, so a cleared limit is sent as null and removed). Range
 * checks across fields (max below min, half a time window) are the server's: its messages come
 * back on the same fields.
 */
export function settingsPayload(d: SettingsDraft): SettingsResult {
  const p: FieldProblems = {};
  const priority = readInteger(d.priority, "priority", p, { optional: false, min: 0, max: 10_000 });
  const weight = readInteger(d.weight, "weight", p, { optional: false, min: 0, max: 10_000 });
  const minAmountMinor = readAmount(d.minAmount, "minAmountMinor", p, { optional: true, positive: true });
  const maxAmountMinor = readAmount(d.maxAmount, "maxAmountMinor", p, { optional: true, positive: true });
  const dailyAmountCap = readAmount(d.dailyAmountCap, "dailyAmountCap", p, { optional: true, positive: true });
  const dailyCountCap = readInteger(d.dailyCountCap, "dailyCountCap", p, { optional: true, min: 1, max: 2_147_483_647 });
  const costRatePpm = readRate(d.costRate, d.costRateUnit, "costRatePpm", p, { optional: false });
  const costFixedMinor = readAmount(d.costFixed || "0", "costFixedMinor", p, { optional: false });
  const costMinMinor = readAmount(d.costMin || "0", "costMinMinor", p, { optional: false });
  const costMaxMinor = readAmount(d.costMax, "costMaxMinor", p, { optional: true });
  const accountNumber = d.settlementAccountNumber.replace(/\s/g, "");
  const healthWindowSeconds = readInteger(d.healthWindowSeconds, "healthWindowSeconds", p, { optional: false, min: 30, max: 86_400 });
  const healthMinSample = readInteger(d.healthMinSample, "healthMinSample", p, { optional: false, min: 1, max: 100_000 });
  const healthErrorRatePpm = readRate(d.healthErrorRate, "percent", "healthErrorRatePpm", p, { optional: false });
  if (healthErrorRatePpm === 0) p.healthErrorRatePpm = "channels.validation_positive";
  const healthCooldownSeconds = readInteger(d.healthCooldownSeconds, "healthCooldownSeconds", p, { optional: false, min: 10, max: 86_400 });
  if (Object.keys(p).length > 0) return { ok: false, problems: p };
  return {
    ok: true,
    settings: {
      priority: priority ?? 0,
      weight: weight ?? 0,
      minAmountMinor,
      maxAmountMinor,
      dailyAmountCap,
      dailyCountCap,
      windowStart: d.windowStart || null,
      windowEnd: d.windowEnd || null,
      costRatePpm: costRatePpm ?? 0,
      costFixedMinor: costFixedMinor ?? 0n,
      costMinMinor: costMinMinor ?? 0n,
      costMaxMinor,
      settlementAccountName: d.settlementAccountName.trim() || null,
      settlementBankName: d.settlementBankName.trim() || null,
      settlementCycle: d.settlementCycle,
      ...(accountNumber ? { settlementAccountNumber: accountNumber } : {}),
      autoPause: d.autoPause,
      healthWindowSeconds: healthWindowSeconds ?? 300,
      healthMinSample: healthMinSample ?? 20,
      healthErrorRatePpm: healthErrorRatePpm ?? 500_000,
      healthCooldownSeconds: healthCooldownSeconds ?? 120,
    },
  };
}
