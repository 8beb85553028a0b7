"use client";

import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { EmptyState, ErrorState, errorMessage, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { tdClass, thClass } from "./parts";

/** Remote configuration versions (pushed with the next heartbeat) and the fleet settings. */
export function ConfigView({ canManage, canSettings }: { canManage: boolean; canSettings: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const configs = useQuery(trpc.devices.configs.queryOptions());
  const settings = useQuery(trpc.devices.settings.queryOptions());
  const [draft, setDraft] = useState({ successText: "", idleScreenText: "", heartbeat: "", note: "" });
  const [s, setS] = useState({ offline: "300", meters: "1000", incentive: "100" });
  useEffect(() => {
    const x = settings.data;
    if (x) setS({ offline: String(x.offlineAfterSeconds), meters: String(x.relocationMeters), incentive: String(x.incentiveMinAmountMinor) });
  }, [settings.data]);
  const publish = useMutation(
    trpc.devices.createConfig.mutationOptions({
      onSuccess: (r) => {
        toast.success(t("devices.published", { version: r.version }));
        void queryClient.invalidateQueries({ queryKey: trpc.devices.configs.queryKey() });
      },
    }),
  );
  const saveSettings = useMutation(
    trpc.devices.updateSettings.mutationOptions({
      onSuccess: () => {
        toast.success(t("devices.saved"));
        void queryClient.invalidateQueries({ queryKey: trpc.devices.settings.queryKey() });
      },
    }),
  );
  return (
    <div className="space-y-4">
      {canManage ? (
        <Card>
          <CardHeader>
            <CardTitle>{t("devices.configTitle")}</CardTitle>
            <CardDescription>{t("devices.configHelp")}</CardDescription>
          </CardHeader>
          <CardContent>
            <form
              className="grid gap-3 sm:grid-cols-2"
              onSubmit={(e) => {
                e.preventDefault();
                const heartbeat = Number(draft.heartbeat);
                publish.mutate({
                  values: {
                    ...(draft.successText.trim() ? { successText: draft.successText.trim() } : {}),
                    ...(draft.idleScreenText.trim() ? { idleScreenText: draft.idleScreenText.trim() } : {}),
                    ...(draft.heartbeat.trim() && Number.isInteger(heartbeat) ? { heartbeatIntervalSeconds: heartbeat } : {}),
                  },
                  note: draft.note.trim(),
                });
              }}
            >
              <Field label={t("devices.successText")}>
                <Input name="successText" value={draft.successText} maxLength={64} onChange={(e) => setDraft({ ...draft, successText: e.target.value })} />
              </Field>
              <Field label={t("devices.idleScreenText")}>
                <Input name="idleScreenText" value={draft.idleScreenText} maxLength={64} onChange={(e) => setDraft({ ...draft, idleScreenText: e.target.value })} />
              </Field>
              <Field label={t("devices.heartbeatInterval")}>
                <Input name="heartbeat" type="number" min={10} max={3600} value={draft.heartbeat} onChange={(e) => setDraft({ ...draft, heartbeat: e.target.value })} />
              </Field>
              <Field label={t("devices.note")}>
                <Input name="note" value={draft.note} maxLength={256} onChange={(e) => setDraft({ ...draft, note: e.target.value })} />
              </Field>
              <div className="sm:col-span-2">
                <Button type="submit" loading={publish.isPending}>
                  {t("devices.publish")}
                </Button>
                {publish.isError ? <p className="mt-2 text-sm text-danger">{errorMessage(publish.error)}</p> : null}
              </div>
            </form>
          </CardContent>
        </Card>
      ) : null}
      {configs.isPending ? (
        <LoadingState />
      ) : configs.isError ? (
        <ErrorState error={configs.error} onRetry={() => void configs.refetch()} />
      ) : configs.data.versions.length === 0 ? (
        <EmptyState title={t("devices.configEmpty")} />
      ) : (
        <div className="space-y-2">
          {configs.data.devicesBehind > 0 ? <p className="text-sm text-muted-foreground">{t("devices.devicesBehind", { count: configs.data.devicesBehind })}</p> : null}
          <table className="w-full text-sm">
            <thead className="bg-muted/40">
              <tr>
                <th className={thClass}>{t("devices.version")}</th>
                <th className={thClass}>{t("devices.values")}</th>
                <th className={thClass}>{t("devices.note")}</th>
                <th className={thClass}>{t("devices.actor")}</th>
                <th className={thClass}>{t("devices.createdAt")}</th>
              </tr>
            </thead>
            <tbody>
              {configs.data.versions.map((v) => (
                <tr key={v.version} className="border-t border-border">
                  <td className={tdClass}>{v.version}</td>
                  <td className={`${tdClass} font-mono text-xs`}>{JSON.stringify(v.values)}</td>
                  <td className={tdClass}>{v.note || "—"}</td>
                  <td className={tdClass}>{v.createdBy}</td>
                  <td className={tdClass}>
                    <DateTime value={v.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Card>
        <CardHeader>
          <CardTitle>{t("devices.settingsTitle")}</CardTitle>
        </CardHeader>
        <CardContent>
          {settings.isError ? <ErrorState error={settings.error} compact /> : null}
          <form
            className="flex flex-wrap items-end gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              saveSettings.mutate({ offlineAfterSeconds: Number(s.offline), relocationMeters: Number(s.meters), incentiveMinAmountMinor: BigInt(Math.max(0, Math.floor(Number(s.incentive) || 0))) });
            }}
          >
            <Field label={t("devices.offlineAfter")}>
              <Input name="offlineAfterSeconds" type="number" min={30} max={86400} disabled={!canSettings} value={s.offline} onChange={(e) => setS({ ...s, offline: e.target.value })} />
            </Field>
            <Field label={t("devices.relocationMeters")}>
              <Input name="relocationMeters" type="number" min={50} disabled={!canSettings} value={s.meters} onChange={(e) => setS({ ...s, meters: e.target.value })} />
            </Field>
            <Field label={t("devices.incentiveMin")}>
              <Input name="incentiveMinAmountMinor" type="number" min={0} disabled={!canSettings} value={s.incentive} onChange={(e) => setS({ ...s, incentive: e.target.value })} />
            </Field>
            {canSettings ? (
              <Button type="submit" loading={saveSettings.isPending}>
                {t("devices.save")}
              </Button>
            ) : null}
          </form>
          {saveSettings.isError ? <p className="mt-2 text-sm text-danger">{errorMessage(saveSettings.error)}</p> : null}
        </CardContent>
      </Card>
    </div>
  );
}
