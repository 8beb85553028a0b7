"use client";

import { useT } from "@/i18n/client";
import { ApiKeysCard } from "./api-keys-card";
import { DeliveryLog } from "./delivery-log";
import { EndpointCard } from "./endpoint-card";

/**
 * A merchant's Developers tab: API keys, the webhook endpoint and the delivery log. `canManage`
 * stands for merchants.write and webhooks.manage, which the same roles hold; the server checks
 * each procedure's own permission again.
 */
export function DevelopersTab({ merchantId, canManage }: { merchantId: string; canManage: boolean }) {
  const t = useT();
  return (
    <div className="space-y-6" data-testid="developers-tab">
      <p className="text-sm text-muted-foreground">{t("webhooks.developersHelp")}</p>
      <ApiKeysCard merchantId={merchantId} canManage={canManage} />
      <EndpointCard merchantId={merchantId} canManage={canManage} />
      <DeliveryLog merchantId={merchantId} canResend={canManage} />
    </div>
  );
}
