"use client";

import { useId } from "react";
import { Badge } from "@/components/ui/badge";
import { useI18n } from "@/i18n/client";
import { sortRules, ruleToDraft } from "./draft";
import { conditionLines, targetsSummary } from "./names";
import { thClass } from "./parts";
import type { RoutingLookups } from "./use-lookups";
import type { RuleSetRow } from "./types";
import { isStrategy } from "./types";

/** A rule set read-only: strategy, fallback and the rules in the order they run. */
export function RuleSetSummary({ ruleSet, lookups, testId }: { ruleSet: Pick<RuleSetRow, "strategy" | "fallbackEnabled" | "rules">; lookups: RoutingLookups; testId?: string }) {
  const { t, locale } = useI18n();
  const captionId = useId();
  const rules = sortRules(ruleSet.rules);
  return (
    <div className="space-y-3" data-testid={testId}>
      <dl className="grid gap-3 text-sm sm:grid-cols-2">
        <div>
          <dt className="text-xs font-medium text-muted-foreground">{t("routing.strategy")}</dt>
          <dd className="mt-0.5">
            {isStrategy(ruleSet.strategy) ? (
              <>
                <span className="font-medium">{t(`routing.strategy_${ruleSet.strategy}`)}</span>
                <span className="block text-xs text-muted-foreground">{t(`routing.strategyHelp_${ruleSet.strategy}`)}</span>
              </>
            ) : (
              ruleSet.strategy
            )}
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium text-muted-foreground">{t("routing.fallback")}</dt>
          <dd className="mt-0.5">{ruleSet.fallbackEnabled ? t("routing.fallbackOn") : t("routing.fallbackOff")}</dd>
        </div>
      </dl>
      {rules.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("routing.noRules")}</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full border-collapse text-sm" aria-labelledby={captionId}>
            <caption id={captionId} className="sr-only">
              {t("routing.rulesHeading")}
            </caption>
            <thead className="bg-muted">
              <tr>
                <th scope="col" className={thClass("right")}>
                  #
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.ruleName")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.targets")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.conditions")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("common.status")}
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r, i) => {
                const draft = ruleToDraft(r);
                return (
                  <tr key={r.id} className="border-t border-border align-top">
                    <td className="tabular px-3 py-2 text-right text-muted-foreground">{i + 1}</td>
                    <td className="px-3 py-2">
                      <span className="font-medium">{r.name || <span className="italic text-muted-foreground">{t("routing.ruleUnnamed")}</span>}</span>
                    </td>
                    <td className="px-3 py-2">
                      <Badge tone={r.action === "FORCE" ? "info" : "warning"} className="me-2">
                        {t(`routing.action_${r.action}`)}
                      </Badge>
                      {targetsSummary(t, locale, lookups.names, draft)}
                    </td>
                    <td className="px-3 py-2">
                      <ul className="text-xs">
                        {conditionLines(t, locale, lookups.names, draft).map((l) => (
                          <li key={l} className="break-words">
                            {l}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td className="px-3 py-2">
                      <Badge tone={r.enabled ? "success" : "neutral"}>{r.enabled ? t("routing.ruleEnabled") : t("routing.ruleDisabled")}</Badge>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
