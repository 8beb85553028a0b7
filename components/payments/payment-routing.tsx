"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";
import { asTrace } from "@/components/routing/trace";
import { TraceView, type TraceMoney } from "@/components/routing/trace-view";
import type { RuleSetRow } from "@/components/routing/types";
import { useRoutingLookups } from "@/components/routing/use-lookups";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";

const NO_RULE_SETS: readonly RuleSetRow[] = [];

/** The stored routing decision of the payment, read with the routing page's trace view. */
export function PaymentRouting({ decisionId, money }: { decisionId: string; money: TraceMoney }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  // The rule sets name the rules the trace refers to by id.
  const ruleSets = useQuery(trpc.routing.ruleSets.queryOptions());
  const lookups = useRoutingLookups(ruleSets.data ?? NO_RULE_SETS);
  // A decision never changes once stored.
  const decision = useQuery(trpc.routing.decision.queryOptions({ id: decisionId }, { staleTime: Infinity }));

  let body;
  if (decision.isPending || lookups.isPending || ruleSets.isPending) body = <LoadingState rows={4} />;
  else if (decision.isError) body = <ErrorState error={decision.error} onRetry={() => void decision.refetch()} />;
  else {
    const trace = asTrace(decision.data.trace);
    body = trace ? (
      <CardContent>
        <TraceView trace={trace} money={money} lookups={lookups} reason={decision.data.reason ? { code: decision.data.reason, params: null } : null} />
      </CardContent>
    ) : (
      <CardContent>
        <p className="text-sm text-muted-foreground">{t("routing.traceUnreadable")}</p>
      </CardContent>
    );
  }

  return (
    <Card data-testid="payment-routing">
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("payments.routingTitle")}</CardTitle>
          <CardDescription>{t("payments.routingHelp")}</CardDescription>
        </div>
        <Link href="/routing" className="text-sm text-primary underline-offset-2 hover:underline">
          {t("payments.routingLink")}
        </Link>
      </CardHeader>
      {body}
    </Card>
  );
}
