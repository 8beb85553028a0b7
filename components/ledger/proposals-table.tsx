"use client";

import Link from "next/link";
import type { ColumnDef } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { useT } from "@/i18n/client";
import { kindLabel, PROPOSAL_STATUS_TONE, proposalStatusLabel } from "./labels";
import { Proposer } from "./proposer";
import { LEDGER_PROPOSAL_KINDS, PROPOSAL_STATUSES, type Proposal, type ProposalStatus } from "./types";

const MAX_PAGE = 200;
// Ledger proposals are in the tenant's ledger currency; every account is CNY today.
const CURRENCY = "CNY";

export const PROPOSALS_QUERY_KEY = ["proposals.find"] as const;

export function ProposalsTable({ canPropose, meId }: { canPropose: boolean; meId: string }) {
  const t = useT();
  const client = useTRPCClient();
  const columns: ColumnDef<Proposal, unknown>[] = [
    { id: "proposedAt", header: t("ledger.proposedAt"), cell: ({ row }) => <DateTime value={row.original.proposedAt} /> },
    { id: "kind", header: t("ledger.kind"), cell: ({ row }) => <span title={row.original.kind}>{kindLabel(t, row.original.kind)}</span> },
    { id: "amount", header: t("ledger.amount"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.amountMinor} currency={CURRENCY} /> },
    { id: "reason", header: t("ledger.reason"), cell: ({ row }) => <span className="line-clamp-2 max-w-sm break-words">{row.original.reason}</span> },
    { id: "proposer", header: t("ledger.proposer"), cell: ({ row }) => <Proposer userId={row.original.proposedBy} meId={meId} /> },
    {
      id: "status",
      header: t("common.status"),
      cell: ({ row }) => <Badge tone={PROPOSAL_STATUS_TONE[row.original.status]}>{proposalStatusLabel(t, row.original.status)}</Badge>,
    },
    {
      id: "requiresAdmin",
      header: t("ledger.requiresAdmin"),
      cell: ({ row }) => (row.original.requiresAdmin ? <Badge tone="warning">{t("ledger.requiresAdminYes")}</Badge> : <span className="text-muted-foreground">{t("common.no")}</span>),
    },
  ];

  const newButton = canPropose ? (
    <Link href="/ledger/adjustments/new" className={buttonClass("primary")}>
      {t("ledger.newAdjustment")}
    </Link>
  ) : undefined;

  return (
    <DataTable<Proposal>
      label={t("ledger.proposalsTitle")}
      queryKey={PROPOSALS_QUERY_KEY}
      urlStateKey="p"
      fetchPage={({ cursor, limit, filters, signal }) =>
        client.proposals.find.query(
          {
            cursor,
            limit: Math.min(limit, MAX_PAGE),
            ...(filters.status ? { status: filters.status as ProposalStatus } : {}),
            ...(filters.kind ? { kind: filters.kind } : {}),
          },
          { signal },
        )
      }
      columns={columns}
      getRowId={(r) => r.id}
      rowHref={(r) => `/ledger/adjustments/${r.id}`}
      filters={[
        { id: "status", label: t("common.status"), type: "select", options: PROPOSAL_STATUSES.map((s) => ({ value: s, label: proposalStatusLabel(t, s) })) },
        { id: "kind", label: t("ledger.kind"), type: "select", options: LEDGER_PROPOSAL_KINDS.map((k) => ({ value: k, label: kindLabel(t, k) })) },
      ]}
      csv={{
        filename: "ledger-proposals.csv",
        columns: [
          { header: "id", value: (r) => r.id },
          { header: "proposed_at", value: (r) => r.proposedAt.toISOString() },
          { header: "kind", value: (r) => r.kind },
          { header: "currency", value: () => CURRENCY },
          { header: "amount_minor", value: (r) => r.amountMinor },
          { header: "reason", value: (r) => r.reason },
          { header: "proposed_by", value: (r) => r.proposedBy },
          { header: "status", value: (r) => r.status },
          { header: "requires_admin", value: (r) => (r.requiresAdmin ? "true" : "false") },
          { header: "decided_by", value: (r) => r.decidedBy },
          { header: "decided_at", value: (r) => r.decidedAt?.toISOString() ?? null },
        ],
      }}
      toolbar={newButton}
      emptyTitle={t("ledger.noProposalsTitle")}
      emptyDescription={t("ledger.noProposalsBody")}
      emptyAction={newButton}
    />
  );
}
