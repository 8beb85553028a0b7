"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { DataTable, type FilterDef } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { DateTime } from "@/components/ui/date-time";
import { LoadingState } from "@/components/ui/states";
import { useT } from "@/i18n/client";
import type { Translate } from "@/i18n/translate";
import { channelTypeLabel, REGISTRATION_TONE, registrationStatusLabel } from "./labels";
import { Dash } from "./parts";
import { rateLabel } from "./rate";
import { RegistrationDialog } from "./registration-dialog";
import { REGISTRATION_STATUSES, type RegistrationRow, type RegistrationStatus } from "./types";
import { REGISTRATIONS_TABLE_KEY } from "./use-invalidate-channel";

// registrations.find takes at most 200 a page; the table's CSV export asks for more.
const MAX_PAGE = 200;

/**
 * The identity a registration carries at its channel, as label/value pairs (only what is set).
 * WeChat and Alipay fields go by their protocol names, which is how people quote them.
 */
function identityParts(t: Translate, r: RegistrationRow): Array<[string, string]> {
  const parts: Array<[string, string | null]> = [
    ["sub_mchid", r.subMchId],
    ["sub_appid", r.subAppId],
    ["smid", r.smid],
    ["shop_id", r.shopId],
    [t("registrations.acquirerMerchantNo"), r.acquirerMerchantNo],
    [t("registrations.terminalNo"), r.terminalNo],
  ];
  return parts.filter((p): p is [string, string] => p[1] !== null && p[1] !== "");
}

/**
 * Channel registrations (进件): all of them, or those of one merchant or one channel account.
 * Filters apply on the server; on the registrations page they are kept in the URL.
 */
