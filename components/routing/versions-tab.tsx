"use client";

import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Dash, ErrorNote } from "@/components/ledger/parts";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { EmptyState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { routingErrorText } from "./errors";
import { RuleSetStatusBadge, thClass } from "./parts";
import type { UserName } from "./rules-tab";
import { ruleSetNote } from "./names";
import { RuleSetSummary } from "./rule-table";
import { isStrategy, type RuleSetRow } from "./types";
import type { RoutingLookups } from "./use-lookups";

/** Every version, newest first; any one read-only; superseded ones can be rolled back to. */
export function VersionsTab({
  ruleSets,
  canManage,
  lookups,
  userName,
  onChanged,
}: {
  ruleSets: readonly RuleSetRow[];
  canManage: boolean;
  lookups: RoutingLookups;
  userName: UserName;
  onChanged: () => Promise<void>;
}) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const titleId = useId();
  const [viewing, setViewing] = useState<RuleSetRow | null>(null);
  const [rollingBack, setRollingBack] = useState<RuleSetRow | null>(null);
  const [note, setNote] = useState("");
  const rollback = useMutation(trpc.routing.rollback.mutationOptions());
  const draft = ruleSets.find((r) => r.status === "DRAFT");
  const published = ruleSets.find((r) => r.status === "PUBLISHED");
  const sorted = [...ruleSets].sort((a, b) => b.version - a.version);

  async function runRollback(row: RuleSetRow) {
    const r = await rollback.mutateAsync({ version: row.version, ...(note.trim() ? { note: note.trim() } : {}) }).catch(() => null);
    if (!r) return;
    toast.success(t("routing.rolledBack", { version: r.version, from: row.version }));
    setRollingBack(null);
    await onChanged();
  }

  const who = (id: string | null) => (id ? (userName(id) ?? <Dash />) : <Dash />);

  return (
    <>
      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle id={titleId}>{t("routing.versionsTitle")}</CardTitle>
            <CardDescription>{t("routing.versionsHelp")}</CardDescription>
            {canManage && draft ? (
              <p className="mt-2 text-sm text-warning" data-testid="rollback-draft-open">
                {t("routing.rollbackDraftOpen", { version: draft.version })}
              </p>
            ) : null}
          </div>
        </CardHeader>
        {sorted.length === 0 ? (
          <EmptyState title={t("routing.versionsEmpty")} />
        ) : (
          <div className="overflow-x-auto">
            <table aria-labelledby={titleId} className="w-full border-collapse text-sm" data-testid="versions-table">
              <thead className="bg-muted">
                <tr>
                  <th scope="col" className={thClass("right")}>
                    {t("routing.version")}
                  </th>
                  <th scope="col" className={thClass()}>
                    {t("common.status")}
                  </th>
                  <th scope="col" className={thClass()}>
                    {t("routing.strategy")}
                  </th>
                  <th scope="col" className={thClass("right")}>
                    {t("routing.rulesCount")}
                  </th>
                  <th scope="col" className={thClass()}>
                    {t("routing.createdAt")}
                  </th>
                  <th scope="col" className={thClass()}>
                    {t("routing.publishedAt")}
                  </th>
                  <th scope="col" className={thClass()}>
                    {t("routing.note")}
                  </th>
                  <th scope="col" className={thClass("right")}>
                    <span className="sr-only">{t("common.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((r) => (
                  <tr key={r.version} className="border-t border-border align-top" data-testid={`version-row-${r.version}`}>
                    <th scope="row" className="tabular px-3 py-2 text-right font-medium">
                      {r.version}
                    </th>
                    <td className="px-3 py-2">
                      <RuleSetStatusBadge status={r.status} />
                    </td>
                    <td className="px-3 py-2">{isStrategy(r.strategy) ? t(`routing.strategy_${r.strategy}`) : r.strategy}</td>
                    <td className="tabular px-3 py-2 text-right">{formatNumber(r.rules.length, locale)}</td>
                    <td className="px-3 py-2">
                      <DateTime value={r.createdAt} />
                      <span className="block text-xs text-muted-foreground">{who(r.createdBy)}</span>
                    </td>
                    <td className="px-3 py-2">
                      {r.publishedAt ? (
                        <>
                          <DateTime value={r.publishedAt} />
                          <span className="block text-xs text-muted-foreground">{who(r.publishedBy)}</span>
                        </>
                      ) : (
                        <Dash />
                      )}
                    </td>
                    <td className="max-w-64 break-words px-3 py-2">{ruleSetNote(t, r.note) ?? <Dash />}</td>
                    <td className="whitespace-nowrap px-3 py-2 text-right">
                      <span className="inline-flex gap-2">
                        <Button size="sm" variant="ghost" onClick={() => setViewing(r)}>
                          {t("routing.view")}
                          <span className="sr-only">{`: ${t("routing.versionNumber", { version: r.version })}`}</span>
                        </Button>
                        {canManage && r.status === "SUPERSEDED" ? (
                          <Button
                            size="sm"
                            variant="secondary"
                            disabled={draft !== undefined}
                            title={draft ? t("routing.rollbackDraftOpen", { version: draft.version }) : undefined}
                            onClick={() => {
                              rollback.reset();
                              setNote("");
                              setRollingBack(r);
                            }}
                          >
                            {t("routing.rollback")}
                            <span className="sr-only">{`: ${t("routing.versionNumber", { version: r.version })}`}</span>
                          </Button>
                        ) : null}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      {viewing ? (
        <Dialog
          open
          size="lg"
          onClose={() => setViewing(null)}
          title={t("routing.versionNumber", { version: viewing.version })}
          description={ruleSetNote(t, viewing.note) ?? undefined}
          footer={
            <Button variant="secondary" onClick={() => setViewing(null)}>
              {t("common.close")}
            </Button>
          }
        >
          <div className="space-y-3">
            <RuleSetStatusBadge status={viewing.status} />
            <RuleSetSummary ruleSet={viewing} lookups={lookups} testId="version-rules" />
          </div>
        </Dialog>
      ) : null}

      {rollingBack ? (
        <Dialog
          open
          size="lg"
          onClose={() => setRollingBack(null)}
          dismissible={!rollback.isPending}
          title={t("routing.rollbackNamed", { version: rollingBack.version })}
          description={t("routing.rollbackConfirm", { version: rollingBack.version, current: published?.version ?? "—" })}
          footer={
            <>
              <Button variant="secondary" onClick={() => setRollingBack(null)} disabled={rollback.isPending}>
                {t("common.cancel")}
              </Button>
              <Button loading={rollback.isPending} onClick={() => void runRollback(rollingBack)}>
                {t("routing.rollback")}
              </Button>
            </>
          }
        >
          <div className="space-y-4">
            <RuleSetSummary ruleSet={rollingBack} lookups={lookups} />
            <Field label={t("routing.rollbackNote")} hint={t("routing.rollbackNoteHint", { version: rollingBack.version })}>
              <Input value={note} maxLength={200} onChange={(e) => setNote(e.target.value)} />
            </Field>
            <ErrorNote message={rollback.error ? routingErrorText(t, rollback.error) : null} testId="rollback-error" />
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
