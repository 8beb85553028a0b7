import { z } from "zod";
import { recordAudit } from "@/server/core/audit/service";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { actorName, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { previewTemplate, ZStatementTemplate, type TemplatePreview, type TStatementTemplate } from "./parsers/template";

// Statement templates in the console (issue 6): finance describes a file we have no parser for,
// previews it on a sample (totals beside the file's own summary, hints for a wrong unit, sign or
// encoding) and saves it. Every save is a new version of its name; a version is never edited, and
// the file a version read keeps pointing at it. A save that comes with a sample is refused while
// the preview finds problems, so a wrong unit or sign is caught before it reads a month of bills.

/** A sample is a file's first part: enough lines to show the layout and a summary. */
export const MAX_SAMPLE_BYTES = 2 * 1024 * 1024;

const ZSample = z
  .string()
  .max(Math.ceil((MAX_SAMPLE_BYTES * 4) / 3) + 4, { message: `A sample file may be at most ${MAX_SAMPLE_BYTES / 1024 / 1024} MB` })
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, { message: "The sample must be base64" });

/** A definition is an object; its fields are checked by the template schema (definitionOf), whose messages name them. */
const ZDefinition = z.record(z.string(), z.unknown());
export const ZTemplatePreview = z.object({ definition: ZDefinition, sampleBase64: ZSample });
export const ZTemplateSave = z.object({
  definition: ZDefinition,
  /** The sample the preview ran on: the save is refused while it shows problems. */
  sampleBase64: ZSample.optional(),
  note: z.string().trim().max(500).optional(),
});
export const ZTemplateId = z.object({ id: z.string().uuid() });

/** The definition checked by the template schema, its issues as one message a person can act on. */
function definitionOf(raw: unknown): TStatementTemplate {
  const parsed = ZStatementTemplate.safeParse(raw);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
  throw new DomainError("BAD_INPUT", "TEMPLATE_INVALID", `The template is not complete: ${message}`, { field: "definition" });
}

function sampleOf(base64: string): Buffer {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length === 0) throw new DomainError("BAD_INPUT", "STATEMENT_EMPTY_FILE", "The sample file is empty", { field: "sample" });
  if (bytes.length > MAX_SAMPLE_BYTES) throw new DomainError("BAD_INPUT", "STATEMENT_TOO_LARGE", `A sample file may be at most ${MAX_SAMPLE_BYTES / 1024 / 1024} MB`, { field: "sample" });
  return bytes;
}

/** The preview of a definition on a sample: nothing is stored. */
export function previewStatementTemplate(raw: z.infer<typeof ZTemplatePreview>): TemplatePreview {
  return previewTemplate(sampleOf(raw.sampleBase64), definitionOf(raw.definition));
}

/** Why a preview stops a save, or null: any problem on a line, or totals that disagree with the summary. */
export function previewBlocker(p: TemplatePreview): string | null {
  if (p.errorCount > 0) {
    const first = p.errors[0];
    return `the sample has ${p.errorCount} ${p.errorCount === 1 ? "problem" : "problems"}${first ? ` (first: ${first.message})` : ""}`;
  }
  if (p.computed.count === 0) return "the template reads no detail line from the sample";
  if (p.declared?.count !== undefined && p.declared.count !== p.computed.count) return `the summary states ${p.declared.count} lines, the template reads ${p.computed.count}`;
  if (p.declared?.amountMinor !== undefined && p.declared.amountMinor !== p.computed.amountMinor) {
    return `the summary states a total of ${p.declared.amountMinor} fen, the lines add up to ${p.computed.amountMinor}${p.hints[0] ? ` (${p.hints[0].message})` : ""}`;
  }
  return null;
}

