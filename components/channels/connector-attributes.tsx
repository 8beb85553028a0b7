"use client";

import { Badge } from "@/components/ui/badge";
import { Money } from "@/components/ui/money";
import { useT } from "@/i18n/client";
import { productLabel } from "./labels";
import { Detail } from "./parts";
import type { ChannelTypeInfo } from "./types";

/** What the connector of a channel type declares: read-only facts that shape fees, dates and refunds. */
export function ConnectorAttributes({ attributes: a }: { attributes: ChannelTypeInfo["attributes"] }) {
  const t = useT();
  const yesNo = (v: boolean) => (v ? t("common.yes") : t("common.no"));
  return (
    <div className="space-y-4">
      <div>
        <h3 className="text-xs font-medium text-muted-foreground">{t("channels.products")}</h3>
        {a.products.length ? (
          <ul className="mt-1 flex flex-wrap gap-2" data-testid="connector-products">
            {a.products.map((p) => {
              const delivery = a.resultDelivery[p];
              return (
                <li key={p}>
                  <Badge tone="info" title={delivery ? t(`channels.delivery_${delivery}`) : undefined}>
                    {productLabel(t, p)}
                    {delivery ? <span className="ms-1 font-normal opacity-80">· {t(`channels.deliveryShort_${delivery}`)}</span> : null}
                  </Badge>
                </li>
              );
            })}
          </ul>
        ) : (
          <p className="mt-1 text-sm text-muted-foreground">—</p>
        )}
      </div>
      <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <Detail label={t("channels.feeCollection")}>{t(`channels.feeCollection_${a.feeCollection}`)}</Detail>
        <Detail label={t("channels.refundReturnsFee")}>{yesNo(a.refundReturnsFee)}</Detail>
        <Detail label={t("channels.cutoffTime")}>
          <span className="tabular">{a.cutoffTime}</span> <span className="text-xs text-muted-foreground">{t("channels.cutoffZone")}</span>
        </Detail>
        <Detail label={t("channels.settlementTo")}>{t(`channels.settlementTo_${a.settlementAccount}`)}</Detail>
        <Detail label={t("channels.channelLimits")}>
          <span className="inline-flex flex-wrap items-center gap-1">
            <Money amountMinor={a.minAmountMinor} currency="CNY" inline /> – <Money amountMinor={a.maxAmountMinor} currency="CNY" inline />
          </span>
        </Detail>
        <Detail label={t("channels.capabilities")}>
          <span className="inline-flex flex-wrap gap-1">
            {a.supportsPayout ? <Badge>{t("channels.supportsPayout")}</Badge> : null}
            {a.supportsContract ? <Badge>{t("channels.supportsContract")}</Badge> : null}
            {a.supportsFaceAuthInfo ? <Badge>{t("channels.supportsFaceAuthInfo")}</Badge> : null}
            {!a.supportsPayout && !a.supportsContract && !a.supportsFaceAuthInfo ? <span className="text-muted-foreground">—</span> : null}
          </span>
        </Detail>
      </dl>
    </div>
  );
}
