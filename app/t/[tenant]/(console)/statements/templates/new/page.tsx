import Link from "next/link";
import { notFound } from "next/navigation";
import { TemplateEditor } from "@/components/clearing/template-editor";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

// A new statement template. The templates area is gated like the Statements page it belongs to:
// only roles that import statements (recon.import) define the templates that read them.
export default async function NewStatementTemplatePage() {
  const me = await requireConsoleUser();
  if (!can(me.role, "recon.import")) notFound();
  const { t } = await pageContext();
  return (
    <div className="max-w-5xl space-y-6">
      <Link href="/statements" className="text-sm text-primary underline-offset-2 hover:underline">
        ← {t("statementTemplates.back")}
      </Link>
      <PageHeader title={t("statementTemplates.newTitle")} description={t("statementTemplates.newDescription")} />
      <TemplateEditor />
    </div>
  );
}
