"use client";

import { Badge } from "@/components/ui/badge";
import { useT } from "@/i18n/client";
import { STATUS_TONE, statusLabel } from "./labels";
import { TEST_ORDER_PREFIX, type PaymentStatus } from "./types";

export function PaymentStatusBadge({ status, testId }: { status: PaymentStatus; testId?: string }) {
  const t = useT();
  return (
    <Badge tone={STATUS_TONE[status]} data-testid={testId} data-status={status}>
      {statusLabel(t, status)}
    </Badge>
  );
}

/** Marks a console test payment (its order number says so), so nobody mistakes it for a customer's. */
export function TestMarker({ merchantOrderNo }: { merchantOrderNo: string }) {
  const t = useT();
  if (!merchantOrderNo.startsWith(TEST_ORDER_PREFIX)) return null;
  return <Badge tone="info">{t("payments.testBadge")}</Badge>;
}
