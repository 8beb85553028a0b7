"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useState, type FormEvent } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { errorText, formErrors } from "@/components/ui/form-errors";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";

type ConsoleRole = "OWNER" | "ADMIN" | "OPERATIONS" | "FINANCE" | "VIEWER";
const ROLES: ConsoleRole[] = ["OWNER", "ADMIN", "OPERATIONS", "FINANCE", "VIEWER"];

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: ConsoleRole | "MERCHANT_ADMIN" | "MERCHANT_STAFF";
  status: "ACTIVE" | "DISABLED";
  createdAt: Date;
  merchant: { shortName: string } | null;
}

export function UsersView({ actorRole, actorId }: { actorRole: ConsoleRole; actorId: string }) {
  const t = useT();
  const client = useTRPCClient();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [invite, setInvite] = useState(false);
  const [reset, setReset] = useState<UserRow | null>(null);
  const changeRole = useMutation(trpc.users.changeRole.mutationOptions());
  const setStatus = useMutation(trpc.users.setStatus.mutationOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["users.find"] });
  const assignable = ROLES.filter((r) => r !== "OWNER" || actorRole === "OWNER");

  const columns: ColumnDef<UserRow, unknown>[] = [
    { id: "name", header: t("users.name"), cell: ({ row }) => <span className="font-medium">{row.original.name}</span> },
    { id: "email", header: t("common.email"), accessorFn: (r) => r.email },
    {
      id: "role",
      header: t("common.role"),
      cell: ({ row }) => {
        const u = row.original;
        const editable = !u.merchant && u.id !== actorId && (u.role !== "OWNER" || actorRole === "OWNER");
        if (!editable) return <Badge>{t(`roles.${u.role}`)}</Badge>;
        return (
          <Select
            aria-label={`${t("users.changeRole")}: ${u.email}`}
            value={u.role}
            onChange={async (e) => {
              await changeRole
                .mutateAsync({ userId: u.id, role: e.target.value as ConsoleRole })
                .then(() => toast.success(t("users.roleChanged")))
                .catch((err: unknown) => toast.error(errorText(err) ?? t("common.errorTitle")));
              await refresh();
            }}
            options={assignable.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
          />
        );
      },
    },
    { id: "merchant", header: t("users.merchant"), accessorFn: (r) => r.merchant?.shortName ?? "—" },
    { id: "status", header: t("common.status"), cell: ({ row }) => <Badge tone={row.original.status === "ACTIVE" ? "success" : "neutral"}>{t(`roles.${row.original.status}`)}</Badge> },
    { id: "createdAt", header: t("common.createdAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    {
      id: "actions",
      header: t("common.actions"),
      cell: ({ row }) => {
        const u = row.original;
        if (u.id === actorId || (u.role === "OWNER" && actorRole !== "OWNER")) return null;
        return (
          <span className="flex gap-1">
            <Button
              size="sm"
              variant="ghost"
              onClick={async () => {
                await setStatus
                  .mutateAsync({ userId: u.id, status: u.status === "ACTIVE" ? "DISABLED" : "ACTIVE" })
                  .then(() => toast.success(t("users.statusChanged")))
                  .catch((err: unknown) => toast.error(errorText(err) ?? t("common.errorTitle")));
                await refresh();
              }}
            >
              {u.status === "ACTIVE" ? t("users.disable") : t("users.enable")}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setReset(u)}>
              {t("users.resetPassword")}
            </Button>
          </span>
        );
      },
    },
  ];

  return (
    <>
      <p className="text-sm text-muted-foreground">{t("users.roleHelp")}</p>
      <DataTable<UserRow>
        label={t("users.title")}
        queryKey={["users.find"]}
        fetchPage={({ cursor, limit, filters }) =>
          client.users.find.query({
            cursor,
            limit,
            ...(filters.q ? { q: filters.q } : {}),
            ...(filters.role ? { role: filters.role as ConsoleRole } : {}),
          })
        }
        columns={columns}
        getRowId={(r) => r.id}
        filters={[
          { id: "q", label: t("common.search"), type: "text" },
          { id: "role", label: t("common.role"), type: "select", options: [...ROLES, "MERCHANT_ADMIN", "MERCHANT_STAFF"].map((r) => ({ value: r, label: t(`roles.${r as ConsoleRole}`) })) },
        ]}
        csv={{
          filename: "users.csv",
          columns: [
            { header: "email", value: (r) => r.email },
            { header: "name", value: (r) => r.name },
            { header: "role", value: (r) => r.role },
            { header: "status", value: (r) => r.status },
            { header: "merchant", value: (r) => r.merchant?.shortName ?? "" },
          ],
        }}
        emptyTitle={t("users.emptyTitle")}
        toolbar={<Button onClick={() => setInvite(true)}>{t("users.invite")}</Button>}
      />
      {invite ? <InviteDialog roles={assignable} onClose={() => setInvite(false)} onDone={refresh} /> : null}
      {reset ? <ResetDialog user={reset} onClose={() => setReset(null)} /> : null}
    </>
  );
}

function InviteDialog({ roles, onClose, onDone }: { roles: ConsoleRole[]; onClose: () => void; onDone: () => Promise<unknown> }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const create = useMutation(trpc.users.create.mutationOptions());
  const [v, setV] = useState({ email: "", name: "", role: "VIEWER" as ConsoleRole, password: "" });
  const errors = formErrors(create.error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create.mutateAsync(v).catch(() => null);
    if (r) {
      toast.success(t("users.created"));
      await onDone();
      onClose();
    }
  }
  return (
    <Dialog open onClose={onClose} title={t("users.invite")}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        <Field label={t("users.name")} required error={errors.fields.name}>
          <Input name="name" value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} />
        </Field>
        <Field label={t("common.email")} required error={errors.fields.email}>
          <Input name="email" type="email" value={v.email} onChange={(e) => setV({ ...v, email: e.target.value })} />
        </Field>
        <Field label={t("common.role")} required>
          <Select name="role" value={v.role} onChange={(e) => setV({ ...v, role: e.target.value as ConsoleRole })} options={roles.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
        </Field>
        <Field label={t("users.initialPassword")} required hint={t("auth.passwordRule")} error={errors.fields.password}>
          <Input name="password" type="password" autoComplete="new-password" value={v.password} onChange={(e) => setV({ ...v, password: e.target.value })} />
        </Field>
        <FormFooter error={errors.general} onCancel={onClose} loading={create.isPending} />
      </form>
    </Dialog>
  );
}

function ResetDialog({ user, onClose }: { user: UserRow; onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const reset = useMutation(trpc.users.resetPassword.mutationOptions());
  const [password, setPassword] = useState("");
  const errors = formErrors(reset.error);
  return (
    <Dialog open onClose={onClose} title={`${t("users.resetPassword")}: ${user.email}`}>
      <form
        className="space-y-4"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await reset.mutateAsync({ userId: user.id, password }).catch(() => null);
          if (r) {
            toast.success(t("users.passwordReset"));
            onClose();
          }
        }}
      >
        <Field label={t("auth.newPassword")} required hint={t("auth.passwordRule")} error={errors.fields.password ?? errors.general}>
          <Input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={reset.isPending}>
            {t("common.save")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
