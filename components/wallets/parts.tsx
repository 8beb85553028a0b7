"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useId, useState, type ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { cn, focusRing } from "@/components/ui/cn";
import { Dialog } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import type { MessageKey } from "@/i18n/catalogue";
import { useT } from "@/i18n/client";
import { BATCH_STATUS_TONE, PAYOUT_STATUS_TONE, WALLET_STATUS_TONE, batchStatusLabel, payoutStatusLabel, walletStatusLabel } from "./labels";
import type { BatchStatus, PayoutStatus, WalletStatus } from "./types";

// Small pieces the wallet and payout pages share, so a badge means the same thing everywhere.

export function PayoutStatusBadge({ status, testId }: { status: PayoutStatus; testId?: string }) {
  const t = useT();
  return (
    <Badge tone={PAYOUT_STATUS_TONE[status]} data-testid={testId} data-status={status}>
      {payoutStatusLabel(t, status)}
    </Badge>
  );
}

export function BatchStatusBadge({ status, testId }: { status: BatchStatus; testId?: string }) {
  const t = useT();
  return (
    <Badge tone={BATCH_STATUS_TONE[status]} data-testid={testId} data-status={status}>
      {batchStatusLabel(t, status)}
    </Badge>
  );
}

export function WalletStatusBadge({ status }: { status: WalletStatus }) {
  const t = useT();
  return (
    <Badge tone={WALLET_STATUS_TONE[status]} data-status={status}>
      {walletStatusLabel(t, status)}
    </Badge>
  );
}

/** What a DIRECT provider sees instead of wallets and payouts: why they are not here. */
export function DirectModeNotice() {
  const t = useT();
  return (
    <Card data-testid="direct-mode-notice">
      <CardHeader>
        <CardTitle>{t("wallets.directTitle")}</CardTitle>
      </CardHeader>
      <CardContent>
        <p className="max-w-2xl text-sm text-muted-foreground">{t("wallets.directBody")}</p>
      </CardContent>
    </Card>
  );
}

const ITEMS: Array<{ href: string; label: MessageKey; match: (path: string) => boolean }> = [
  { href: "/wallets", label: "wallets.navWallets", match: (p) => p === "/wallets" || p.startsWith("/wallets/") },
  { href: "/payouts", label: "wallets.navPayouts", match: (p) => p === "/payouts" || (p.startsWith("/payouts/") && !p.startsWith("/payouts/batches")) },
  { href: "/payouts/batches", label: "wallets.navBatches", match: (p) => p.startsWith("/payouts/batches") },
];

/** The sections of wallets and payouts, above each of their pages. */
export function WalletsNav() {
  const t = useT();
  const pathname = usePathname();
  return (
    <nav aria-label={t("wallets.sections")} className="mb-6 border-b border-border">
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

/**
 * A confirmation that needs a reason (cancel a payout, record a return, propose a release). The
 * reason is kept with the change; 3 characters at least, as the server requires.
 */
export function ReasonDialog({
  open,
  onClose,
  title,
  description,
  confirmLabel,
  pending,
  error,
  onConfirm,
  testId,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  description: ReactNode;
  confirmLabel: string;
  pending: boolean;
  error: string | null;
  onConfirm: (reason: string) => void;
  testId?: string;
}) {
  const t = useT();
  const [reason, setReason] = useState("");
  const id = useId();
  const tooShort = reason.trim().length < 3;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={title}
      description={description}
      dismissible={!pending}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={pending}>
            {t("common.cancel")}
          </Button>
          <Button onClick={() => onConfirm(reason.trim())} loading={pending} disabled={tooShort} data-testid={testId ? `${testId}-confirm` : undefined}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div className="space-y-2">
        <Label htmlFor={id}>{t("wallets.reasonLabel")}</Label>
        <Textarea id={id} value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t("wallets.reasonPlaceholder")} rows={3} data-testid={testId ? `${testId}-reason` : undefined} />
        {error ? (
          <p role="alert" className="text-sm text-danger">
            {error}
          </p>
        ) : null}
      </div>
    </Dialog>
  );
}
