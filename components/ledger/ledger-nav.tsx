"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn, focusRing } from "@/components/ui/cn";
import { useT } from "@/i18n/client";
import type { MessageKey } from "@/i18n/catalogue";

const ITEMS: Array<{ href: string; label: MessageKey; match: (path: string) => boolean }> = [
  { href: "/ledger", label: "ledger.navAccounts", match: (p) => p === "/ledger" || p.startsWith("/ledger/accounts") || p.startsWith("/ledger/entries") },
  { href: "/ledger/trial-balance", label: "ledger.navTrialBalance", match: (p) => p.startsWith("/ledger/trial-balance") },
  { href: "/ledger/adjustments", label: "ledger.navAdjustments", match: (p) => p.startsWith("/ledger/adjustments") },
  { href: "/ledger/days", label: "ledger.navDays", match: (p) => p.startsWith("/ledger/days") },
];

/** The ledger's own sections, under the one "Ledger" item of the console menu. */
export function LedgerNav() {
  const t = useT();
  const pathname = usePathname();
  return (
    <nav aria-label={t("ledger.sections")} className="mb-6 border-b border-border">
      <ul className="-mb-px flex gap-1 overflow-x-auto">
        {ITEMS.map((item) => {
          const active = item.match(pathname);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "block whitespace-nowrap rounded-t-brand border-b-2 px-3 py-2 text-sm font-medium",
                  active ? "border-primary text-foreground" : "border-transparent text-muted-foreground hover:text-foreground",
                  focusRing,
                )}
              >
                {t(item.label)}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