/** JSON with keys sorted (jsonb keeps its own key order), to tell an unchanged definition. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

const SELECT = { id: true, name: true, version: true, definition: true, note: true, createdBy: true, createdAt: true } as const;

/** Saves a new version of the template of its name (version 1 for a new name); audited. */
export async function saveStatementTemplate(tx: Tx, ctx: TenantContext, raw: z.infer<typeof ZTemplateSave>) {
  const definition = definitionOf(raw.definition);
  if (raw.sampleBase64 !== undefined) {
    const blocker = previewBlocker(previewTemplate(sampleOf(raw.sampleBase64), definition));
    if (blocker) throw new DomainError("BAD_INPUT", "TEMPLATE_PREVIEW_FAILS", `Not saved: ${blocker}. Fix the template until the preview agrees with the file.`, { field: "definition" });
  }
  // One save per name at a time, so two people cannot both write version n + 1.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`statement-template:${ctx.tenantId}:${definition.name}`}))`;
  const latest = await tx.statementTemplate.findFirst({ where: { tenantId: ctx.tenantId, name: definition.name }, orderBy: { version: "desc" }, select: SELECT });
  if (latest && canonical(latest.definition) === canonical(definition)) {
    throw new DomainError("CONFLICT", "TEMPLATE_UNCHANGED", `Version ${latest.version} of "${definition.name}" is already exactly this; change something before saving a new version`);
  }
  const saved = await tx.statementTemplate.create({
    data: {
      tenantId: ctx.tenantId,
      name: definition.name,
      version: (latest?.version ?? 0) + 1,
      definition,
      note: raw.note || null,
      createdBy: actorName(ctx),
    },
    select: SELECT,
  });
  await recordAudit(tx, ctx, {
    action: "statement_template.save",
    entityType: "statement_template",
    entityId: saved.id,
    before: latest ? { version: latest.version, definition: latest.definition } : null,
    after: { version: saved.version, definition },
  });
  return { ...saved, definition };
}

/** Each template's newest version, with how many versions it has and how many files it read. */
export async function listStatementTemplates(tx: Tx, ctx: TenantContext) {
  const rows = await tx.statementTemplate.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ name: "asc" }, { version: "desc" }], select: SELECT });
  const files = rows.length
    ? await tx.statementFile.groupBy({ by: ["templateId"], where: { tenantId: ctx.tenantId, templateId: { in: rows.map((r) => r.id) } }, _count: { _all: true } })
    : [];
  const filesOf = new Map(files.map((f) => [f.templateId, f._count._all]));
  const byName = new Map<string, { latest: (typeof rows)[number]; versions: number; files: number }>();
  for (const r of rows) {
    const seen = byName.get(r.name);
    if (seen) {
      seen.versions += 1;
      seen.files += filesOf.get(r.id) ?? 0;
    } else byName.set(r.name, { latest: r, versions: 1, files: filesOf.get(r.id) ?? 0 });
  }
  return [...byName.values()].map(({ latest, versions, files }) => ({ ...latest, versions, files }));
}

/** One version and every version of its name (newest first), with the files each read. */
export async function getStatementTemplate(tx: Tx, ctx: TenantContext, id: string) {
  const t = await tx.statementTemplate.findFirst({ where: { tenantId: ctx.tenantId, id }, select: SELECT });
  if (!t) throw notFound("Statement template");
  const versions = await tx.statementTemplate.findMany({ where: { tenantId: ctx.tenantId, name: t.name }, orderBy: { version: "desc" }, select: { ...SELECT, _count: { select: { files: true } } } });
  // Stored only after the schema accepted it, and never edited: read back as the typed definition.
  return { ...t, definition: ZStatementTemplate.parse(t.definition), versions: versions.map(({ _count, ...v }) => ({ ...v, files: _count.files })) };
}

/** The version an import reads a file with. */
export async function templateForImport(tx: Tx, ctx: TenantContext, id: string): Promise<{ id: string; name: string; version: number; definition: TStatementTemplate }> {
  const t = await tx.statementTemplate.findFirst({ where: { tenantId: ctx.tenantId, id }, select: { id: true, name: true, version: true, definition: true } });
  if (!t) throw notFound("Statement template");
  return { ...t, definition: ZStatementTemplate.parse(t.definition) };
}

/** The newest version of the template called `name` (the CLI names templates). */
export async function templateIdByName(tx: Tx, ctx: TenantContext, name: string): Promise<string> {
  const t = await tx.statementTemplate.findFirst({ where: { tenantId: ctx.tenantId, name }, orderBy: { version: "desc" }, select: { id: true } });
  if (!t) throw new DomainError("NOT_FOUND", "NOT_FOUND", `No statement template is called "${name}"`, { field: "template" });
  return t.id;
}
