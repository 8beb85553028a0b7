"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useMemo, useState, type ChangeEvent, type ComponentProps, type ReactNode } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field, type FieldProps } from "@/components/ui/field";
import { errorText } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import type { TStatementTemplate } from "@/server/core/clearing/parsers/template";
import { TemplatePreviewView } from "./template-preview";
import { COLUMN_KEYS, DATE_FORMATS, DELIMITERS, emptyForm, emptyWidth, fromDefinition, MAX_SAMPLE_BYTES, readBase64, toDefinition, type ColumnKey, type TemplateForm, type WidthRow } from "./template-form";

const DELIMITER_LABEL = { ",": "delimiter_comma", "\t": "delimiter_tab", "|": "delimiter_pipe", ";": "delimiter_semicolon" } as const;
const OTHER = "other";

/** Form fields edited with a select, and with a text input; each is labelled by its message of the same name. */
type ChoiceKey = "encoding" | "layout" | "quote" | "kindBy" | "amountUnit" | "signConvention" | "dateFormat" | "summaryLine" | "summaryUnit";
type TextKey = "name" | "headerLines" | "footerLines" | "kindColumn" | "kindPayment" | "kindRefund" | "kindRevoked" | "summaryCount" | "summaryAmount";
type FieldOptions = Partial<Omit<FieldProps, "label" | "children">>;

function Section({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <Card>
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{title}</CardTitle>
          {description ? <CardDescription>{description}</CardDescription> : null}
        </div>
      </CardHeader>
      <CardContent className="grid gap-4 sm:grid-cols-2">{children}</CardContent>
    </Card>
  );
}

/**
 * The statement template editor: every field of a definition, a sample file previewed on the
 * server (nothing stored), and save as a new version. `initial` is the version being edited, if
 * any; a save navigates to the version it made.
 */
