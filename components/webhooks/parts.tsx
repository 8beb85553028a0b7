"use client";

import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useT } from "@/i18n/client";
import { STATUS_TONE } from "./labels";
import type { WebhookEventStatus } from "./types";

export function WebhookStatusBadge({ status }: { status: WebhookEventStatus }) {
  const t = useT();
  return (
    <Badge tone={STATUS_TONE[status]} data-testid="webhook-status" data-status={status}>
      {t(`webhooks.status_${status}`)}
    </Badge>
  );
}

/**
 * A secret shown once (an API key's or an endpoint's): selectable text and a copy button, with a
 * warning that it cannot be shown again. The parent drops the secret from its state on close.
 */
export function SecretOnce({ secret, label, testId = "secret-once" }: { secret: string; label?: string; testId?: string }) {
  const t = useT();
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      // Clipboard access needs a secure context and permission; the text stays selectable.
      setCopied("failed");
    }
  }

  return (
    <div className="space-y-3" role="group" aria-label={label ?? t("webhooks.secretLabel")}>
      <p className="rounded-brand border border-warning/40 bg-warning/10 px-3 py-2 text-sm text-warning">
        <strong className="block font-medium">{t("webhooks.secretOnceTitle")}</strong>
        {t("webhooks.secretOnceBody")}
      </p>
      <div className="flex items-center gap-2">
        <code className="min-w-0 flex-1 select-all break-all rounded-brand border border-border bg-muted px-3 py-2 font-mono text-sm" data-testid={testId}>
          {secret}
        </code>
        <Button variant="secondary" size="sm" onClick={() => void copy()}>
          {copied === "yes" ? t("webhooks.copied") : t("webhooks.copy")}
        </Button>
      </div>
      {copied === "failed" ? (
        <p role="alert" className="text-sm text-danger">
          {t("webhooks.copyFailed")}
        </p>
      ) : (
        <span className="sr-only" aria-live="polite">
          {copied === "yes" ? t("webhooks.copied") : ""}
        </span>
      )}
    </div>
  );
}
