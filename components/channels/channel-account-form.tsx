"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { AccountFields, splitValues, type FieldValues } from "./account-fields";
import { ConnectorAttributes } from "./connector-attributes";
import { channelFormErrors } from "./errors";
import { channelTypeLabel } from "./labels";
import { DEFAULT_SETTINGS, SETTINGS_FIELD_NAMES, settingsPayload, type FieldProblems, type SettingsDraft } from "./settings";
import { SettingsFields } from "./settings-fields";
import type { ChannelType } from "./types";

/** A new channel account: the type first, then what that type needs, then its settings. */
export function ChannelAccountForm() {
  const t = useT();
  const trpc = useTRPC();
  const router = useRouter();
  const toast = useToast();
  const types = useQuery(trpc.channels.types.queryOptions());
  const create = useMutation(trpc.channels.create.mutationOptions());
  const [channelType, setChannelType] = useState<ChannelType | "">("");
  const [name, setName] = useState("");
  const [values, setValues] = useState<FieldValues>({});
  const [settings, setSettings] = useState<SettingsDraft>(DEFAULT_SETTINGS);
  const [problems, setProblems] = useState<FieldProblems>({});

  const info = types.data?.find((x) => x.type === channelType);
  const shown = ["channelType", "name", ...SETTINGS_FIELD_NAMES, ...(info?.fields.map((f) => f.key) ?? [])];
  const server = channelFormErrors(t, create.error, shown);
  const errors: Record<string, string> = { ...server.fields };
  for (const [k, key] of Object.entries(problems)) errors[k] = t(key);

  if (types.isPending) return <LoadingState rows={4} />;
  if (types.isError) return <ErrorState error={types.error} onRetry={() => void types.refetch()} />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!info) {
      setProblems({ channelType: "channels.chooseType" });
      return;
    }
    const s = settingsPayload(settings);
    const local: FieldProblems = s.ok ? {} : { ...s.problems };
    if (!name.trim()) local.name = "channels.requiredField";
    setProblems(local);
    if (!s.ok || Object.keys(local).length) return;
    create.reset();
    const { params, credentials } = splitValues(info.fields, values);
    const account = await create.mutateAsync({ channelType: info.type, name: name.trim(), params, credentials, settings: s.settings }).catch(() => null);
    if (account) {
      toast.success(t("channels.created"));
      router.push(`/channels/${account.id}`);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-6" noValidate>
      <Card>
        <CardHeader>
          <CardTitle>{t("channels.typeAndName")}</CardTitle>
        </CardHeader>
        <CardContent className="grid gap-4 md:grid-cols-2">
          <Field label={t("channels.channelType")} required error={errors.channelType}>
            <Select
              name="channelType"
              value={channelType}
              onChange={(e) => {
                setChannelType(e.target.value as ChannelType | "");
                // Fields differ per type: what was typed for another type does not carry over.
                setValues({});
                setProblems({});
                create.reset();
              }}
              placeholder={t("channels.chooseType")}
              options={types.data.map((x) => ({ value: x.type, label: channelTypeLabel(t, x.type) }))}
            />
          </Field>
          <Field label={t("channels.name")} required hint={t("channels.nameHint")} error={errors.name}>
            <Input name="name" maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
        </CardContent>
      </Card>

      {info ? (
        <>
          <Card>
            <CardHeader>
              <div>
                <CardTitle>{t("channels.connector")}</CardTitle>
                <CardDescription>{t("channels.connectorHelp")}</CardDescription>
              </div>
            </CardHeader>
            <CardContent>
              <ConnectorAttributes attributes={info.attributes} />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>{t("channels.paramsAndCredentials")}</CardTitle>
            </CardHeader>
            <CardContent>
              <AccountFields
                idPrefix="create"
                fields={info.fields}
                values={values}
                onChange={(key, value) => setValues((v) => ({ ...v, [key]: value }))}
                errors={errors}
                mode="create"
              />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>{t("channels.settings")}</CardTitle>
            </CardHeader>
            <CardContent>
              <SettingsFields draft={settings} onChange={(patch) => setSettings((s) => ({ ...s, ...patch }))} errors={errors} />
            </CardContent>
          </Card>
        </>
      ) : null}

      <FormFooter error={server.general} onCancel={() => router.push("/channels")} loading={create.isPending} />
    </form>
  );
}
