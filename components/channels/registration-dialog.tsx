"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import type { MessageKey } from "@/i18n/catalogue";
import { channelFormErrors } from "./errors";
import { channelTypeLabel, registrationStatusLabel } from "./labels";
import { Detail, RateField } from "./parts";
import { formatRate, type RateUnit } from "./rate";
import { readRate, type FieldProblems } from "./settings";
import { REGISTRATION_STATUSES, type ChannelType, type RegistrationRow, type RegistrationStatus } from "./types";
import { CHANNELS_TABLE_KEY, REGISTRATIONS_TABLE_KEY } from "./use-invalidate-channel";

type IdentityKey = "subMchId" | "subAppId" | "smid" | "appAuthToken" | "shopId" | "acquirerMerchantNo" | "terminalNo";

/** The merchant's identity at each kind of channel; the first one is what an ACTIVE registration needs (server: REQUIRED_IDENTITY). */
const IDENTITY_FIELDS: Record<ChannelType, readonly IdentityKey[]> = {
  WECHAT: ["subMchId", "subAppId"],
  ALIPAY: ["smid", "appAuthToken", "shopId"],
  BANK: ["acquirerMerchantNo", "terminalNo"],
  SANDBOX: ["subMchId"],
};
const NEEDED_WHEN_ACTIVE: Record<ChannelType, IdentityKey | null> = { WECHAT: "subMchId", ALIPAY: "smid", BANK: "acquirerMerchantNo", SANDBOX: null };

const IDENTITY_LABEL: Record<IdentityKey, MessageKey> = {
  subMchId: "registrations.subMchId",
  subAppId: "registrations.subAppId",
  smid: "registrations.smid",
  appAuthToken: "registrations.appAuthToken",
  shopId: "registrations.shopId",
  acquirerMerchantNo: "registrations.acquirerMerchantNo",
  terminalNo: "registrations.terminalNo",
};

type Identity = Record<Exclude<IdentityKey, "appAuthToken">, string> & { appAuthToken: string };

function identityOf(row: RegistrationRow | null): Identity {
  return {
    subMchId: row?.subMchId ?? "",
    subAppId: row?.subAppId ?? "",
    smid: row?.smid ?? "",
    // A secret: never sent back by the server, never pre-filled.
    appAuthToken: "",
    shopId: row?.shopId ?? "",
    acquirerMerchantNo: row?.acquirerMerchantNo ?? "",
    terminalNo: row?.terminalNo ?? "",
  };
}

/**
 * Creates a registration (merchant → optional store → channel account, then the identity that
 * account's channel knows the merchant by) or edits one (identity, status, rate; the merchant,
 * store and account of a registration are fixed).
 */