export function TemplateEditor({ initial }: { initial?: TStatementTemplate }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const toast = useToast();
  const [form, setFormState] = useState<TemplateForm>(() => (initial ? fromDefinition(initial) : emptyForm()));
  const [sample, setSample] = useState<{ name: string; base64: string } | null>(null);
  const [sampleError, setSampleError] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [previewedAs, setPreviewedAs] = useState<string | null>(null);
  const preview = useMutation(trpc.statements.previewTemplate.mutationOptions());
  const save = useMutation(trpc.statements.saveTemplate.mutationOptions());

  // A refusal shown under Save is about the form as it was: a change clears it.
  const setForm = (change: (f: TemplateForm) => TemplateForm) => {
    setFormState(change);
    if (save.isError) save.reset();
  };
  const definition = useMemo(() => toDefinition(form), [form]);
  // What the preview on screen was made from: a change after it makes it stale.
  const previewKey = sample ? `${sample.name}\n${JSON.stringify(definition)}` : null;

  const set =
    <K extends keyof TemplateForm>(key: K) =>
    (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
      setForm((f) => ({ ...f, [key]: e.target.value }));
  const setColumn = (key: ColumnKey) => (e: ChangeEvent<HTMLInputElement>) => setForm((f) => ({ ...f, columns: { ...f.columns, [key]: e.target.value } }));
  const fixed = form.layout === "fixed";

  async function chooseSample(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    setSample(null);
    setSampleError(null);
    preview.reset();
    if (!file) return;
    // Refused here rather than after uploading megabytes the server would refuse too.
    if (file.size > MAX_SAMPLE_BYTES) {
      setSampleError(t("statementTemplates.sampleTooLarge", { size: (file.size / 1024 / 1024).toFixed(1) }));
      return;
    }
    try {
      setSample({ name: file.name, base64: await readBase64(file) });
    } catch {
      setSampleError(t("statementTemplates.sampleUnreadable"));
    }
  }

  function runPreview() {
    if (!sample || !previewKey) return;
    preview.mutate({ definition, sampleBase64: sample.base64 }, { onSuccess: () => setPreviewedAs(previewKey) });
  }

  async function runSave() {
    try {
      const saved = await save.mutateAsync({ definition, ...(sample ? { sampleBase64: sample.base64 } : {}), ...(note.trim() ? { note: note.trim() } : {}) });
      toast.success(t("statementTemplates.saved", { version: saved.version, name: saved.name }));
      await qc.invalidateQueries({ queryKey: trpc.statements.pathKey() });
      router.push(`/statements/templates/${saved.id}`);
    } catch {
      // Shown from save.error below.
    }
  }

  const columnHelp = fixed ? t("statementTemplates.columnsHelpFixed") : t("statementTemplates.columnsHelpDelimited");
  const delimiterChoice = (DELIMITERS as readonly string[]).includes(form.delimiter) ? form.delimiter : OTHER;
  // A field of the form: its label is the message of its own name, e.g. statementTemplates.amountUnit.
  const choice = (key: ChoiceKey, options: readonly (readonly [value: string, label: string])[], field: FieldOptions = {}) => (
    <Field label={t(`statementTemplates.${key}`)} {...field}>
      <Select name={key} value={form[key]} onChange={set(key)} options={options.map(([value, label]) => ({ value, label }))} />
    </Field>
  );
  const text = (key: TextKey, field: FieldOptions = {}, input: ComponentProps<"input"> = {}) => (
    <Field label={t(`statementTemplates.${key}`)} {...field}>
      <Input name={key} value={form[key]} onChange={set(key)} maxLength={100} {...input} />
    </Field>
  );
  const units = [
    ["YUAN", t("statementTemplates.unit_YUAN")],
    ["FEN", t("statementTemplates.unit_FEN")],
  ] as const;
  const kindValues = { hint: t("statementTemplates.kindValuesHint") };

  return (
    <div className="space-y-6" data-testid="template-editor">
      <Section title={t("statementTemplates.sectionFile")}>
        {text("name", { hint: t("statementTemplates.nameHint"), required: true, className: "sm:col-span-2" })}
        {choice("encoding", [
          ["utf-8", t("statementTemplates.encodingUtf8")],
          ["gbk", t("statementTemplates.encodingGbk")],
        ])}
        {choice("layout", [
          ["delimited", t("statementTemplates.layout_delimited")],
          ["fixed", t("statementTemplates.layout_fixed")],
        ])}
        {fixed ? (
          <WidthsEditor widths={form.widths} onChange={(widths) => setForm((f) => ({ ...f, widths }))} />
        ) : (
          <>
            <Field label={t("statementTemplates.delimiter")}>
              <Select
                name="delimiter"
                value={delimiterChoice}
                onChange={(e) => setForm((f) => ({ ...f, delimiter: e.target.value === OTHER ? "" : e.target.value }))}
                options={[...DELIMITERS.map((d) => ({ value: d, label: t(`statementTemplates.${DELIMITER_LABEL[d]}`) })), { value: OTHER, label: t("statementTemplates.delimiterOther") }]}
              />
            </Field>
            {delimiterChoice === OTHER ? (
              <Field label={t("statementTemplates.delimiterCustom")} required>
                <Input name="delimiterCustom" value={form.delimiter} onChange={set("delimiter")} maxLength={4} />
              </Field>
            ) : null}
            {choice("quote", [
              ["", t("statementTemplates.quoteNone")],
              ['"', t("statementTemplates.quoteDouble")],
              ["'", t("statementTemplates.quoteSingle")],
              // A version saved through the API with another quote character keeps it.
              ...(["", '"', "'"].includes(form.quote) ? [] : [[form.quote, form.quote] as const]),
            ])}
          </>
        )}
        {text("headerLines", { hint: t("statementTemplates.headerLinesHint") }, { type: "number", min: 0, max: 50 })}
        {text("footerLines", { hint: t("statementTemplates.footerLinesHint") }, { type: "number", min: 0, max: 50 })}
      </Section>

      <Section title={t("statementTemplates.sectionColumns")} description={columnHelp}>
        {COLUMN_KEYS.map((key) => (
          <Field key={key} label={t(`statementTemplates.column_${key}`)} required={key === "amount"}>
            <Input name={`column-${key}`} value={form.columns[key]} onChange={setColumn(key)} maxLength={100} />
          </Field>
        ))}
        {choice(
          "kindBy",
          [
            ["SIGN", t("statementTemplates.kindBy_SIGN")],
            ["COLUMN", t("statementTemplates.kindBy_COLUMN")],
          ],
          { className: "sm:col-span-2" },
        )}
        {form.kindBy === "COLUMN" ? (
          <>
            {text("kindColumn", { required: true })}
            {text("kindPayment", { ...kindValues, required: true }, { maxLength: undefined })}
            {text("kindRefund", kindValues, { maxLength: undefined })}
            {text("kindRevoked", kindValues, { maxLength: undefined })}
          </>
        ) : null}
      </Section>

      <Section title={t("statementTemplates.sectionAmounts")}>
        {choice("amountUnit", units)}
        {choice("signConvention", [
          ["REFUNDS_NEGATIVE", t("statementTemplates.sign_REFUNDS_NEGATIVE")],
          ["REFUNDS_POSITIVE_BY_KIND", t("statementTemplates.sign_REFUNDS_POSITIVE_BY_KIND")],
        ])}
        {choice(
          "dateFormat",
          DATE_FORMATS.map((d) => [d, d] as const),
          { hint: t("statementTemplates.dateFormatHint") },
        )}
      </Section>

      <Section title={t("statementTemplates.sectionSummary")} description={t("statementTemplates.summaryHelp")}>
        {choice(
          "summaryLine",
          [
            ["", t("statementTemplates.summary_none")],
            ["FIRST_FOOTER", t("statementTemplates.summary_FIRST_FOOTER")],
            ["LAST_FOOTER", t("statementTemplates.summary_LAST_FOOTER")],
          ],
          { className: "sm:col-span-2" },
        )}
        {form.summaryLine ? (
          <>
            {text("summaryCount")}
            {text("summaryAmount")}
            {choice("summaryUnit", [["", t("statementTemplates.summaryUnitSame")], ...units])}
          </>
        ) : null}
      </Section>

      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("statementTemplates.sectionCheck")}</CardTitle>
            <CardDescription>{t("statementTemplates.saveHint")}</CardDescription>
          </div>
        </CardHeader>
        <CardContent className="space-y-5">
          <Field label={t("statementTemplates.sample")} hint={t("statementTemplates.sampleHint")} error={sampleError}>
            <Input name="sample" type="file" onChange={(e) => void chooseSample(e)} />
          </Field>
          <Button variant="secondary" onClick={runPreview} loading={preview.isPending} disabled={!sample}>
            {t("statementTemplates.preview")}
          </Button>
          {preview.isError ? (
            <p role="alert" className="text-sm text-danger" data-testid="template-preview-error">
              {errorText(preview.error) ?? t("common.errorTitle")}
            </p>
          ) : preview.data ? (
            <TemplatePreviewView preview={preview.data} stale={previewedAs !== previewKey} />
          ) : (
            <p className="text-sm text-muted-foreground">{t("statementTemplates.previewNone")}</p>
          )}
          <div className="space-y-3 border-t border-border pt-4">
            <Field label={t("statementTemplates.note")} hint={t("statementTemplates.noteHint")}>
              <Textarea name="note" rows={2} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
            </Field>
            <div className="flex flex-wrap items-center gap-3">
              <Button onClick={() => void runSave()} loading={save.isPending}>
                {t("statementTemplates.save")}
              </Button>
              {save.isError ? (
                <p role="alert" className="text-sm text-danger" data-testid="template-save-error">
                  {t("statementTemplates.refused", { message: errorText(save.error) ?? t("common.errorTitle") })}
                </p>
              ) : null}
            </div>
          </div>
        </CardContent>
      </Card>
    </div>
  );
}

