"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useT } from "@/i18n/client";

const CODE_TO_KEY = {
  INVALID_CREDENTIALS: "auth.invalid",
  SIGN_IN_LOCKED: "auth.locked",
  UNKNOWN_TENANT: "auth.unknownTenant",
} as const;

export function LoginForm({ notice }: { notice?: string | null }) {
  const t = useT();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch("/api/auth/sign-in", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password }),
      });
      const body = (await res.json().catch(() => null)) as { redirect?: string; error?: { code: string; message: string } } | null;
      if (res.ok && body?.redirect) {
        window.location.assign(body.redirect);
        return;
      }
      const code = body?.error?.code as keyof typeof CODE_TO_KEY | undefined;
      setError(code && code in CODE_TO_KEY ? (code === "SIGN_IN_LOCKED" ? `${t(CODE_TO_KEY[code])} ${body?.error?.message ?? ""}` : t(CODE_TO_KEY[code])) : (body?.error?.message ?? t("common.errorTitle")));
    } catch {
      setError(t("common.errorTitle"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate aria-describedby={error ? "login-error" : undefined}>
      {notice ? <p className="rounded-brand bg-muted p-3 text-sm text-muted-foreground">{notice}</p> : null}
      <Field label={t("auth.email")} required>
        <Input type="email" name="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
      </Field>
      <Field label={t("auth.password")} required>
        <Input type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </Field>
      {error ? (
        <p id="login-error" role="alert" className="text-sm text-danger">
          {error}
        </p>
      ) : null}
      <Button type="submit" className="w-full" loading={busy}>
        {busy ? t("auth.signingIn") : t("auth.signIn")}
      </Button>
    </form>
  );
}
