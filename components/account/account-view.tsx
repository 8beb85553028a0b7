"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { formErrors } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { useT } from "@/i18n/client";

export function AccountView({ name, email, roleLabel }: { name: string; email: string; roleLabel: string }) {
  const t = useT();
  const trpc = useTRPC();
  const change = useMutation(trpc.account.changePassword.mutationOptions());
  const [v, setV] = useState({ currentPassword: "", newPassword: "" });
  const errors = formErrors(change.error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await change.mutateAsync(v).catch(() => null);
    // Changing the password ends every session, this one too.
    if (r) window.location.assign("/login");
  }
  return (
    <div className="grid max-w-3xl gap-6">
      <Card>
        <CardHeader>
          <CardTitle>{t("nav.account")}</CardTitle>
        </CardHeader>
        <CardContent className="space-y-1 text-sm">
          <p>{name}</p>
          <p className="text-muted-foreground">{email}</p>
          <p className="text-muted-foreground">{roleLabel}</p>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("auth.changePassword")}</CardTitle>
        </CardHeader>
        <CardContent>
          <form onSubmit={submit} className="space-y-4" noValidate>
            <Field label={t("auth.currentPassword")} required error={errors.fields.currentPassword}>
              <Input type="password" autoComplete="current-password" value={v.currentPassword} onChange={(e) => setV({ ...v, currentPassword: e.target.value })} />
            </Field>
            <Field label={t("auth.newPassword")} required hint={t("auth.passwordRule")} error={errors.fields.newPassword}>
              <Input type="password" autoComplete="new-password" value={v.newPassword} onChange={(e) => setV({ ...v, newPassword: e.target.value })} />
            </Field>
            {errors.general ? <p role="alert" className="text-sm text-danger">{errors.general}</p> : null}
            <Button type="submit" loading={change.isPending}>
              {t("auth.changePassword")}
            </Button>
          </form>
        </CardContent>
      </Card>
    </div>
  );
}
