"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { Money } from "@/components/ui/money";
import { useT } from "@/i18n/client";
import { accountName } from "./labels";

// Small pieces every ledger page shares, so a marker or a badge means the same thing everywhere.

export function BalancedBadge({ balanced }: { balanced: boolean }) {
  const t = useT();
  return (
    <Badge tone={balanced ? "success" : "danger"} data-testid="balanced-badge">
      {balanced ? t("ledger.balanced") : t("ledger.unbalanced")}
    </Badge>
  );
}

export function AccountMarkers({ isHot, bound }: { isHot: boolean; bound: string }) {
  const t = useT();
  if (!isHot && bound === "NONE") return null;
  return (
    <span className="inline-flex flex-wrap gap-1">
      {isHot ? (
        <Badge tone="info" title={t("ledger.hotHelp")}>
          {t("ledger.hot")}
        </Badge>
      ) : null}
      {bound === "NON_NEGATIVE" ? (
        <Badge tone="warning" title={t("ledger.boundedHelp")}>
          {t("ledger.bounded")}
        </Badge>
      ) : null}
    </span>
  );
}

/** An account's page, as of the end of a business date when one is given. */
export const accountHref = (id: string, asOf?: string | null) => `/ledger/accounts/${id}${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ""}`;

/** An account as a link to its page: the name in the reader's language over the stable code; `asOf` opens it as of that business date. */
export function AccountLink({ id, code, name, asOf, className }: { id: string; code: string; name: string; asOf?: string | null; className?: string }) {
  const t = useT();
  return (
    <Link
      href={accountHref(id, asOf)}
      className={cn("group inline-flex flex-col rounded-brand underline-offset-2", className)}
      {...(asOf ? { title: t("ledger.viewAsOf", { date: asOf }) } : {})}
    >
      <span className="font-medium text-primary group-hover:underline">{accountName(t, { code, name })}</span>
      <span className="break-all font-mono text-xs text-muted-foreground">{code}</span>
    </Link>
  );
}

/** A definition list row for detail pages. */
export function Detail({ label, children, testId }: { label: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 break-words text-sm" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export function Dash() {
  return <span className="text-muted-foreground">—</span>;
}

/** A server error in a form or dialog, announced when it appears. */
export function ErrorNote({ message, testId = "ledger-error" }: { message: string | null; testId?: string }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded-brand border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger" data-testid={testId}>
      {message}
    </p>
  );
}

/** A money cell of the ledger tables: right-aligned, through <Money>. */
export function MoneyCell({ amountMinor, currency }: { amountMinor: bigint; currency: string }) {
  return (
    <td className="px-3 py-2 text-right">
      <Money amountMinor={amountMinor} currency={currency} />
    </td>
  );
}
