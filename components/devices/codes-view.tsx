"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, errorMessage, LoadingState } from "@/components/ui/states";
import { useT } from "@/i18n/client";
import { tdClass, thClass } from "./parts";

/** One-time activation codes: for a store (registers any device there) or for one serial number. */
export function CodesView({ canManage }: { canManage: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const codes = useQuery(trpc.devices.codes.queryOptions());
  const stores = useQuery(trpc.stores.find.queryOptions({ limit: 200 }));
  const [target, setTarget] = useState<"store" | "serial">("serial");
  const [storeId, setStoreId] = useState("");
  const [serial, setSerial] = useState("");
  const [hours, setHours] = useState("24");
  const create = useMutation(trpc.devices.createCode.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.devices.codes.queryKey() }) }));
  const storeNames = new Map((stores.data?.items ?? []).map((s) => [s.id, s.name]));
  return (
    <div className="space-y-4">
      {canManage ? (
        <Card>
          <CardHeader>
            <CardTitle>{t("devices.codesTitle")}</CardTitle>
            <CardDescription>{t("devices.codesHelp")}</CardDescription>
          </CardHeader>
          <CardContent>
            <form
              className="flex flex-wrap items-end gap-3"
              onSubmit={(e) => {
                e.preventDefault();
                const validMinutes = Math.max(1, Math.min(720, Number(hours) || 24)) * 60;
                create.mutate(target === "store" ? { storeId, validMinutes } : { serialNumber: serial.trim(), validMinutes });
              }}
            >
              <Field label={t("devices.codeFor")}>
                <Select
                  name="target"
                  value={target}
                  onChange={(e) => setTarget(e.target.value as "store" | "serial")}
                  options={[
                    { value: "serial", label: t("devices.codeForSerial") },
                    { value: "store", label: t("devices.codeForStore") },
                  ]}
                />
              </Field>
              {target === "store" ? (
                <Field label={t("devices.store")}>
                  <Select name="storeId" value={storeId} onChange={(e) => setStoreId(e.target.value)} options={[{ value: "", label: t("devices.chooseStore") }, ...(stores.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))]} />
                </Field>
              ) : (
                <Field label={t("devices.serialNumber")}>
                  <Input name="serialNumber" value={serial} onChange={(e) => setSerial(e.target.value)} maxLength={64} />
                </Field>
              )}
              <Field label={t("devices.validHours")}>
                <Input name="validHours" type="number" min={1} max={720} value={hours} onChange={(e) => setHours(e.target.value)} />
              </Field>
              <Button type="submit" loading={create.isPending} disabled={target === "store" ? !storeId : serial.trim() === ""}>
                {t("devices.createCode")}
              </Button>
            </form>
            {create.isError ? <p className="mt-2 text-sm text-danger">{errorMessage(create.error)}</p> : null}
            {create.data ? (
              <div className="mt-4 rounded-brand border border-primary/40 bg-primary/5 p-3" data-testid="new-code">
                <p className="text-sm">{t("devices.codeShownOnce")}</p>
                <p className="my-1 font-mono text-2xl tracking-widest">{create.data.code}</p>
                <p className="text-xs text-muted-foreground">
                  {t("devices.codeExpires", { time: create.data.expiresAt.toLocaleString() })}
                </p>
              </div>
            ) : null}
          </CardContent>
        </Card>
      ) : null}
      {codes.isPending ? (
        <LoadingState />
      ) : codes.isError ? (
        <ErrorState error={codes.error} onRetry={() => void codes.refetch()} />
      ) : codes.data.length === 0 ? (
        <EmptyState title={t("devices.codesEmpty")} />
      ) : (
        <table className="w-full text-sm">
          <thead className="bg-muted/40">
            <tr>
              <th className={thClass}>{t("devices.target")}</th>
              <th className={thClass}>{t("devices.codeState")}</th>
              <th className={thClass}>{t("devices.createdAt")}</th>
              <th className={thClass}>{t("devices.expiresAt")}</th>
              <th className={thClass}>{t("devices.actor")}</th>
            </tr>
          </thead>
          <tbody>
            {codes.data.map((c) => (
              <tr key={c.id} className="border-t border-border">
                <td className={tdClass}>{c.serialNumber ? <span className="font-mono text-xs">{c.serialNumber}</span> : c.storeId ? (storeNames.get(c.storeId) ?? c.storeId) : "—"}</td>
                <td className={tdClass}>
                  <Badge tone={c.state === "OPEN" ? "success" : c.state === "USED" ? "info" : "neutral"}>{t(`devices.codeState_${c.state}`)}</Badge>
                </td>
                <td className={tdClass}>
                  <DateTime value={c.createdAt} />
                </td>
                <td className={tdClass}>
                  <DateTime value={c.expiresAt} />
                </td>
                <td className={tdClass}>{c.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
