"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";
import { Select } from "@/components/ui/select";
import { useT } from "@/i18n/client";

/**
 * The tenant's merchants (active and suspended; archived ones take no payments) in a native
 * select. Put it inside a <Field> for its label and errors.
 */
export function MerchantSelect({
  value,
  onChange,
  name = "merchantId",
  placeholder,
  disabled = false,
}: {
  value: string;
  onChange: (merchantId: string) => void;
  name?: string;
  placeholder?: string;
  disabled?: boolean;
}) {
  const t = useT();
  const trpc = useTRPC();
  const merchants = useQuery(trpc.merchants.find.queryOptions({ limit: 200 }));
  const options = (merchants.data?.items ?? []).filter((m) => m.status !== "ARCHIVED").map((m) => ({ value: m.id, label: m.shortName }));
  return (
    <Select
      name={name}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value)}
      placeholder={merchants.isPending ? t("common.loading") : (placeholder ?? t("registrations.chooseMerchant"))}
      options={options}
    />
  );
}
