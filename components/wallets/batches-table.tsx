"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { DataTable, type FetchPageArgs } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { useI18n, useT } from "@/i18n/client";
import { formatMoney } from "@/i18n/format";
import { batchStatusLabel, isBatchStatus, walletErrorMessage } from "./labels";
import { BatchStatusBadge } from "./parts";
import { BATCH_STATUS_LIST, BATCHES_TABLE_KEY, CURRENCY, PAYOUTS_TABLE_KEY, type BatchListItem, type WalletsOverview } from "./types";

export function BatchesTable() {
  const t = useT();
  const client = useTRPCClient();
  const fetchPage = useCallback(
    ({ cursor, limit, filters, signal }: FetchPageArgs) => client.wallets.batches.find.query({ cursor, limit, ...(isBatchStatus(filters.status) ? { status: filters.status } : {}) }, { signal }),
    [client],
  );
  const columns: ColumnDef<BatchListItem, unknown>[] = [
    { id: "createdAt", header: t("wallets.createdAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    {
      id: "id",
      header: t("wallets.batch"),
      enableHiding: false,
      cell: ({ row }) => (
        <Link href={`/payouts/batches/${row.original.id}`} className="font-mono text-xs font-medium text-primary underline-offset-2 hover:underline">
          {row.original.id.slice(0, 8)}
        </Link>
      ),
    },
    { id: "channelAccount", header: t("wallets.channelAccount"), cell: ({ row }) => row.original.channelAccountName ?? row.original.channelAccountId.slice(0, 8) },
    { id: "delivery", header: t("wallets.delivery"), cell: ({ row }) => (row.original.delivery === "FILE" ? t("wallets.delivery_FILE") : t("wallets.delivery_SEND")) },
    { id: "count", header: t("wallets.count"), meta: { align: "right" }, cell: ({ row }) => <span className="tabular">{row.original.count}</span> },
    { id: "total", header: t("wallets.total"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.totalMinor} currency={CURRENCY} /> },
    { id: "status", header: t("wallets.status"), cell: ({ row }) => <BatchStatusBadge status={row.original.status} /> },
    { id: "releasedAt", header: t("wallets.releasedAt"), cell: ({ row }) => <DateTime value={row.original.releasedAt} /> },
  ];
  return (
    <DataTable<BatchListItem>
      label={t("wallets.batchesListLabel")}
      queryKey={BATCHES_TABLE_KEY}
      urlStateKey="pb"
      fetchPage={fetchPage}
      columns={columns}
      getRowId={(r) => r.id}
      rowHref={(r) => `/payouts/batches/${r.id}`}
      filters={[{ id: "status", label: t("wallets.status"), type: "select", options: BATCH_STATUS_LIST.map((s) => ({ value: s, label: batchStatusLabel(t, s) })) }]}
      emptyTitle={t("wallets.batchesEmptyTitle")}
      emptyDescription={t("wallets.batchesEmptyBody")}
    />
  );
}

/** "Gather held payouts": into the open batch of a payout channel account, for one delivery. */
export function GatherButton({ initial }: { initial: WalletsOverview }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const router = useRouter();
  const queryClient = useQueryClient();
  const overview = useQuery({ ...trpc.wallets.overview.queryOptions(), initialData: initial });
  const accounts = overview.data.payoutChannelAccounts;
  const [open, setOpen] = useState(false);
  const [accountId, setAccountId] = useState(accounts[0]?.id ?? "");
  const [delivery, setDelivery] = useState<"SEND" | "FILE">("SEND");
  const gather = useMutation(trpc.wallets.batches.gather.mutationOptions());

  async function submit() {
    const batch = await gather.mutateAsync({ ...(accountId ? { channelAccountId: accountId } : {}), delivery }).catch(() => null);
    if (!batch) return;
    setOpen(false);
    toast.success(t("wallets.gathered"));
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: BATCHES_TABLE_KEY }),
      queryClient.invalidateQueries({ queryKey: PAYOUTS_TABLE_KEY }),
      queryClient.invalidateQueries({ queryKey: trpc.wallets.overview.queryKey() }),
    ]);
    router.push(`/payouts/batches/${batch.id}`);
  }

  const held = overview.data.heldCount;
  return (
    <>
      <span className="text-sm text-muted-foreground" data-testid="held-summary">
        {t("wallets.heldSummary", { count: held, amount: formatMoney(overview.data.heldMinor, CURRENCY, locale) })}
      </span>
      <Button onClick={() => setOpen(true)} disabled={held === 0 || accounts.length === 0} data-testid="gather-open">
        {t("wallets.gather")}
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title={t("wallets.gatherTitle")}
        description={t("wallets.gatherHelp")}
        dismissible={!gather.isPending}
        footer={
          <>
            <Button variant="secondary" onClick={() => setOpen(false)} disabled={gather.isPending}>
              {t("common.cancel")}
            </Button>
            <Button onClick={() => void submit()} loading={gather.isPending} disabled={!accountId} data-testid="gather-confirm">
              {t("wallets.gather")}
            </Button>
          </>
        }
      >
        <div className="space-y-4">
          {accounts.length === 0 ? <p className="text-sm text-danger">{t("wallets.noPayoutChannel")}</p> : null}
          <Field label={t("wallets.channelAccount")}>
            <Select value={accountId} onChange={(e) => setAccountId(e.target.value)} options={accounts.map((a) => ({ value: a.id, label: `${a.name} (${a.channelType})` }))} data-testid="gather-account" />
          </Field>
          <Field label={t("wallets.delivery")}>
            <Select
              value={delivery}
              onChange={(e) => setDelivery(e.target.value === "FILE" ? "FILE" : "SEND")}
              options={[
                { value: "SEND", label: t("wallets.delivery_SEND") },
                { value: "FILE", label: t("wallets.delivery_FILE") },
              ]}
              data-testid="gather-delivery"
            />
          </Field>
          {gather.error ? (
            <p role="alert" className="text-sm text-danger">
              {walletErrorMessage(t, gather.error)}
            </p>
          ) : null}
        </div>
      </Dialog>
    </>
  );
}
