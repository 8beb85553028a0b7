"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { formErrors } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";

export interface MerchantFormValues {
  legalName: string;
  shortName: string;
  creditCode: string;
  legalRepresentative: string;
  mcc: string;
  contactName: string;
  contactPhone: string;
  contactEmail: string;
  settlementAccountName: string;
  settlementBankName: string;
  settlementAccountLast4: string | null;
}

const EMPTY: MerchantFormValues = {
  legalName: "",
  shortName: "",
  creditCode: "",
  legalRepresentative: "",
  mcc: "",
  contactName: "",
  contactPhone: "",
  contactEmail: "",
  settlementAccountName: "",
  settlementBankName: "",
  settlementAccountLast4: null,
};

export function MerchantForm({ merchantId, initial, canEdit }: { merchantId?: string; initial?: MerchantFormValues; canEdit: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const router = useRouter();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [v, setV] = useState<MerchantFormValues>(initial ?? EMPTY);
  const [accountNumber, setAccountNumber] = useState("");
  const create = useMutation(trpc.merchants.create.mutationOptions());
  const update = useMutation(trpc.merchants.update.mutationOptions());
  const active = merchantId ? update : create;
  const errors = formErrors(active.error);

  const set = (k: keyof MerchantFormValues) => (e: { target: { value: string } }) => setV((prev) => ({ ...prev, [k]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const payload = {
      legalName: v.legalName,
      shortName: v.shortName,
      creditCode: v.creditCode,
      legalRepresentative: v.legalRepresentative,
      mcc: v.mcc,
      contactName: v.contactName,
      contactPhone: v.contactPhone,
      contactEmail: v.contactEmail,
      settlementAccountName: v.settlementAccountName || undefined,
      settlementBankName: v.settlementBankName || undefined,
      ...(accountNumber ? { settlementAccountNumber: accountNumber } : {}),
    };
    if (merchantId) {
      const m = await update.mutateAsync({ id: merchantId, ...payload }).catch(() => null);
      if (m) {
        toast.success(t("merchants.saved"));
        setAccountNumber("");
        setV((prev) => ({ ...prev, settlementAccountLast4: m.settlementAccountLast4 }));
        await queryClient.invalidateQueries();
        router.refresh();
      }
    } else {
      const m = await create.mutateAsync(payload).catch(() => null);
      if (m) {
        toast.success(t("merchants.created"));
        router.push(`/merchants/${m.id}`);
      }
    }
  }

  const field = (k: keyof MerchantFormValues, label: string, opts?: { required?: boolean; hint?: string; type?: string }) => (
    <Field label={label} required={opts?.required ?? false} error={errors.fields[k]} {...(opts?.hint ? { hint: opts.hint } : {})}>
      <Input name={k} type={opts?.type ?? "text"} value={v[k] ?? ""} onChange={set(k)} disabled={!canEdit} />
    </Field>
  );

  return (
    <form onSubmit={submit} className="space-y-6" noValidate>
      <Card>
        <CardHeader>
          <CardTitle>{t("merchants.profile")}</CardTitle>
        </CardHeader>
        <CardContent className="grid gap-4 md:grid-cols-2">
          {field("legalName", t("merchants.legalName"), { required: true })}
          {field("shortName", t("merchants.shortName"), { required: true })}
          {field("creditCode", t("merchants.creditCode"), { required: true })}
          {field("legalRepresentative", t("merchants.legalRepresentative"), { required: true })}
          {field("mcc", t("merchants.mcc"), { required: true })}
          {field("contactName", t("merchants.contactName"), { required: true })}
          {field("contactPhone", t("merchants.contactPhone"), { required: true })}
          {field("contactEmail", t("merchants.contactEmail"), { type: "email" })}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("merchants.settlementAccount")}</CardTitle>
        </CardHeader>
        <CardContent className="grid gap-4 md:grid-cols-2">
          {field("settlementAccountName", t("merchants.settlementAccountName"))}
          {field("settlementBankName", t("merchants.settlementBankName"))}
          <Field label={t("merchants.settlementAccountNumber")} hint={t("merchants.accountNumberHint")} error={errors.fields.settlementAccountNumber}>
            <Input
              name="settlementAccountNumber"
              inputMode="numeric"
              autoComplete="off"
              placeholder={v.settlementAccountLast4 ? `•••• ${v.settlementAccountLast4}` : ""}
              value={accountNumber}
              onChange={(e) => setAccountNumber(e.target.value.replace(/\s/g, ""))}
              disabled={!canEdit}
            />
          </Field>
        </CardContent>
      </Card>
      {errors.general ? (
        <p role="alert" className="text-sm text-danger">
          {errors.general}
        </p>
      ) : null}
      {canEdit ? (
        <div className="flex gap-2">
          <Button type="submit" loading={active.isPending}>
            {merchantId ? t("common.save") : t("common.create")}
          </Button>
        </div>
      ) : null}
    </form>
  );
}
