"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { RegistrationsTable } from "@/components/channels/registrations-table";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { formErrors } from "@/components/ui/form-errors";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { Tabs } from "@/components/ui/tabs";
import { useToast } from "@/components/ui/toast";
import { DevelopersTab } from "@/components/webhooks/developers-tab";
import { useT } from "@/i18n/client";
import { MerchantForm, type MerchantFormValues } from "./merchant-form";
import { StoresTable } from "./stores-table";

export function MerchantDetail({ merchant, canEdit }: { merchant: MerchantFormValues & { id: string; status: "ACTIVE" | "SUSPENDED" | "ARCHIVED" }; canEdit: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const router = useRouter();
  const archive = useMutation(trpc.merchants.archive.mutationOptions());
  const [confirm, setConfirm] = useState(false);
  const editable = canEdit && merchant.status !== "ARCHIVED";
  return (
    <div className="space-y-6">
      <PageHeader
        title={merchant.shortName}
        description={merchant.legalName}
        actions={
          <div className="flex items-center gap-2">
            <Badge tone={merchant.status === "ACTIVE" ? "success" : merchant.status === "SUSPENDED" ? "warning" : "neutral"}>{t(`roles.${merchant.status}`)}</Badge>
            {editable ? (
              <Button variant="danger" onClick={() => setConfirm(true)}>
                {t("merchants.archive")}
              </Button>
            ) : null}
          </div>
        }
      />
      <Tabs
        label={merchant.shortName}
        items={[
          { id: "profile", label: t("merchants.profile"), content: <MerchantForm merchantId={merchant.id} initial={merchant} canEdit={editable} /> },
          { id: "stores", label: t("merchants.stores"), content: <StoresTable merchantId={merchant.id} canEdit={editable} /> },
          { id: "users", label: t("merchants.portalUsers"), content: <PortalUsers merchantId={merchant.id} canEdit={editable} /> },
          // registrations.manage is held by the same roles as merchants.write; the server checks it again.
          { id: "registrations", label: t("registrations.title"), content: <RegistrationsTable merchantId={merchant.id} canManage={editable} /> },
          // webhooks.manage is held by the same roles as merchants.write; the server checks it again.
          { id: "developers", label: t("webhooks.developers"), content: <DevelopersTab merchantId={merchant.id} canManage={editable} /> },
        ]}
      />
      <Dialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={t("merchants.archive")}
        description={t("merchants.archiveConfirm")}
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirm(false)}>
              {t("common.cancel")}
            </Button>
            <Button
              variant="danger"
              loading={archive.isPending}
              onClick={async () => {
                await archive.mutateAsync({ id: merchant.id });
                toast.success(t("merchants.archived"));
                setConfirm(false);
                router.refresh();
              }}
            >
              {t("common.confirm")}
            </Button>
          </>
        }
      />
    </div>
  );
}

function PortalUsers({ merchantId, canEdit }: { merchantId: string; canEdit: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.merchants.findUsers.queryOptions({ merchantId }));
  const create = useMutation(trpc.merchants.createUser.mutationOptions());
  const [open, setOpen] = useState(false);
  const [v, setV] = useState({ email: "", name: "", role: "MERCHANT_ADMIN" as "MERCHANT_ADMIN" | "MERCHANT_STAFF", password: "" });
  const errors = formErrors(create.error);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create.mutateAsync({ merchantId, ...v }).catch(() => null);
    if (r) {
      toast.success(t("users.created"));
      setOpen(false);
      setV({ email: "", name: "", role: "MERCHANT_ADMIN", password: "" });
      await queryClient.invalidateQueries({ queryKey: trpc.merchants.findUsers.queryKey() });
    }
  }

  return (
    <Card>
      <CardHeader className="flex flex-row items-center justify-between">
        <CardTitle>{t("merchants.portalUsers")}</CardTitle>
        {canEdit ? <Button onClick={() => setOpen(true)}>{t("merchants.newPortalUser")}</Button> : null}
      </CardHeader>
      <CardContent>
        {list.isLoading ? (
          <LoadingState rows={2} />
        ) : list.error ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : !list.data?.items.length ? (
          <EmptyState title={t("merchants.noPortalUsers")} />
        ) : (
          <ul className="divide-y divide-border text-sm">
            {list.data.items.map((u) => (
              <li key={u.id} className="flex items-center justify-between py-2">
                <span>
                  {u.name} · {u.email}
                </span>
                <span className="flex gap-2">
                  <Badge>{t(`roles.${u.role}`)}</Badge>
                  <Badge tone={u.status === "ACTIVE" ? "success" : "neutral"}>{t(`roles.${u.status}`)}</Badge>
                </span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
      <Dialog open={open} onClose={() => setOpen(false)} title={t("merchants.newPortalUser")}>
        <form onSubmit={submit} className="space-y-4" noValidate>
          <Field label={t("users.name")} required error={errors.fields.name}>
            <Input value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} />
          </Field>
          <Field label={t("common.email")} required error={errors.fields.email}>
            <Input type="email" value={v.email} onChange={(e) => setV({ ...v, email: e.target.value })} />
          </Field>
          <Field label={t("common.role")} required>
            <Select
              value={v.role}
              onChange={(e) => setV({ ...v, role: e.target.value as "MERCHANT_ADMIN" | "MERCHANT_STAFF" })}
              options={(["MERCHANT_ADMIN", "MERCHANT_STAFF"] as const).map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            />
          </Field>
          <Field label={t("users.initialPassword")} required hint={t("auth.passwordRule")} error={errors.fields.password}>
            <Input type="password" autoComplete="new-password" value={v.password} onChange={(e) => setV({ ...v, password: e.target.value })} />
          </Field>
          <FormFooter error={errors.general} onCancel={() => setOpen(false)} loading={create.isPending} />
        </form>
      </Dialog>
    </Card>
  );
}
