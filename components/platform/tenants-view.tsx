"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { formErrors } from "@/components/ui/form-errors";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";

interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: "ACTIVE" | "SUSPENDED";
  settlementMode: "DIRECT" | "CUSTODIAL";
  licenceNumber: string | null;
  createdAt: Date;
  _count: { merchants: number; users: number };
}

export function TenantsView({ baseHost }: { baseHost: string }) {
  const t = useT();
  const trpc = useTRPC();
  const list = useQuery(trpc.platform.findTenants.queryOptions());
  const [creating, setCreating] = useState(false);
  const [changing, setChanging] = useState<TenantRow | null>(null);
  const port = typeof window === "undefined" ? "" : window.location.port ? `:${window.location.port}` : "";
  return (
    <div className="space-y-6">
      <PageHeader title={t("platform.title")} description={t("platform.description")} actions={<Button onClick={() => setCreating(true)}>{t("platform.create")}</Button>} />
      <Card>
        <CardContent className="p-0">
          {list.isLoading ? (
            <LoadingState rows={4} />
          ) : list.error ? (
            <ErrorState error={list.error} onRetry={() => void list.refetch()} />
          ) : !list.data?.length ? (
            <EmptyState title={t("platform.emptyTitle")} />
          ) : (
            <table className="w-full text-sm">
              <thead className="bg-muted text-left text-muted-foreground">
                <tr>
                  <th className="px-4 py-2">{t("platform.name")}</th>
                  <th>{t("platform.host")}</th>
                  <th>{t("platform.settlementMode")}</th>
                  <th className="text-right">{t("platform.merchants")}</th>
                  <th className="text-right">{t("platform.users")}</th>
                  <th>{t("common.status")}</th>
                  <th>{t("common.createdAt")}</th>
                  <th className="sr-only">{t("common.actions")}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {list.data.map((r) => (
                  <tr key={r.id} data-testid={`tenant-${r.slug}`}>
                    <td className="px-4 py-2 font-medium">{r.name}</td>
                    <td className="font-mono text-xs">
                      {r.slug}.{baseHost}
                      {port}
                    </td>
                    <td>{r.settlementMode}</td>
                    <td className="text-right tabular">{r._count.merchants}</td>
                    <td className="text-right tabular">{r._count.users}</td>
                    <td>
                      <Badge tone={r.status === "ACTIVE" ? "success" : "danger"}>{t(`roles.${r.status}`)}</Badge>
                    </td>
                    <td>
                      <DateTime value={r.createdAt} dateOnly />
                    </td>
                    <td className="pr-4 text-right">
                      <Button size="sm" variant={r.status === "ACTIVE" ? "danger" : "secondary"} onClick={() => setChanging(r)}>
                        {r.status === "ACTIVE" ? t("platform.suspend") : t("platform.reopen")}
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </CardContent>
      </Card>
      {creating ? <CreateTenantDialog onClose={() => setCreating(false)} /> : null}
      {changing ? <StatusDialog tenant={changing} onClose={() => setChanging(null)} /> : null}
    </div>
  );
}

function CreateTenantDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.platform.createTenant.mutationOptions());
  const [v, setV] = useState({ slug: "", name: "", ownerEmail: "", ownerPassword: "", timeZone: "Asia/Shanghai", settlementMode: "DIRECT" as "DIRECT" | "CUSTODIAL", licenceNumber: "", defaultLocale: "zh-CN" as "zh-CN" | "en" });
  const errors = formErrors(create.error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create.mutateAsync({ ...v, licenceNumber: v.licenceNumber || undefined }).catch(() => null);
    if (r) {
      toast.success(t("platform.created"));
      await queryClient.invalidateQueries({ queryKey: trpc.platform.findTenants.queryKey() });
      onClose();
    }
  }
  const input = (k: "slug" | "name" | "ownerEmail" | "ownerPassword" | "timeZone" | "licenceNumber", label: string, type = "text", hint?: string) => (
    <Field label={label} error={errors.fields[k]} {...(hint ? { hint } : {})} required={k !== "licenceNumber"}>
      <Input name={k} type={type} value={v[k]} onChange={(e) => setV({ ...v, [k]: e.target.value })} />
    </Field>
  );
  return (
    <Dialog open onClose={onClose} title={t("platform.create")} size="lg">
      <form onSubmit={submit} className="grid gap-4 md:grid-cols-2" noValidate>
        {input("name", t("platform.name"))}
        {input("slug", t("platform.slug"))}
        {input("ownerEmail", t("platform.ownerEmail"), "email")}
        {input("ownerPassword", t("platform.ownerPassword"), "password", t("auth.passwordRule"))}
        {input("timeZone", t("platform.timeZone"))}
        <Field label={t("platform.defaultLocale")}>
          <Select value={v.defaultLocale} onChange={(e) => setV({ ...v, defaultLocale: e.target.value as "zh-CN" | "en" })} options={[{ value: "zh-CN", label: "中文" }, { value: "en", label: "English" }]} />
        </Field>
        <Field label={t("platform.settlementMode")}>
          <Select
            name="settlementMode"
            value={v.settlementMode}
            onChange={(e) => setV({ ...v, settlementMode: e.target.value as "DIRECT" | "CUSTODIAL" })}
            options={[
              { value: "DIRECT", label: t("roles.DIRECT") },
              { value: "CUSTODIAL", label: t("roles.CUSTODIAL") },
            ]}
          />
        </Field>
        {input("licenceNumber", t("platform.licenceNumber"), "text", t("platform.licenceHint"))}
        <FormFooter error={errors.general} onCancel={onClose} loading={create.isPending} className="md:col-span-2" />
      </form>
    </Dialog>
  );
}

function StatusDialog({ tenant, onClose }: { tenant: TenantRow; onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const suspend = useMutation(trpc.platform.suspendTenant.mutationOptions());
  const reopen = useMutation(trpc.platform.reopenTenant.mutationOptions());
  const m = tenant.status === "ACTIVE" ? suspend : reopen;
  const [reason, setReason] = useState("");
  const errors = formErrors(m.error);
  return (
    <Dialog open onClose={onClose} title={`${tenant.status === "ACTIVE" ? t("platform.suspend") : t("platform.reopen")}: ${tenant.name}`} description={tenant.status === "ACTIVE" ? t("platform.suspendConfirm") : undefined}>
      <form
        className="space-y-4"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await m.mutateAsync({ tenantId: tenant.id, reason }).catch(() => null);
          if (r) {
            toast.success(tenant.status === "ACTIVE" ? t("platform.suspended", { count: r.sessionsEnded }) : t("platform.reopened"));
            await queryClient.invalidateQueries({ queryKey: trpc.platform.findTenants.queryKey() });
            onClose();
          }
        }}
      >
        <Field label={t("platform.reason")} required error={errors.fields.reason ?? errors.general}>
          <Input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" variant={tenant.status === "ACTIVE" ? "danger" : "primary"} loading={m.isPending}>
            {t("common.confirm")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