/** The fixed-width fields as rows of name, start and length (bytes), added and removed in place. */
function WidthsEditor({ widths, onChange }: { widths: WidthRow[]; onChange: (widths: WidthRow[]) => void }) {
  const { t } = useI18n();
  const labels = { field: t("statementTemplates.widthField"), start: t("statementTemplates.widthStart"), length: t("statementTemplates.widthLength") };
  const cell = (i: number, key: keyof WidthRow, input: ComponentProps<"input">) => (
    <td className="py-1 pe-2">
      <Input aria-label={`${labels[key]} ${i + 1}`} value={widths[i]?.[key] ?? ""} onChange={(e) => onChange(widths.map((w, j) => (j === i ? { ...w, [key]: e.target.value } : w)))} {...input} />
    </td>
  );
  return (
    <fieldset className="space-y-2 sm:col-span-2">
      <legend className="text-sm font-medium">{t("statementTemplates.widths")}</legend>
      <p className="text-xs text-muted-foreground">{t("statementTemplates.widthsHelp")}</p>
      <table className="text-sm" data-testid="template-widths">
        <thead>
          <tr>
            {[labels.field, labels.start, labels.length].map((h) => (
              <th key={h} scope="col" className="pe-2 text-left font-medium text-muted-foreground">
                {h}
              </th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {widths.map((_, i) => (
            <tr key={i}>
              {cell(i, "field", { className: "w-48", maxLength: 100 })}
              {cell(i, "start", { className: "w-24", type: "number", min: 0 })}
              {cell(i, "length", { className: "w-24", type: "number", min: 1 })}
              <td className="py-1">
                <Button size="sm" variant="ghost" disabled={widths.length === 1} onClick={() => onChange(widths.filter((_, j) => j !== i))} aria-label={t("statementTemplates.removeWidth", { n: i + 1 })}>
                  ✕
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Button size="sm" variant="secondary" onClick={() => onChange([...widths, emptyWidth()])}>
        {t("statementTemplates.addWidth")}
      </Button>
    </fieldset>
  );
}
