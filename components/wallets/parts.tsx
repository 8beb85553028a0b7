"use client";

import { useId, useState, type ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { SectionNav, type SectionNavItem } from "@/components/ui/section-nav";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
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

const ITEMS: readonly SectionNavItem[] = [
  { href: "/wallets", label: "wallets.navWallets", match: (p) => p === "/wallets" || p.startsWith("/wallets/") },
  { href: "/payouts", label: "wallets.navPayouts", match: (p) => p === "/payouts" || (p.startsWith("/payouts/") && !p.startsWith("/payouts/batches")) },
  { href: "/payouts/batches", label: "wallets.navBatches", match: (p) => p.startsWith("/payouts/batches") },
];

/** The sections of wallets and payouts, above each of their pages. */
export function WalletsNav() {
  return <SectionNav label="wallets.sections" items={ITEMS} />;
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
