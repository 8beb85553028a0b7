"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { useTRPCClient } from "@/components/providers/trpc";
import { DateTime } from "@/components/ui/date-time";
import { useT } from "@/i18n/client";

interface AuditRow {
  id: string;
  actorKind: string;
  actorEmail: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  createdAt: Date;
}

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="text-muted-foreground">—</span>;
  return (
    <details>
      <summary className="cursor-pointer text-xs text-primary">JSON</summary>
      <pre className="max-w-md overflow-auto whitespace-pre-wrap text-xs">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export function AuditTable() {
  const t = useT();
  const client = useTRPCClient();
  const columns: ColumnDef<AuditRow, unknown>[] = [
    { id: "createdAt", header: t("audit.when"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    { id: "actor", header: t("audit.actor"), accessorFn: (r) => r.actorEmail ?? r.actorKind },
    { id: "action", header: t("audit.action"), cell: ({ row }) => <span className="font-mono text-xs">{row.original.action}</span> },
    { id: "entity", header: t("audit.entity"), cell: ({ row }) => <span className="text-xs">{row.original.entityType}{row.original.entityId ? ` · ${row.original.entityId.slice(0, 8)}` : ""}</span> },
    { id: "before", header: t("audit.before"), cell: ({ row }) => <Json value={row.original.before} /> },
    { id: "after", header: t("audit.after"), cell: ({ row }) => <Json value={row.original.after} /> },
    { id: "requestId", header: t("audit.requestId"), cell: ({ row }) => <span className="font-mono text-xs">{row.original.requestId?.slice(0, 8) ?? "—"}</span> },
  ];
  return (
    <DataTable<AuditRow>
      label={t("audit.title")}
      queryKey={["audit.find"]}
      fetchPage={({ cursor, limit, filters }) =>
        client.audit.find.query({
          cursor,
          limit,
          ...(filters.action ? { action: filters.action } : {}),
          ...(filters.entityType ? { entityType: filters.entityType } : {}),
          ...(filters.actor ? { actor: filters.actor } : {}),
          ...(filters.from ? { from: filters.from } : {}),
          ...(filters.to ? { to: filters.to } : {}),
        })
      }
      columns={columns}
      getRowId={(r) => r.id}
      urlStateKey="audit"
      filters={[
        { id: "action", label: t("audit.action"), type: "text", placeholder: "merchant." },
        { id: "entityType", label: t("audit.entity"), type: "text" },
        { id: "actor", label: t("audit.actor"), type: "text" },
        { id: "from", label: t("audit.from"), type: "date" },
        { id: "to", label: t("audit.to"), type: "date" },
      ]}
      csv={{
        filename: "audit-log.csv",
        columns: [
          { header: "created_at", value: (r) => r.createdAt.toISOString() },
          { header: "actor", value: (r) => r.actorEmail ?? r.actorKind },
          { header: "action", value: (r) => r.action },
          { header: "entity_type", value: (r) => r.entityType },
          { header: "entity_id", value: (r) => r.entityId },
          { header: "before", value: (r) => (r.before == null ? null : JSON.stringify(r.before)) },
          { header: "after", value: (r) => (r.after == null ? null : JSON.stringify(r.after)) },
          { header: "request_id", value: (r) => r.requestId },
        ],
      }}
      emptyTitle={t("audit.emptyTitle")}
    />
  );
}