export function RegistrationDialog({
  registration,
  merchantId: fixedMerchantId,
  channelAccountId: fixedAccountId,
  onClose,
}: {
  /** Edit this one; omit to create. */
  registration?: RegistrationRow;
  /** Create for this merchant (its page). */
  merchantId?: string;
  /** Create at this account (its page). */
  channelAccountId?: string;
  onClose: () => void;
}) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const editing = registration !== undefined;
  const [merchantId, setMerchantId] = useState(registration?.merchantId ?? fixedMerchantId ?? "");
  const [storeId, setStoreId] = useState(registration?.storeId ?? "");
  const [accountId, setAccountId] = useState(registration?.channelAccountId ?? fixedAccountId ?? "");
  const [identity, setIdentity] = useState<Identity>(() => identityOf(registration ?? null));
  const [status, setStatus] = useState<RegistrationStatus>(registration?.status ?? "PENDING");
  const [rateUnit, setRateUnit] = useState<RateUnit>("percent");
  const [rate, setRate] = useState(registration?.channelRatePpm != null ? formatRate(registration.channelRatePpm, "percent") : "");
  const [problems, setProblems] = useState<FieldProblems>({});

  const merchants = useQuery({ ...trpc.merchants.find.queryOptions({ limit: 200, status: "ACTIVE" }), enabled: !editing && !fixedMerchantId });
  const fixedMerchant = useQuery({ ...trpc.merchants.get.queryOptions({ id: fixedMerchantId ?? "" }), enabled: !editing && fixedMerchantId !== undefined });
  const stores = useQuery({ ...trpc.stores.find.queryOptions({ merchantId, limit: 200 }), enabled: !editing && merchantId !== "" });
  const accounts = useQuery(trpc.channels.list.queryOptions());
  const create = useMutation(trpc.registrations.create.mutationOptions());
  const update = useMutation(trpc.registrations.update.mutationOptions());
  const active = editing ? update : create;

  const account = (accounts.data ?? []).find((a) => a.id === accountId);
  const channelType: ChannelType | null = registration?.account.channelType ?? account?.channelType ?? null;
  const identityKeys = channelType ? IDENTITY_FIELDS[channelType] : [];
  const needed = channelType ? NEEDED_WHEN_ACTIVE[channelType] : null;
  const shown = ["merchantId", "storeId", "channelAccountId", "status", "channelRatePpm", ...identityKeys];
  const server = channelFormErrors(t, active.error, editing ? shown.filter((f) => f !== "merchantId" && f !== "storeId" && f !== "channelAccountId") : shown);
  const errors: Record<string, string> = { ...server.fields };
  for (const [k, key] of Object.entries(problems)) errors[k] = t(key);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const p: FieldProblems = {};
    if (!editing && !merchantId) p.merchantId = "registrations.chooseMerchant";
    if (!editing && !accountId) p.channelAccountId = "registrations.chooseAccount";
    const channelRatePpm = readRate(rate, rateUnit, "channelRatePpm", p, { optional: true });
    setProblems(p);
    if (Object.keys(p).length) return;
    active.reset();
    // Only the fields of this account's channel; a blank one is cleared (null), except the
    // secret token, where blank keeps what is stored.
    const fields: Partial<Record<Exclude<IdentityKey, "appAuthToken">, string | null>> & { appAuthToken?: string } = {};
    for (const key of identityKeys) {
      const value = identity[key].trim();
      if (key === "appAuthToken") {
        if (value) fields.appAuthToken = value;
      } else fields[key] = value || null;
    }
    const r = editing
      ? await update.mutateAsync({ id: registration.id, ...fields, status, channelRatePpm }).catch(() => null)
      : await create.mutateAsync({ merchantId, storeId: storeId || null, channelAccountId: accountId, ...fields, status, channelRatePpm }).catch(() => null);
    if (r) {
      toast.success(editing ? t("registrations.saved") : t("registrations.created"));
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: REGISTRATIONS_TABLE_KEY }),
        queryClient.invalidateQueries({ queryKey: trpc.channels.list.queryKey() }),
        queryClient.invalidateQueries({ queryKey: CHANNELS_TABLE_KEY }),
      ]);
      onClose();
    }
  }

  return (
    <Dialog open onClose={onClose} size="lg" title={editing ? t("registrations.editTitle") : t("registrations.new")} description={t("registrations.dialogHelp")}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        {editing ? (
          <dl className="grid gap-4 rounded-brand bg-muted/50 p-3 sm:grid-cols-3">
            <Detail label={t("registrations.merchant")}>{registration.merchant.shortName}</Detail>
            <Detail label={t("registrations.store")}>{registration.store?.name ?? t("registrations.allStores")}</Detail>
            <Detail label={t("registrations.channelAccount")}>
              {registration.account.name} · {channelTypeLabel(t, registration.account.channelType)}
            </Detail>
          </dl>
        ) : (
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={t("registrations.merchant")} required error={errors.merchantId}>
              {fixedMerchantId ? (
                <Input value={fixedMerchant.data?.shortName ?? ""} readOnly disabled />
              ) : (
                <Select
                  name="merchantId"
                  value={merchantId}
                  onChange={(e) => {
                    setMerchantId(e.target.value);
                    setStoreId("");
                  }}
                  placeholder={merchants.isPending ? t("common.loading") : t("registrations.chooseMerchant")}
                  options={(merchants.data?.items ?? []).map((m) => ({ value: m.id, label: m.shortName }))}
                />
              )}
            </Field>
            <Field label={t("registrations.store")} hint={t("registrations.storeHint")} error={errors.storeId}>
              <Select
                name="storeId"
                value={storeId}
                disabled={!merchantId}
                onChange={(e) => setStoreId(e.target.value)}
                placeholder={t("registrations.allStores")}
                options={(stores.data?.items ?? []).filter((s) => s.status === "ACTIVE").map((s) => ({ value: s.id, label: s.name }))}
              />
            </Field>
            <Field label={t("registrations.channelAccount")} required error={errors.channelAccountId} className="sm:col-span-2">
              {fixedAccountId ? (
                <Input value={account ? `${account.name} · ${channelTypeLabel(t, account.channelType)}` : ""} readOnly disabled />
              ) : (
                <Select
                  name="channelAccountId"
                  value={accountId}
                  onChange={(e) => setAccountId(e.target.value)}
                  placeholder={accounts.isPending ? t("common.loading") : t("registrations.chooseAccount")}
                  options={(accounts.data ?? []).map((a) => ({ value: a.id, label: `${a.name} · ${channelTypeLabel(t, a.channelType)}${a.enabled ? "" : ` (${t("channels.disabled")})`}` }))}
                />
              )}
            </Field>
          </div>
        )}

        {channelType ? (
          <fieldset className="space-y-3">
            <legend className="text-sm font-semibold">{t("registrations.identity", { channel: channelTypeLabel(t, channelType) })}</legend>
            {identityKeys.length ? (
              <div className="grid gap-4 sm:grid-cols-2">
                {identityKeys.map((key) =>
                  key === "appAuthToken" ? (
                    <Field
                      key={key}
                      label={t(IDENTITY_LABEL[key])}
                      error={errors[key]}
                      hint={registration?.hasAppAuthToken ? t("registrations.tokenKeepHint") : t("registrations.tokenHint")}
                    >
                      <Input
                        name={key}
                        type="password"
                        autoComplete="new-password"
                        spellCheck={false}
                        placeholder={registration?.hasAppAuthToken ? t("channels.secretUnchanged") : ""}
                        value={identity.appAuthToken}
                        onChange={(e) => setIdentity((v) => ({ ...v, appAuthToken: e.target.value }))}
                      />
                    </Field>
                  ) : (
                    <Field key={key} label={t(IDENTITY_LABEL[key])} error={errors[key]} {...(key === needed ? { hint: t("registrations.neededWhenActive") } : {})}>
                      <Input name={key} autoComplete="off" className="font-mono" value={identity[key]} onChange={(e) => setIdentity((v) => ({ ...v, [key]: e.target.value }))} />
                    </Field>
                  ),
                )}
              </div>
            ) : null}
          </fieldset>
        ) : null}

        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t("common.status")} required error={errors.status}>
            <Select
              name="status"
              value={status}
              onChange={(e) => setStatus(e.target.value as RegistrationStatus)}
              options={REGISTRATION_STATUSES.map((s) => ({ value: s, label: registrationStatusLabel(t, s) }))}
            />
          </Field>
          <RateField
            name="channelRate"
            label={t("registrations.channelRate")}
            value={rate}
            unit={rateUnit}
            onChange={setRate}
            onUnitChange={(u) => {
              // Keep the rate, change how it is written.
              const r = readRate(rate, rateUnit, "x", {}, { optional: true });
              setRateUnit(u);
              if (r !== null) setRate(formatRate(r, u));
            }}
            error={errors.channelRatePpm}
            hint={t("registrations.channelRateHint")}
          />
        </div>

        <FormFooter error={server.general} onCancel={onClose} loading={active.isPending} submitLabel={editing ? t("common.save") : t("common.create")} />
      </form>
    </Dialog>
  );
}
