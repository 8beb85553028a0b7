"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { AccountFields, splitValues, type FieldValues } from "./account-fields";
import { channelFormErrors } from "./errors";
import { Dash, KeyValues } from "./parts";
import type { ChannelAccountDetail } from "./types";
import { useInvalidateChannel } from "./use-invalidate-channel";
import { useUserNames } from "./use-user-names";

const th = "px-3 py-2 text-left font-medium text-muted-foreground";

/** The versions of an account's parameters and credentials, newest first. Secrets are never shown: only which keys are set. */
export function CredentialsTab({ account, canManage, canSeeUsers }: { account: ChannelAccountDetail; canManage: boolean; canSeeUsers: boolean }) {
  const t = useT();
  const who = useUserNames(canSeeUsers);
  const [open, setOpen] = useState(false);
  const headingId = useId();
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle id={headingId}>{t("channels.versions")}</CardTitle>
          <CardDescription>{t("channels.versionsHelp")}</CardDescription>
        </div>
        {canManage ? <Button onClick={() => setOpen(true)}>{t("channels.newVersion")}</Button> : null}
      </CardHeader>
      {account.versions.length === 0 ? (
        <EmptyState title={t("channels.noVersions")} />
      ) : (
        <div className="overflow-x-auto">
          <table aria-labelledby={headingId} className="w-full border-collapse text-sm">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className={th}>
                  {t("channels.version")}
                </th>
                <th scope="col" className={th}>
                  {t("channels.params")}
                </th>
                <th scope="col" className={th}>
                  {t("channels.credentialKeys")}
                </th>
                <th scope="col" className={th}>
                  {t("channels.note")}
                </th>
                <th scope="col" className={th}>
                  {t("channels.createdBy")}
                </th>
                <th scope="col" className={th}>
                  {t("common.createdAt")}
                </th>
              </tr>
            </thead>
            <tbody>
              {account.versions.map((v) => (
                <tr key={v.version} className="border-t border-border align-top" data-testid={`version-${v.version}`}>
                  <th scope="row" className="whitespace-nowrap px-3 py-2 text-left font-medium">
                    <span className="tabular">v{v.version}</span>
                    {v.version === account.currentVersion ? (
                      <Badge tone="success" className="ms-2">
                        {t("channels.current")}
                      </Badge>
                    ) : null}
                  </th>
                  <td className="px-3 py-2">
                    <KeyValues value={v.params} />
                  </td>
                  <td className="px-3 py-2">
                    {v.credentialKeys.length ? (
                      <span className="flex flex-wrap gap-1">
                        {v.credentialKeys.map((k) => (
                          <Badge key={k} className="font-mono">
                            {k}
                          </Badge>
                        ))}
                      </span>
                    ) : (
                      <Dash />
                    )}
                  </td>
                  <td className="px-3 py-2">{v.note ?? <Dash />}</td>
                  <td className="px-3 py-2">{v.createdBy ? <span title={v.createdBy}>{who(v.createdBy)}</span> : <span className="text-muted-foreground">{t("channels.system")}</span>}</td>
                  <td className="px-3 py-2">
                    <DateTime value={v.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open ? <ConfigureDialog account={account} onClose={() => setOpen(false)} /> : null}
    </Card>
  );
}

/**
 * A new version: the current parameters filled in, every secret blank. A blank secret keeps its
 * current value (the server merges), so rotating one key means typing only that key.
 */
function ConfigureDialog({ account, onClose }: { account: ChannelAccountDetail; onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateChannel(account.id);
  const types = useQuery(trpc.channels.types.queryOptions());
  const configure = useMutation(trpc.channels.configure.mutationOptions());
  const current = account.versions.find((v) => v.version === account.currentVersion) ?? account.versions[0];
  const [values, setValues] = useState<FieldValues>(() => ({ ...(current?.params ?? {}) }));
  const [note, setNote] = useState("");
  const info = types.data?.find((x) => x.type === account.channelType);
  const errors = channelFormErrors(t, configure.error, ["note", ...(info?.fields.map((f) => f.key) ?? [])]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!info) return;
    configure.reset();
    const { params, credentials } = splitValues(info.fields, values);
    const r = await configure.mutateAsync({ id: account.id, params, credentials, ...(note.trim() ? { note: note.trim() } : {}) }).catch(() => null);
    if (r) {
      toast.success(t("channels.versionCreated", { version: r.currentVersion }));
      await invalidate();
      onClose();
    }
  }

  return (
    <Dialog open onClose={onClose} size="lg" title={t("channels.newVersion")} description={t("channels.newVersionHelp")}>
      {types.isPending ? (
        <LoadingState rows={3} />
      ) : types.isError ? (
        <ErrorState error={types.error} onRetry={() => void types.refetch()} />
      ) : (
        <form onSubmit={submit} className="space-y-6" noValidate>
          <AccountFields
            idPrefix="configure"
            fields={info?.fields ?? []}
            values={values}
            onChange={(key, value) => setValues((v) => ({ ...v, [key]: value }))}
            errors={errors.fields}
            mode="configure"
          />
          <Field label={t("channels.note")} hint={t("channels.noteHint")} error={errors.fields.note}>
            <Input name="note" maxLength={200} value={note} onChange={(e) => setNote(e.target.value)} />
          </Field>
          <FormFooter error={errors.general} onCancel={onClose} loading={configure.isPending} submitLabel={t("channels.createVersion")} />
        </form>
      )}
    </Dialog>
  );
}
