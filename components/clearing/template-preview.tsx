"use client";

import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { useI18n } from "@/i18n/client";
import type { LineKind } from "@/server/core/clearing/parsers/types";
import type { TemplatePreview } from "@/server/core/clearing/parsers/template";
import { PlainTable, td } from "./plain-table";

const rowHead = `${td} text-left font-normal`;
const ROLE_TONE = { HEADER: "info", DETAIL: "neutral", FOOTER: "warning" } as const;

/** The parser's message names its line ("line 4: …"); the line is shown on its own, in the reader's language. */
function withoutLinePrefix(message: string, lineNo: number | undefined): string {
  const prefix = `line ${lineNo}: `;
  return lineNo !== undefined && message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function Section({ title, children, testId }: { title: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="space-y-2" data-testid={testId}>
      <h3 className="text-sm font-semibold">{title}</h3>
      {children}
    </section>
  );
}

/**
 * What a template makes of the sample: the hints first (a wrong unit or sign is the mistake this
 * screen exists to catch), the totals beside the file's own, the problems by line, then the
 * file's first lines with the role each was given and the first lines as read.
 */
export function TemplatePreviewView({ preview, stale }: { preview: TemplatePreview; stale: boolean }) {
  const { t } = useI18n();
  const kindLabel = (k: LineKind) => (k === "PAYMENT" || k === "REFUND" || k === "REVOKED" ? t(`statementTemplates.kind_${k}`) : k);
  const { computed, declared } = preview;
  const agreement = (stated: number | bigint | undefined, read: number | bigint) =>
    stated === undefined ? (
      <Badge tone="neutral">{t("statementTemplates.notStated")}</Badge>
    ) : stated === read ? (
      <Badge tone="success" data-agree="true">
        ✓ {t("statementTemplates.agree")}
      </Badge>
    ) : (
      <Badge tone="danger" data-agree="false">
        ✗ {t("statementTemplates.disagree")}
      </Badge>
    );

  return (
    <div className="space-y-5" data-testid="template-preview">
      {stale ? (
        <p role="status" className="rounded-brand border border-warning/40 bg-warning/10 px-3 py-2 text-sm text-warning">
          {t("statementTemplates.previewStale")}
        </p>
      ) : null}

      {preview.hints.length ? (
        <section role="alert" className="space-y-2 rounded-brand border border-warning/50 bg-warning/10 p-4" data-testid="template-hints">
          <h3 className="text-sm font-semibold text-warning">{t("statementTemplates.hintsTitle")}</h3>
          <ul className="space-y-2">
            {preview.hints.map((h) => (
              <li key={h.code} data-code={h.code}>
                <p className="font-medium">{t(`statementTemplates.hint_${h.code}`)}</p>
                <p className="text-sm text-muted-foreground">{h.message}</p>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <Section title={t("statementTemplates.totalsTitle")} testId="template-totals">
        <PlainTable className="max-w-2xl" columns={["", { label: t("statementTemplates.computed"), end: true }, { label: t("statementTemplates.declared"), end: true }, ""]}>
          <tr className="border-t border-border" data-testid="template-total-count">
            <th scope="row" className={rowHead}>
              {t("statementTemplates.totalsCount")}
            </th>
            <td className={`${td} text-right tabular`}>{computed.count}</td>
            <td className={`${td} text-right tabular`}>{declared?.count ?? "—"}</td>
            <td className={td}>{agreement(declared?.count, computed.count)}</td>
          </tr>
          <tr className="border-t border-border" data-testid="template-total-amount">
            <th scope="row" className={rowHead}>
              {t("statementTemplates.totalsAmount")}
            </th>
            <td className={td}>
              <Money amountMinor={computed.amountMinor} currency="CNY" />
            </td>
            <td className={td}>{declared?.amountMinor === undefined ? <span className="block text-right">—</span> : <Money amountMinor={declared.amountMinor} currency="CNY" />}</td>
            <td className={td}>{agreement(declared?.amountMinor, computed.amountMinor)}</td>
          </tr>
          <tr className="border-t border-border">
            <th scope="row" className={rowHead}>
              {t("statementTemplates.totalsFee")}
            </th>
            <td className={td}>
              <Money amountMinor={computed.feeMinor ?? 0n} currency="CNY" />
            </td>
            <td className={`${td} text-right`}>—</td>
            <td className={td} />
          </tr>
        </PlainTable>
      </Section>

      {preview.errorCount ? (
        <Section title={t("statementTemplates.errorsTitle", { count: preview.errorCount })} testId="template-errors">
          <ul className="space-y-1 text-sm">
            {preview.errors.map((e, i) => (
              <li key={i} className="text-danger">
                {e.lineNo !== undefined ? <span className="me-2 font-medium tabular">{t("statementTemplates.errorLine", { line: e.lineNo })}</span> : null}
                {withoutLinePrefix(e.message, e.lineNo)}
              </li>
            ))}
          </ul>
          {preview.errorCount > preview.errors.length ? <p className="text-sm text-muted-foreground">{t("statementTemplates.errorsMore", { count: preview.errorCount - preview.errors.length })}</p> : null}
        </Section>
      ) : null}

      {preview.head.length ? (
        <Section title={t("statementTemplates.headTitle")}>
          <PlainTable testId="template-head" columns={[t("statementTemplates.lineNo"), t("statementTemplates.kind"), t("statementTemplates.text")]}>
            {preview.head.map((r) => (
              <tr key={r.lineNo} className="border-t border-border" data-role={r.role}>
                <td className={`${td} tabular`}>{r.lineNo}</td>
                <td className={td}>
                  <Badge tone={ROLE_TONE[r.role]}>{t(`statementTemplates.role_${r.role}`)}</Badge>
                </td>
                <td className={`${td} whitespace-pre font-mono text-xs`}>{r.text}</td>
              </tr>
            ))}
          </PlainTable>
        </Section>
      ) : null}

      {preview.lines.length ? (
        <Section title={t("statementTemplates.linesTitle")}>
          <PlainTable
            testId="template-lines"
            columns={[
              t("statementTemplates.lineNo"),
              t("statementTemplates.kind"),
              t("statementTemplates.column_outTradeNo"),
              t("statementTemplates.column_outRefundNo"),
              { label: t("statementTemplates.column_amount"), end: true },
              { label: t("statementTemplates.column_fee"), end: true },
              t("statementTemplates.column_occurredAt"),
            ]}
          >
            {preview.lines.map((l) => (
              <tr key={l.lineNo} className="border-t border-border" data-testid="template-line">
                <td className={`${td} tabular`}>{l.lineNo}</td>
                <td className={td}>{kindLabel(l.kind)}</td>
                <td className={`${td} break-all font-mono text-xs`}>{l.outTradeNo ?? ""}</td>
                <td className={`${td} break-all font-mono text-xs`}>{l.outRefundNo ?? ""}</td>
                <td className={td}>
                  <Money amountMinor={l.amountMinor} currency="CNY" />
                </td>
                <td className={td}>
                  <Money amountMinor={l.feeMinor} currency="CNY" />
                </td>
                <td className={td}>{l.occurredAt ? <DateTime value={l.occurredAt} /> : null}</td>
              </tr>
            ))}
          </PlainTable>
        </Section>
      ) : null}
    </div>
  );
}
