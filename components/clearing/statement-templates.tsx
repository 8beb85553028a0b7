"use client";

import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import type { AppRouter } from "@/server/api/root";
import { PlainTable, td } from "./plain-table";

type Versions = inferRouterOutputs<AppRouter>["statements"]["template"]["versions"];

const link = "font-medium text-primary underline-offset-2 hover:underline";

/** The Statements page's list of finance-defined templates: each name's newest version. */
export function TemplatesCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const q = useQuery(trpc.statements.templates.queryOptions());
  let body;
  if (q.isPending) body = <LoadingState rows={2} />;
  else if (q.isError) body = <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  else if (q.data.length === 0) body = <EmptyState title={t("statementTemplates.empty")} description={t("statementTemplates.emptyBody")} />;
  else
    body = (
      <PlainTable
        caption={t("statementTemplates.cardTitle")}
        testId="statement-templates"
        columns={[t("statementTemplates.colName"), t("statementTemplates.colVersion"), t("statementTemplates.colVersions"), t("statementTemplates.colFiles"), t("statementTemplates.colSavedBy")]}
      >
        {q.data.map((tpl) => (
          <tr key={tpl.id} className="border-t border-border" data-testid="statement-template">
            <td className={td}>
              <Link href={`/statements/templates/${tpl.id}`} className={link}>
                {tpl.name}
              </Link>
            </td>
            <td className={`${td} tabular`}>{t("statementTemplates.versionN", { version: tpl.version })}</td>
            <td className={`${td} tabular`}>{tpl.versions}</td>
            <td className={`${td} tabular`} data-testid="template-files">
              {tpl.files}
            </td>
            <td className={td}>
              {tpl.createdBy}
              <DateTime value={tpl.createdAt} className="block text-xs text-muted-foreground" />
            </td>
          </tr>
        ))}
      </PlainTable>
    );
  return (
    <Card data-testid="templates-card">
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("statementTemplates.cardTitle")}</CardTitle>
          <CardDescription>{t("statementTemplates.cardHelp")}</CardDescription>
        </div>
        <Link href="/statements/templates/new" className={buttonClass("secondary", "sm")}>
          {t("statementTemplates.newTemplate")}
        </Link>
      </CardHeader>
      {body}
    </Card>
  );
}

/** Every version of a template's name, newest first, the one shown marked. */
export function TemplateVersions({ currentId, versions }: { currentId: string; versions: Versions }) {
  const { t } = useI18n();
  const newestId = versions[0]?.id;
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("statementTemplates.versionsTitle")}</CardTitle>
      </CardHeader>
      <PlainTable
        caption={t("statementTemplates.versionsTitle")}
        testId="template-versions"
        columns={[t("statementTemplates.colVersion"), t("statementTemplates.colNote"), t("statementTemplates.colSavedBy"), t("statementTemplates.colSavedAt"), t("statementTemplates.colFiles")]}
      >
        {versions.map((v) => (
          <tr key={v.id} className="border-t border-border" data-testid="template-version" aria-current={v.id === currentId ? "page" : undefined}>
            <td className={`${td} whitespace-nowrap`}>
              {v.id === currentId ? (
                <span className="font-medium">{t("statementTemplates.versionN", { version: v.version })}</span>
              ) : (
                <Link href={`/statements/templates/${v.id}`} className={link}>
                  {t("statementTemplates.versionN", { version: v.version })}
                </Link>
              )}{" "}
              {v.id === currentId ? <Badge tone="info">{t("statementTemplates.current")}</Badge> : null} {v.id === newestId ? <Badge tone="success">{t("statementTemplates.newest")}</Badge> : null}
            </td>
            <td className={`${td} max-w-md break-words`}>{v.note ?? ""}</td>
            <td className={td}>{v.createdBy}</td>
            <td className={td}>
              <DateTime value={v.createdAt} />
            </td>
            <td className={`${td} tabular`}>{v.files}</td>
          </tr>
        ))}
      </PlainTable>
    </Card>
  );
}
