"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useMemo, useState, type CSSProperties, type FormEvent } from "react";
import { brandCssVars, contrastRatio, readableForeground } from "@/branding/css-vars";
import { BRANDING_PRESETS } from "@/branding/presets/presets";
import { LOGO_MAX_BYTES, ZBrandingUpdate, type TBrandingUpdate } from "@/branding/schema";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { formErrors } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { isMessageKey } from "@/i18n/zod-issues";

export function BrandingEditor({ initial, hasLogo: initialHasLogo, tenantName }: { initial: TBrandingUpdate; hasLogo: boolean; tenantName: string }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const router = useRouter();
  const [v, setV] = useState<TBrandingUpdate>(initial);
  const [hasLogo, setHasLogo] = useState(initialHasLogo);
  const [logoVersion, setLogoVersion] = useState(0);
  const [logoError, setLogoError] = useState<string | null>(null);
  const save = useMutation(trpc.settings.updateBranding.mutationOptions());
  const upload = useMutation(trpc.settings.uploadLogo.mutationOptions());
  const remove = useMutation(trpc.settings.removeLogo.mutationOptions());

  // Validate as the user types with the same schema the server uses; the preview shows only valid values.
  const parsed = useMemo(() => ZBrandingUpdate.safeParse(v), [v]);
  const localErrors: Record<string, string> = {};
  if (!parsed.success) for (const i of parsed.error.issues) localErrors[i.path.join(".")] ??= isMessageKey(i.message) ? t(i.message) : i.message;
  const serverErrors = formErrors(save.error).fields;
  const err = (k: string) => localErrors[k] ?? serverErrors[k];
  const previewVars = parsed.success ? brandCssVars(parsed.data) : brandCssVars(initial);
  const ratio = parsed.success ? contrastRatio(parsed.data.primaryColor, readableForeground(parsed.data.primaryColor)) : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!parsed.success) return;
    const r = await save.mutateAsync(parsed.data).catch(() => null);
    if (r) {
      toast.success(t("branding.saved"));
      router.refresh();
    }
  }

  async function onLogo(file: File | undefined) {
    setLogoError(null);
    if (!file) return;
    if (file.size > LOGO_MAX_BYTES) {
      setLogoError(t("errors.LOGO_TOO_LARGE"));
      return;
    }
    const dataUrl = await new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
    const r = await upload.mutateAsync({ dataUrl }).catch((e: unknown) => {
      setLogoError(formErrors(e).fields.logo ?? formErrors(e).general);
      return null;
    });
    if (r) {
      setHasLogo(true);
      setLogoVersion((n) => n + 1);
      toast.success(t("branding.logoUploaded"));
    }
  }

  const text = (key: "productName", label: string) => (
    <Field label={label} error={err(key)}>
      <Input name={key} value={v[key]} onChange={(e) => setV({ ...v, [key]: e.target.value })} />
    </Field>
  );

  return (
    <div className="grid gap-6 xl:grid-cols-[1fr_380px]">
      <form onSubmit={submit} className="space-y-6" noValidate>
        <Card>
          <CardHeader>
            <CardTitle>{t("branding.title")}</CardTitle>
          </CardHeader>
          <CardContent className="grid gap-4 md:grid-cols-2">
            {text("productName", t("branding.productName"))}
            <Field label={t("branding.defaultLanguage")}>
              <Select
                name="defaultLocale"
                value={v.defaultLocale}
                onChange={(e) => setV({ ...v, defaultLocale: e.target.value as "zh-CN" | "en" })}
                options={[
                  { value: "zh-CN", label: t("branding.chinese") },
                  { value: "en", label: t("branding.english") },
                ]}
              />
            </Field>
            <Field label={t("branding.primaryColor")} hint={t("branding.colorHint")} error={err("primaryColor")}>
              <Input name="primaryColor" value={v.primaryColor} onChange={(e) => setV({ ...v, primaryColor: e.target.value })} />
            </Field>
            <Field label={t("branding.accentColor")} hint={t("branding.colorHint")} error={err("accentColor")}>
              <Input name="accentColor" value={v.accentColor} onChange={(e) => setV({ ...v, accentColor: e.target.value })} />
            </Field>
            <Field label={t("branding.radius")} hint={t("branding.radiusHint")} error={err("radius")}>
              <Input name="radius" value={v.radius} onChange={(e) => setV({ ...v, radius: e.target.value })} />
            </Field>
            <div>
              <p className="mb-1 text-sm font-medium">{t("branding.presets")}</p>
              <div className="flex flex-wrap gap-2">
                {Object.entries(BRANDING_PRESETS).map(([name, p]) => (
                  <button
                    key={name}
                    type="button"
                    className="flex items-center gap-1 rounded-brand border border-border px-2 py-1 text-xs hover:bg-muted"
                    onClick={() => setV({ ...v, ...p })}
                  >
                    <span className="h-3 w-3 rounded-full" style={{ background: p.primaryColor }} aria-hidden />
                    {name}
                  </button>
                ))}
              </div>
            </div>
            {(["zh-CN", "en"] as const).map((l) => (
              <Field key={`title-${l}`} label={`${t("branding.loginTitle")} (${l === "zh-CN" ? t("branding.chinese") : t("branding.english")})`} error={err(`loginTitle.${l}`)}>
                <Input value={v.loginTitle[l]} onChange={(e) => setV({ ...v, loginTitle: { ...v.loginTitle, [l]: e.target.value } })} />
              </Field>
            ))}
            {(["zh-CN", "en"] as const).map((l) => (
              <Field key={`sub-${l}`} label={`${t("branding.loginSubtitle")} (${l === "zh-CN" ? t("branding.chinese") : t("branding.english")})`} error={err(`loginSubtitle.${l}`)}>
                <Input value={v.loginSubtitle[l]} onChange={(e) => setV({ ...v, loginSubtitle: { ...v.loginSubtitle, [l]: e.target.value } })} />
              </Field>
            ))}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t("branding.logo")}</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-wrap items-center gap-4">
            {hasLogo ? <img src={`/api/brand/logo?v=${logoVersion}`} alt="" className="h-14 w-14 rounded-brand border border-border object-contain" /> : null}
            <Field label={t("branding.uploadLogo")} hint={t("branding.logoHint")} error={logoError}>
              <Input type="file" name="logo" accept="image/png,image/jpeg,image/webp,image/gif" onChange={(e) => void onLogo(e.target.files?.[0])} />
            </Field>
            {hasLogo ? (
              <Button
                variant="secondary"
                onClick={async () => {
                  await remove.mutateAsync();
                  setHasLogo(false);
                }}
              >
                {t("branding.removeLogo")}
              </Button>
            ) : null}
          </CardContent>
        </Card>
        {formErrors(save.error).general ? <p role="alert" className="text-sm text-danger">{formErrors(save.error).general}</p> : null}
        <Button type="submit" loading={save.isPending} disabled={!parsed.success}>
          {t("common.save")}
        </Button>
      </form>
      <aside aria-label={t("branding.preview")} className="space-y-2">
        <p className="text-sm font-medium">{t("branding.preview")}</p>
        <div style={previewVars as CSSProperties} className="overflow-hidden rounded-brand border border-border bg-card" data-testid="branding-preview">
          <div className="flex items-center gap-2 bg-primary px-4 py-3 text-primary-foreground" data-testid="preview-bar">
            <span className="h-6 w-6 rounded-brand bg-primary-foreground/20" aria-hidden />
            <span className="font-semibold">{v.productName || tenantName}</span>
          </div>
          <div className="space-y-3 p-4">
            <p className="font-medium">{v.loginTitle[v.defaultLocale]}</p>
            <p className="text-sm text-muted-foreground">{v.loginSubtitle[v.defaultLocale]}</p>
            <div className="flex gap-2">
              <span className="rounded-brand bg-primary px-3 py-1.5 text-sm text-primary-foreground">{t("branding.previewButton")}</span>
              <span className="rounded-brand bg-accent px-3 py-1.5 text-sm text-accent-foreground">{t("branding.previewAccent")}</span>
            </div>
            {ratio !== null ? <p className="text-xs text-muted-foreground">{t("branding.contrast", { ratio: ratio.toFixed(2) })}</p> : null}
          </div>
        </div>
      </aside>
    </div>
  );
}
