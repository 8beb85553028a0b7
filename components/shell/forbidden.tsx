"use client";

import { useT } from "@/i18n/client";

export function Forbidden({ role }: { role: string }) {
  const t = useT();
  return (
    <div role="alert" className="mx-auto mt-16 max-w-md rounded-brand border border-border bg-card p-8 text-center" data-testid="forbidden">
      <h1 className="text-lg font-semibold">{t("auth.forbiddenTitle")}</h1>
      <p className="mt-2 text-sm text-muted-foreground">{t("auth.forbiddenBody", { role })}</p>
    </div>
  );
}
