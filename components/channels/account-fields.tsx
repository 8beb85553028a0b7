"use client";

import { Field } from "@/components/ui/field";
import { buttonClass } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import { useI18n } from "@/i18n/client";
import { fieldLabel } from "./labels";
import type { AccountFieldDef } from "./types";

export type FieldValues = Record<string, string>;

/**
 * A channel type's parameters and credentials, as its connector lists them. Credentials are
 * password inputs that are never filled in from the server (the server never sends them); when
 * configuring a new version a blank credential keeps its current value.
 */
export function AccountFields({
  fields,
  values,
  onChange,
  errors,
  mode,
  idPrefix,
}: {
  fields: readonly AccountFieldDef[];
  values: FieldValues;
  onChange: (key: string, value: string) => void;
  errors: Record<string, string>;
  mode: "create" | "configure";
  idPrefix: string;
}) {
  const { t, locale } = useI18n();
  const params = fields.filter((f) => !f.secret);
  const secrets = fields.filter((f) => f.secret);
  if (fields.length === 0) return <p className="text-sm text-muted-foreground">{t("channels.noFields")}</p>;
  return (
    <div className="space-y-6">
      {params.length ? (
        <fieldset className="space-y-3">
          <legend className="text-sm font-semibold">{t("channels.params")}</legend>
          <div className="grid gap-4 md:grid-cols-2">
            {params.map((f) => (
              <Field key={f.key} id={`${idPrefix}-${f.key}`} label={fieldLabel(f, locale)} required={f.required} error={errors[f.key]} hint={<span className="font-mono">{f.key}</span>}>
                <Input name={f.key} autoComplete="off" value={values[f.key] ?? ""} onChange={(e) => onChange(f.key, e.target.value)} />
              </Field>
            ))}
          </div>
        </fieldset>
      ) : null}
      {secrets.length ? (
        <fieldset className="space-y-3">
          <legend className="text-sm font-semibold">{t("channels.credentials")}</legend>
          <p className="text-xs text-muted-foreground">{mode === "configure" ? t("channels.secretKeepHint") : t("channels.secretHint")}</p>
          <div className="grid gap-4 md:grid-cols-2">
            {secrets.map((f) => (
              <Field
                key={f.key}
                id={`${idPrefix}-${f.key}`}
                label={fieldLabel(f, locale)}
                // On a new version a blank secret keeps the old one, so none is required there.
                required={f.required && mode === "create"}
                error={errors[f.key]}
                hint={<span className="font-mono">{f.key}</span>}
              >
                {isMultiline(f) ? (
                  <PemInput
                    name={f.key}
                    placeholder={mode === "configure" ? t("channels.secretUnchanged") : ""}
                    value={values[f.key] ?? ""}
                    onChange={(value) => onChange(f.key, value)}
                  />
                ) : (
                  <Input
                    name={f.key}
                    type="password"
                    autoComplete="new-password"
                    spellCheck={false}
                    placeholder={mode === "configure" ? t("channels.secretUnchanged") : ""}
                    value={values[f.key] ?? ""}
                    onChange={(e) => onChange(f.key, e.target.value)}
                  />
                )}
              </Field>
            ))}
          </div>
        </fieldset>
      ) : null}
    </div>
  );
}

/**
 * A PEM key or certificate. A password input would drop its line breaks, so it is a textarea
 * whose characters are masked, and it can be loaded from the file the channel issued. WeChat's
 * field list marks these `multiline`; Alipay's and the bank's do not, but their keys end in "Pem".
 */
export function isMultiline(field: AccountFieldDef): boolean {
  return (field as AccountFieldDef & { multiline?: boolean }).multiline === true || /Pem$/.test(field.key);
}

function PemInput({ name, value, placeholder, onChange }: { name: string; value: string; placeholder: string; onChange: (value: string) => void }) {
  const t = useI18n().t;
  return (
    <div className="flex flex-col gap-2">
      <Textarea
        name={name}
        rows={4}
        autoComplete="off"
        spellCheck={false}
        placeholder={placeholder}
        className="font-mono text-xs [-webkit-text-security:disc]"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <label className={buttonClass("secondary", "sm", "self-start cursor-pointer focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-primary")}>
        {t("channels.loadFromFile")}
        <input
          type="file"
          accept=".pem,.key,.crt,.cer,.txt"
          className="sr-only"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) onChange((await file.text()).trim());
            // Choosing the same file again should load it again.
            e.target.value = "";
          }}
        />
      </label>
    </div>
  );
}

/** Splits form values into the params and credentials the server takes; blank params are left out. */
export function splitValues(fields: readonly AccountFieldDef[], values: FieldValues): { params: FieldValues; credentials: FieldValues } {
  const params: FieldValues = {};
  const credentials: FieldValues = {};
  for (const f of fields) {
    const raw = values[f.key] ?? "";
    // Secrets go as typed (a key may legitimately end in whitespace); blank ones are dropped on
    // create and mean "keep" on configure, where the server ignores "" too.
    if (f.secret) {
      if (raw !== "") credentials[f.key] = raw;
    } else if (raw.trim() !== "") {
      params[f.key] = raw.trim();
    }
  }
  return { params, credentials };
}
