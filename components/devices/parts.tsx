"use client";

import { Badge, type BadgeTone } from "@/components/ui/badge";
import { SectionNav, type SectionNavItem } from "@/components/ui/section-nav";
import { useT } from "@/i18n/client";

// Small pieces the device pages share.

export const DEVICE_STATUSES = ["IN_STOCK", "ASSIGNED", "ACTIVE", "SUSPENDED", "RETURNED", "RETIRED"] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];
export const DEVICE_VENDORS = ["WECHAT_FACE", "ALIPAY_FACE", "OTHER"] as const;

const STATUS_TONE: Record<DeviceStatus, BadgeTone> = {
  IN_STOCK: "neutral",
  ASSIGNED: "info",
  ACTIVE: "success",
  SUSPENDED: "warning",
  RETURNED: "neutral",
  RETIRED: "danger",
};

export function DeviceStatusBadge({ status }: { status: DeviceStatus }) {
  const t = useT();
  return (
    <Badge tone={STATUS_TONE[status]} data-status={status}>
      {t(`devices.status_${status}`)}
    </Badge>
  );
}

export function OnlineBadge({ isOnline, isRelocated }: { isOnline: boolean; isRelocated?: boolean }) {
  const t = useT();
  return (
    <span className="inline-flex gap-1">
      <Badge tone={isOnline ? "success" : "neutral"} data-online={isOnline}>
        {isOnline ? t("devices.online") : t("devices.offline")}
      </Badge>
      {isRelocated ? <Badge tone="danger">{t("devices.relocated")}</Badge> : null}
    </span>
  );
}

const ITEMS: readonly SectionNavItem[] = [
  { href: "/devices", label: "devices.tabList", match: (p) => /\/devices(\/[0-9a-f-]{36})?$/.test(p) },
  { href: "/devices/import", label: "devices.tabImport", match: (p) => p.endsWith("/devices/import") },
  { href: "/devices/codes", label: "devices.tabCodes", match: (p) => p.endsWith("/devices/codes") },
  { href: "/devices/config", label: "devices.tabConfig", match: (p) => p.endsWith("/devices/config") },
  { href: "/devices/fleet", label: "devices.tabFleet", match: (p) => p.endsWith("/devices/fleet") },
];

export function DevicesNav() {
  return <SectionNav label="devices.sections" items={ITEMS} />;
}

export const thClass = "px-3 py-2 text-left text-xs font-medium text-muted-foreground";
export const tdClass = "px-3 py-2 align-top";

/** Successes over attempts as a percentage with one decimal, "—" without attempts. */
export const successRateText = (successes: number, attempts: number) => (attempts === 0 ? "—" : `${((100 * successes) / attempts).toFixed(1)}%`);
