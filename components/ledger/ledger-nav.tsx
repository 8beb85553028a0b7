"use client";

import { SectionNav, type SectionNavItem } from "@/components/ui/section-nav";

const ITEMS: readonly SectionNavItem[] = [
  { href: "/ledger", label: "ledger.navAccounts", match: (p) => p === "/ledger" || p.startsWith("/ledger/accounts") || p.startsWith("/ledger/entries") },
  { href: "/ledger/trial-balance", label: "ledger.navTrialBalance", match: (p) => p.startsWith("/ledger/trial-balance") },
  { href: "/ledger/adjustments", label: "ledger.navAdjustments", match: (p) => p.startsWith("/ledger/adjustments") },
  { href: "/ledger/days", label: "ledger.navDays", match: (p) => p.startsWith("/ledger/days") },
];

/** The ledger's own sections, under the one "Ledger" item of the console menu. */
export function LedgerNav() {
  return <SectionNav label="ledger.sections" items={ITEMS} />;
}
