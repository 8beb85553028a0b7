"use client";

import { Tabs } from "@/components/ui/tabs";
import { useT } from "@/i18n/client";
import { FeeRules } from "./fee-rules";
import { MerchantLimits } from "./merchant-limits";
import { ProductRules } from "./product-rules";

export function PricingView({ canManage }: { canManage: boolean }) {
  const t = useT();
  return (
    <Tabs
      label={t("pricing.title")}
      items={[
        { id: "products", label: t("pricing.tabProducts"), content: <ProductRules canManage={canManage} /> },
        { id: "fees", label: t("pricing.tabFees"), content: <FeeRules canManage={canManage} /> },
        { id: "limits", label: t("pricing.tabLimits"), content: <MerchantLimits canManage={canManage} /> },
      ]}
    />
  );
}
