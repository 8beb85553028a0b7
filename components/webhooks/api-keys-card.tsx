"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
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
import { useI18n } from "@/i18n/client";
import { webhookErrorText, webhookFormErrors } from "./labels";
import { SecretOnce } from "./parts";
import type { ApiKeyRow } from "./types";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
const td = "px-3 py-2 align-top";

/**
 * The merchant's API keys: list (never a secret), create (the secret shown once, with copy) and
 * revoke. Listing needs merchants.write like managing, so a reader without it gets a note.
 */
export function ApiKeysCard({ merchantId, canManage }: { merchantId: string; canManage: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const list = useQuery({ ...trpc.apiKeys.list.queryOptions({ merchantId }), enabled: canManage });
  const create = useMutation(trpc.apiKeys.create.mutationOptions());
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions());
  const [creating, setCreating] = useState(false);
  const [label, setLabel] = useState("");
  const [secret, setSecret] = useState<{ keyId: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyRow | null>(null);
  const errors = webhookFormErrors(t, create.error);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey({ merchantId }) });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create.mutateAsync({ merchantId, ...(label.trim() ? { label: label.trim() } : {}) }).catch(() => null);
    if (!r) return;
    setCreating(false);
    setLabel("");
    setSecret({ keyId: r.keyId, secret: r.secret });
    toast.success(t("webhooks.apiKeyCreated"));
    await refresh();
  }

  async function confirmRevoke() {
    if (!revoking) return;
    const r = await revoke.mutateAsync({ id: revoking.id }).catch((e: unknown) => {
      toast.error(webhookErrorText(t, e));
      return null;
    });
    setRevoking(null);
    if (!r) return;
    toast.success(t("webhooks.apiKeyRevoked"));
    await refresh();
  }

  let body;
  if (!canManage) body = <p className="px-5 py-4 text-sm text-muted-foreground">{t("webhooks.apiKeysForbidden")}</p>;
  else if (list.isPending) body = <LoadingState rows={2} />;
  else if (list.isError) body = <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  else if (list.data.length === 0) body = <EmptyState title={t("webhooks.apiKeysEmpty")} description={t("webhooks.apiKeysEmptyBody")} />;
  else
    body = (
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm" data-testid="api-keys">
          <thead className="bg-muted">
            <tr>
              {[t("webhooks.apiKeyId"), t("webhooks.apiKeyLabel"), t("common.status"), t("common.createdAt"), t("webhooks.apiKeyLastUsed"), ""].map((h, i) => (
                <th key={i} scope="col" className={th}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {list.data.map((k) => (
              <tr key={k.id} className="border-t border-border" data-testid="api-key-row" data-status={k.status}>
                <td className={`${td} font-mono text-xs`}>{k.keyId}</td>
                <td className={td}>{k.label || <span className="text-muted-foreground">—</span>}</td>
                <td className={td}>
                  <Badge tone={k.status === "ACTIVE" ? "success" : "neutral"}>{t(`webhooks.apiKeyStatus_${k.status}`)}</Badge>
                </td>
                <td className={td}>
                  <DateTime value={k.createdAt} />
                </td>
                <td className={td}>{k.lastUsedAt ? <DateTime value={k.lastUsedAt} /> : <span className="text-muted-foreground">{t("webhooks.never")}</span>}</td>
                <td className={`${td} text-right`}>
                  {k.status === "ACTIVE" ? (
                    <Button size="sm" variant="danger" onClick={() => setRevoking(k)}>
                      {t("webhooks.apiKeyRevoke")}
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <Card>
      <CardHeader className="flex flex-row items-start justify-between gap-4">
        <div className="min-w-0">
          <CardTitle>{t("webhooks.apiKeysTitle")}</CardTitle>
          <CardDescription>{t("webhooks.apiKeysHelp")}</CardDescription>
        </div>
        {canManage ? <Button onClick={() => setCreating(true)}>{t("webhooks.apiKeyNew")}</Button> : null}
      </CardHeader>
      {body}

      {canManage ? (
        <>
          <Dialog open={creating} onClose={() => setCreating(false)} title={t("webhooks.apiKeyNew")}>
            <form onSubmit={submit} className="space-y-4" noValidate>
              <Field label={t("webhooks.apiKeyLabel")} hint={t("webhooks.apiKeyLabelHint")} error={errors.fields.label}>
                <Input name="label" value={label} maxLength={80} onChange={(e) => setLabel(e.target.value)} />
              </Field>
              <FormFooter error={errors.general} onCancel={() => setCreating(false)} loading={create.isPending} />
            </form>
          </Dialog>

          {/* The secret lives only in this state; closing the dialog forgets it. */}
          <Dialog
            open={secret !== null}
            onClose={() => setSecret(null)}
            title={t("webhooks.apiKeyCreated")}
            description={secret?.keyId}
            footer={<Button onClick={() => setSecret(null)}>{t("webhooks.secretStored")}</Button>}
          >
            {secret ? <SecretOnce secret={secret.secret} testId="api-key-secret" /> : null}
          </Dialog>

          <Dialog
            open={revoking !== null}
            onClose={() => setRevoking(null)}
            title={t("webhooks.apiKeyRevokeTitle")}
            description={revoking ? t("webhooks.apiKeyRevokeConfirm", { keyId: revoking.keyId }) : undefined}
            footer={
              <>
                <Button variant="secondary" onClick={() => setRevoking(null)}>
                  {t("common.cancel")}
                </Button>
                <Button variant="danger" loading={revoke.isPending} onClick={() => void confirmRevoke()}>
                  {t("webhooks.apiKeyRevoke")}
                </Button>
              </>
            }
          />
        </>
      ) : null}
    </Card>
  );
}
