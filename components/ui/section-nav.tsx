"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn, focusRing } from "@/components/ui/cn";
import { useT } from "@/i18n/client";
import type { MessageKey } from "@/i18n/catalogue";

export interface SectionNavItem {
  readonly href: string;
  readonly label: MessageKey;
  /** Whether the current path belongs to this section. */
  readonly match: (path: string) => boolean;
}

/** An area's own sections as tabs above its pages (the ledger's, wallets and payouts'). */
export function SectionNav({ label, items }: { label: MessageKey; items: readonly SectionNavItem[] }) {
  const t = useT();
  const pathname = usePathname();
  return (
    <nav aria-label={t(label)} className="mb-6 border-b border-border">
      <ul className="-mb-px flex gap-1 overflow-x-auto">
        {items.map((item) => {
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
