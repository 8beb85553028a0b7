"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import { formatDateTime } from "@/i18n/format";
import { webhookErrorText, webhookFormErrors } from "./labels";
import { SecretOnce } from "./parts";

/**
 * The merchant's webhook endpoint: its URL, deliveries on or off, and the signing secret (shown
 * once, at setup and at each rotation; during the 24 hours after a rotation the old one signs too).
 */
export function EndpointCard({ merchantId, canManage }: { merchantId: string; canManage: boolean }) {
  const { t, locale, timeZone } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const endpoint = useQuery(trpc.webhooks.endpoint.queryOptions({ merchantId }));
  const create = useMutation(trpc.webhooks.createEndpoint.mutationOptions());
  const update = useMutation(trpc.webhooks.updateEndpoint.mutationOptions());
  const rotate = useMutation(trpc.webhooks.rotateSecret.mutationOptions());
  const [editing, setEditing] = useState(false);
  const [url, setUrl] = useState("");
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [secret, setSecret] = useState<{ title: string; secret: string } | null>(null);
  const current = endpoint.data ?? null;
  const saving = current ? update : create;
  const errors = webhookFormErrors(t, saving.error);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.endpoint.queryKey({ merchantId }) });

  function openEditor() {
    create.reset();
    update.reset();
    setUrl(current?.url ?? "");
    setEditing(true);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (current) {
      const r = await update.mutateAsync({ merchantId, url: url.trim() }).catch(() => null);
      if (!r) return;
      toast.success(t("webhooks.endpointSaved"));
    } else {
      const r = await create.mutateAsync({ merchantId, url: url.trim() }).catch(() => null);
      if (!r) return;
      setSecret({ title: t("webhooks.endpointCreated"), secret: r.secret });
    }
    setEditing(false);
    await refresh();
  }

  async function setEnabled(enabled: boolean) {
    const r = await update.mutateAsync({ merchantId, enabled }).catch((e: unknown) => {
      toast.error(webhookErrorText(t, e));
      return null;
    });
    if (!r) return;
    toast.success(enabled ? t("webhooks.endpointEnabled") : t("webhooks.endpointDisabled"));
    await refresh();
  }

  async function doRotate() {
    const r = await rotate.mutateAsync({ merchantId }).catch((e: unknown) => {
      toast.error(webhookErrorText(t, e));
      return null;
    });
    setConfirmRotate(false);
    if (!r) return;
    setSecret({ title: t("webhooks.rotated"), secret: r.secret });
    await refresh();
  }

  let body;
  if (endpoint.isPending) body = <LoadingState rows={2} />;
  else if (endpoint.isError) body = <ErrorState error={endpoint.error} onRetry={() => void endpoint.refetch()} />;
  else if (!current)
    body = (
      <EmptyState
        title={t("webhooks.endpointNone")}
        description={t("webhooks.endpointNoneBody")}
        action={canManage ? <Button onClick={openEditor}>{t("webhooks.endpointCreate")}</Button> : null}
      />
    );
  else
    body = (
      <CardContent className="space-y-3">
        <div className="flex flex-wrap items-center gap-2">
          <code className="min-w-0 break-all rounded-brand bg-muted px-2 py-1 font-mono text-sm" data-testid="endpoint-url">
            {current.url}
          </code>
          <Badge tone={current.enabled ? "success" : "neutral"} data-testid="endpoint-enabled" data-enabled={current.enabled}>
            {current.enabled ? t("webhooks.endpointOn") : t("webhooks.endpointOff")}
          </Badge>
          <Badge tone="info">{t("webhooks.secretVersion", { version: current.secretVersion })}</Badge>
        </div>
        {current.previousSecretExpiresAt ? (
          <p className="text-sm text-muted-foreground" data-testid="previous-secret-until">
            {t("webhooks.previousValidUntil", { at: formatDateTime(current.previousSecretExpiresAt, timeZone, locale) })}
          </p>
        ) : null}
        {canManage ? (
          <div className="flex flex-wrap gap-2">
            <Button variant="secondary" onClick={openEditor}>
              {t("common.edit")}
            </Button>
            <Button variant="secondary" loading={update.isPending && !editing} onClick={() => void setEnabled(!current.enabled)}>
              {current.enabled ? t("webhooks.endpointDisable") : t("webhooks.endpointEnable")}
            </Button>
            <Button variant="secondary" onClick={() => setConfirmRotate(true)}>
              {t("webhooks.rotate")}
            </Button>
          </div>
        ) : (
          <p className="text-sm text-muted-foreground">{t("webhooks.readOnly")}</p>
        )}
      </CardContent>
    );

  return (
    <Card>
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("webhooks.endpointTitle")}</CardTitle>
          <CardDescription>{t("webhooks.endpointHelp")}</CardDescription>
        </div>
      </CardHeader>
      {body}

      {canManage ? (
        <>
          <Dialog open={editing} onClose={() => setEditing(false)} title={current ? t("webhooks.endpointSave") : t("webhooks.endpointCreate")}>
            <form onSubmit={submit} className="space-y-4" noValidate>
              <Field label={t("webhooks.endpointUrl")} hint={t("webhooks.endpointUrlHint")} required error={errors.fields.url}>
                <Input name="url" type="url" inputMode="url" placeholder="https://" value={url} onChange={(e) => setUrl(e.target.value)} />
              </Field>
              <FormFooter error={errors.general} onCancel={() => setEditing(false)} loading={saving.isPending} submitLabel={current ? t("common.save") : t("common.create")} />
            </form>
          </Dialog>

          <Dialog
            open={confirmRotate}
            onClose={() => setConfirmRotate(false)}
            title={t("webhooks.rotateTitle")}
            description={t("webhooks.rotateConfirm")}
            footer={
              <>
                <Button variant="secondary" onClick={() => setConfirmRotate(false)}>
                  {t("common.cancel")}
                </Button>
                <Button loading={rotate.isPending} onClick={() => void doRotate()}>
                  {t("webhooks.rotate")}
                </Button>
              </>
            }
          />

          {/* The secret lives only in this state; closing the dialog forgets it. */}
          <Dialog open={secret !== null} onClose={() => setSecret(null)} title={secret?.title ?? ""} footer={<Button onClick={() => setSecret(null)}>{t("webhooks.secretStored")}</Button>}>
            {secret ? <SecretOnce secret={secret.secret} testId="endpoint-secret" /> : null}
          </Dialog>
        </>
      ) : null}
    </Card>
  );
}
