import type { BadgeTone } from "@/components/ui/badge";
import type { Locale } from "@/i18n/define";
import type { Translate } from "@/i18n/translate";
import type { AccountFieldDef, ChannelType, HealthState, OrderType, ProductCode, RegistrationStatus } from "./types";

// Names of channel types, products, states and statuses in the reader's language (GLOSSARY terms,
// i18n/messages/channels.ts). The database keeps the stable codes.

export function channelTypeLabel(t: Translate, type: ChannelType): string {
  return t(`channels.type_${type}`);
}

export function productLabel(t: Translate, product: ProductCode): string {
  return t(`channels.product_${product}`);
}

export function orderTypeLabel(t: Translate, orderType: OrderType): string {
  return t(`channels.orderType_${orderType}`);
}

export function healthLabel(t: Translate, state: HealthState): string {
  return t(`channels.health_${state}`);
}

export const HEALTH_TONE: Record<HealthState, BadgeTone> = { HEALTHY: "success", HALF_OPEN: "warning", PAUSED: "danger" };

export function registrationStatusLabel(t: Translate, status: RegistrationStatus): string {
  return t(`registrations.status_${status}`);
}

export const REGISTRATION_TONE: Record<RegistrationStatus, BadgeTone> = { PENDING: "warning", ACTIVE: "success", SUSPENDED: "neutral", REJECTED: "danger" };

/** A connector's field label as the connector wrote it, in the reader's language. */
export function fieldLabel(field: Pick<AccountFieldDef, "label">, locale: Locale): string {
  return locale === "zh-CN" ? field.label.zh : field.label.en;
}

/** 0.9731 → "97.3%"; null (no calls) → null. */
export function percentText(ratio: number | null, locale: Locale): string | null {
  if (ratio === null) return null;
  return new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ratio);
}

/** Milliseconds, whole: "182 ms". */
export function latencyText(ms: number | null, locale: Locale): string | null {
  if (ms === null) return null;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(ms)} ms`;
}
