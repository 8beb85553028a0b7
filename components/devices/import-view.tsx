"use client";

import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { ErrorState } from "@/components/ui/states";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { tdClass, thClass } from "./parts";

/** Bulk import from CSV: preview (parsed rows, row-level errors) first, then import all or nothing. */
export function ImportView() {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [csv, setCsv] = useState("");
  const preview = useMutation(trpc.devices.import.mutationOptions());
  const commit = useMutation(
    trpc.devices.import.mutationOptions({
      onSuccess: (r) => {
        toast.success(t("devices.imported", { count: r.imported }));
        // The fleet list and its counts were cached before the import.
        void queryClient.invalidateQueries({ queryKey: ["devices.list"] });
        void queryClient.invalidateQueries({ queryKey: trpc.devices.overview.queryKey() });
        router.push("/devices");
      },
    }),
  );
  const result = preview.data;
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("devices.importTitle")}</CardTitle>
        <CardDescription>{t("devices.importHelp")}</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <Field label={t("devices.importFile")}>
          <input
            type="file"
            accept=".csv,text/csv"
            name="file"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              setCsv(await file.text());
              preview.reset();
            }}
          />
        </Field>
        <Field label={t("devices.importText")}>
          <Textarea
            name="csv"
            rows={8}
            className="font-mono text-xs"
            value={csv}
            onChange={(e) => {
              setCsv(e.target.value);
              preview.reset();
            }}
          />
        </Field>
        <div className="flex gap-2">
          <Button variant="secondary" loading={preview.isPending} disabled={csv.trim() === ""} onClick={() => preview.mutate({ csv, commit: false })}>
            {t("devices.preview")}
          </Button>
          {result && result.errors.length === 0 && result.rows.length > 0 ? (
            <Button loading={commit.isPending} onClick={() => commit.mutate({ csv, commit: true })}>
              {t("devices.importNow", { count: result.rows.length })}
            </Button>
          ) : null}
        </div>
        {preview.isError ? <ErrorState error={preview.error} compact /> : null}
        {commit.isError ? <ErrorState error={commit.error} compact /> : null}
        {result ? (
          <div className="space-y-3" data-testid="import-preview">
            <p className="text-sm">
              {t("devices.previewRows", { count: result.rows.length })}
              {result.errors.length > 0 ? ` · ${t("devices.previewErrors", { count: result.errors.length })}` : ""}
            </p>
            {result.errors.length > 0 ? (
              <table className="w-full text-sm" data-testid="import-errors">
                <thead className="bg-muted/40">
                  <tr>
                    <th className={thClass}>{t("devices.line")}</th>
                    <th className={thClass}>{t("devices.serialNumber")}</th>
                    <th className={thClass}>{t("devices.column")}</th>
                    <th className={thClass}>{t("devices.error")}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.errors.map((e) => (
                    <tr key={`${e.line}-${e.code}`} className="border-t border-border" data-line={e.line}>
                      <td className={tdClass}>{e.line}</td>
                      <td className={`${tdClass} font-mono text-xs`}>{e.serialNumber}</td>
                      <td className={tdClass}>{e.column}</td>
                      <td className={`${tdClass} text-danger`}>{t(`devices.importError_${e.code}`)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            {result.rows.length > 0 ? (
              <table className="w-full text-sm" data-testid="import-rows">
                <thead className="bg-muted/40">
                  <tr>
                    <th className={thClass}>{t("devices.line")}</th>
                    <th className={thClass}>{t("devices.serialNumber")}</th>
                    <th className={thClass}>{t("devices.model")}</th>
                    <th className={thClass}>{t("devices.vendor")}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.rows.slice(0, 200).map((r) => (
                    <tr key={r.serialNumber} className="border-t border-border">
                      <td className={tdClass}>{r.line}</td>
                      <td className={`${tdClass} font-mono text-xs`}>{r.serialNumber}</td>
                      <td className={tdClass}>{r.model || "—"}</td>
                      <td className={tdClass}>{t(`devices.vendor_${r.vendor as "OTHER"}`)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}