export function RegistrationsTable({
  merchantId,
  channelAccountId,
  canManage,
  urlStateKey,
}: {
  merchantId?: string;
  channelAccountId?: string;
  canManage: boolean;
  urlStateKey?: string;
}) {
  const t = useT();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [dialog, setDialog] = useState<{ row?: RegistrationRow } | null>(null);
  const merchants = useQuery({ ...trpc.merchants.find.queryOptions({ limit: 200 }), enabled: !merchantId });
  const accounts = useQuery({ ...trpc.channels.list.queryOptions(), enabled: !channelAccountId });

  const columns: ColumnDef<RegistrationRow, unknown>[] = [
    ...(merchantId
      ? []
      : [
          {
            id: "merchant",
            header: t("registrations.merchant"),
            enableHiding: false,
            cell: ({ row }: { row: { original: RegistrationRow } }) => (
              <Link href={`/merchants/${row.original.merchantId}`} className="font-medium text-primary underline-offset-2 hover:underline">
                {row.original.merchant.shortName}
              </Link>
            ),
          } satisfies ColumnDef<RegistrationRow, unknown>,
        ]),
    { id: "store", header: t("registrations.store"), cell: ({ row }) => row.original.store?.name ?? <span className="text-muted-foreground">{t("registrations.allStores")}</span> },
    ...(channelAccountId
      ? []
      : [
          {
            id: "account",
            header: t("registrations.channelAccount"),
            cell: ({ row }: { row: { original: RegistrationRow } }) => (
              <span className="flex flex-col">
                <Link href={`/channels/${row.original.channelAccountId}`} className="text-primary underline-offset-2 hover:underline">
                  {row.original.account.name}
                </Link>
                <span className="text-xs text-muted-foreground">{channelTypeLabel(t, row.original.account.channelType)}</span>
              </span>
            ),
          } satisfies ColumnDef<RegistrationRow, unknown>,
        ]),
    {
      id: "identity",
      header: t("registrations.identityColumn"),
      cell: ({ row }) => {
        const parts = identityParts(t, row.original);
        return parts.length || row.original.hasAppAuthToken ? (
          <ul className="space-y-0.5 text-xs">
            {parts.map(([k, v]) => (
              <li key={k}>
                <span className="font-mono text-muted-foreground">{k}</span> <span className="font-mono">{v}</span>
              </li>
            ))}
            {row.original.hasAppAuthToken ? (
              <li>
                <span className="font-mono text-muted-foreground">app_auth_token</span> {t("registrations.tokenSet")}
              </li>
            ) : null}
          </ul>
        ) : (
          <Dash />
        );
      },
    },
    {
      id: "status",
      header: t("common.status"),
      cell: ({ row }) => <Badge tone={REGISTRATION_TONE[row.original.status]}>{registrationStatusLabel(t, row.original.status)}</Badge>,
    },
    {
      id: "channelRate",
      header: t("registrations.channelRate"),
      meta: { align: "right" },
      cell: ({ row }) => (row.original.channelRatePpm === null ? <Dash /> : <span className="tabular">{rateLabel(row.original.channelRatePpm)}</span>),
    },
    { id: "updatedAt", header: t("common.updatedAt"), cell: ({ row }) => <DateTime value={row.original.updatedAt} /> },
    ...(canManage
      ? [
          {
            id: "actions",
            header: t("common.actions"),
            enableHiding: false,
            cell: ({ row }: { row: { original: RegistrationRow } }) => (
              <Button
                size="sm"
                variant="ghost"
                onClick={() => setDialog({ row: row.original })}
                aria-label={t("registrations.editOf", { merchant: row.original.merchant.shortName, account: row.original.account.name })}
              >
                {t("common.edit")}
              </Button>
            ),
          } satisfies ColumnDef<RegistrationRow, unknown>,
        ]
      : []),
  ];

  const filters: FilterDef[] = [
    ...(merchantId
      ? []
      : [{ id: "merchantId", label: t("registrations.merchant"), type: "select" as const, options: (merchants.data?.items ?? []).map((m) => ({ value: m.id, label: m.shortName })) }]),
    ...(channelAccountId
      ? []
      : [{ id: "channelAccountId", label: t("registrations.channelAccount"), type: "select" as const, options: (accounts.data ?? []).map((a) => ({ value: a.id, label: a.name })) }]),
    { id: "status", label: t("common.status"), type: "select", options: REGISTRATION_STATUSES.map((s) => ({ value: s, label: registrationStatusLabel(t, s) })) },
  ];

  // The table reads filters from the URL once, checking select values against their options:
  // wait for the option lists, or a link to one merchant's registrations would show everyone's.
  const optionsReady = (merchantId !== undefined || !merchants.isPending) && (channelAccountId !== undefined || !accounts.isPending);
  if (urlStateKey && !optionsReady) return <LoadingState rows={4} className="rounded-brand border border-border bg-card" />;

  return (
    <>
      <DataTable<RegistrationRow>
        label={t("registrations.title")}
        queryKey={[...REGISTRATIONS_TABLE_KEY, merchantId ?? "all", channelAccountId ?? "all"]}
        {...(urlStateKey ? { urlStateKey } : {})}
        fetchPage={({ cursor, limit, filters: f, signal }) =>
          client.registrations.find.query(
            {
              cursor,
              limit: Math.min(limit, MAX_PAGE),
              ...(merchantId ? { merchantId } : f.merchantId ? { merchantId: f.merchantId } : {}),
              ...(channelAccountId ? { channelAccountId } : f.channelAccountId ? { channelAccountId: f.channelAccountId } : {}),
              ...(f.status ? { status: f.status as RegistrationStatus } : {}),
            },
            { signal },
          )
        }
        columns={columns}
        getRowId={(r) => r.id}
        filters={filters}
        csv={{
          filename: "registrations.csv",
          columns: [
            { header: "id", value: (r) => r.id },
            { header: "merchant_id", value: (r) => r.merchantId },
            { header: "merchant", value: (r) => r.merchant.shortName },
            { header: "store_id", value: (r) => r.storeId },
            { header: "store", value: (r) => r.store?.name ?? null },
            { header: "channel_account_id", value: (r) => r.channelAccountId },
            { header: "channel_account", value: (r) => r.account.name },
            { header: "channel_type", value: (r) => r.account.channelType },
            { header: "sub_mchid", value: (r) => r.subMchId },
            { header: "sub_appid", value: (r) => r.subAppId },
            { header: "smid", value: (r) => r.smid },
            { header: "shop_id", value: (r) => r.shopId },
            { header: "acquirer_merchant_no", value: (r) => r.acquirerMerchantNo },
            { header: "terminal_no", value: (r) => r.terminalNo },
            { header: "has_app_auth_token", value: (r) => (r.hasAppAuthToken ? "true" : "false") },
            { header: "status", value: (r) => r.status },
            { header: "channel_rate_ppm", value: (r) => r.channelRatePpm },
            { header: "created_at", value: (r) => r.createdAt.toISOString() },
          ],
        }}
        emptyTitle={t("registrations.emptyTitle")}
        emptyDescription={t("registrations.emptyBody")}
        toolbar={canManage ? <Button onClick={() => setDialog({})}>{t("registrations.new")}</Button> : undefined}
      />
      {dialog ? (
        <RegistrationDialog
          {...(dialog.row ? { registration: dialog.row } : {})}
          {...(merchantId ? { merchantId } : {})}
          {...(channelAccountId ? { channelAccountId } : {})}
          onClose={() => setDialog(null)}
        />
      ) : null}
    </>
  );
}
