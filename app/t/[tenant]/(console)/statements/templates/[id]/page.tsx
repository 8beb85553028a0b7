import Link from "next/link";
import { notFound } from "next/navigation";
import { TemplateVersions } from "@/components/clearing/statement-templates";
import { TemplateEditor } from "@/components/clearing/template-editor";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { loadOrNotFound, requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

// One version of a statement template, loaded in the editor (saving makes the next version), and
// every version of its name. Gated with recon.import like the Statements page.
export default async function StatementTemplatePage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireConsoleUser();
  if (!can(me.role, "recon.import")) notFound();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  // Another tenant's template is NOT_FOUND, exactly like a missing one.
  const template = await loadOrNotFound((await serverApi()).statements.template({ id }));
  const { t } = await pageContext();
  const newest = template.versions[0];
  return (
    <div className="max-w-5xl space-y-6">
      <Link href="/statements" className="text-sm text-primary underline-offset-2 hover:underline">
        ← {t("statementTemplates.back")}
      </Link>
      <PageHeader
        title={template.name}
        description={t("statementTemplates.versionDescription", { version: template.version, by: template.createdBy })}
        actions={<Badge tone="info" data-testid="template-version-badge">{t("statementTemplates.versionN", { version: template.version })}</Badge>}
      />
      {newest && newest.id !== template.id ? (
        <p role="note" className="rounded-brand border border-warning/40 bg-warning/10 px-3 py-2 text-sm text-warning">
          {t("statementTemplates.newerExists", { version: newest.version })}{" "}
          <Link href={`/statements/templates/${newest.id}`} className="underline underline-offset-2">
            {t("statementTemplates.versionN", { version: newest.version })}
          </Link>
        </p>
      ) : null}
      <TemplateEditor key={template.id} initial={template.definition} />
      <TemplateVersions currentId={template.id} versions={template.versions} />
    </div>
  );
}
