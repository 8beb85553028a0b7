"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { errorMessage } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";

/**
 * Another channel account for an assigned or active device (devices.rebind): its payments and face
 * credentials go through that account from now on, with the terminal number it has there, if any.
 * The server refuses an account its merchant is not registered on, with the reason.
 */
export function RebindForm({ deviceId, currentAccountId }: { deviceId: string; currentAccountId: string | null }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const accounts = useQuery(trpc.channels.list.queryOptions());
  const [accountId, setAccountId] = useState("");
  const [terminalNo, setTerminalNo] = useState("");
  const [reason, setReason] = useState("");
  const rebind = useMutation(
    trpc.devices.rebind.mutationOptions({
      onSuccess: (d) => {
        toast.success(t("devices.rebound"));
        setAccountId("");
        setTerminalNo("");
        setReason("");
        void queryClient.invalidateQueries({ queryKey: trpc.devices.get.queryKey({ id: d.id }) });
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!accountId || reason.trim().length < 3) return;
    rebind.mutate({ id: deviceId, channelAccountId: accountId, reason: reason.trim(), ...(terminalNo.trim() ? { terminalNo: terminalNo.trim() } : {}) });
  };
  const options = (accounts.data ?? []).filter((a) => a.enabled && a.id !== currentAccountId).map((a) => ({ value: a.id, label: `${a.name} (${a.channelType})` }));
  return (
    <Card data-testid="rebind-device">
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("devices.rebindTitle")}</CardTitle>
          <CardDescription>{t("devices.rebindHelp")}</CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <form className="grid gap-3 sm:grid-cols-3" onSubmit={submit}>
          <Field label={t("devices.rebindAccount")} required>
            <Select name="channelAccountId" value={accountId} onChange={(e) => setAccountId(e.target.value)} placeholder={accounts.isPending ? t("common.loading") : t("devices.rebindChoose")} options={options} />
          </Field>
          <Field label={t("devices.rebindTerminal")} hint={t("devices.rebindTerminalHint")}>
            <Input name="terminalNo" value={terminalNo} onChange={(e) => setTerminalNo(e.target.value)} maxLength={32} />
          </Field>
          <Field label={t("devices.rebindReason")} required error={rebind.isError ? (errorMessage(rebind.error) ?? undefined) : undefined}>
            <Input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </Field>
          <div className="sm:col-span-3">
            <Button type="submit" loading={rebind.isPending} disabled={!accountId || reason.trim().length < 3}>
              {t("devices.rebindSubmit")}
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
