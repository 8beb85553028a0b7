"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useT } from "@/i18n/client";

const KNOWN = new Set(["INVALID_CREDENTIALS", "SIGN_IN_LOCKED", "FORBIDDEN", "CSRF"] as const);
type Known = typeof KNOWN extends Set<infer K> ? K : never;

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
      const body = (await res.json().catch(() => null)) as { redirect?: string; error?: { code: string; message: string; params?: Record<string, string | number> } } | null;
      if (res.ok && body?.redirect) {
        window.location.assign(body.redirect);
        return;
      }
      const code = body?.error?.code;
      if (code === "UNKNOWN_TENANT") setError(t("auth.unknownTenant"));
      else if (code && KNOWN.has(code as Known)) setError(t(`errors.${code as Known}`, body?.error?.params));
      else setError(body?.error?.message ?? t("common.errorTitle"));
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
