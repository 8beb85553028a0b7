"use client";

import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Dash, Detail } from "@/components/ledger/parts";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { walletErrorMessage } from "./labels";
import { BatchStatusBadge, PayoutStatusBadge, ReasonDialog } from "./parts";
import { BATCHES_TABLE_KEY, CURRENCY, PAYOUTS_TABLE_KEY, type BatchDetail } from "./types";

const link = "text-primary underline-offset-2 hover:underline";

function saveText(fileName: string, content: string) {
  const url = URL.createObjectURL(new Blob([content], { type: "text/plain;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: some browsers read the blob URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** One batch: its payouts, its release proposal and approval, the payout file or "send now". */
export function BatchView({ initial, canManage }: { initial: BatchDetail; canManage: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const detail = useQuery({ ...trpc.wallets.batches.get.queryOptions({ id: initial.id }), initialData: initial });
  const b = detail.data;
  const propose = useMutation(trpc.wallets.batches.proposeRelease.mutationOptions());
  const download = useMutation(trpc.wallets.batches.downloadFile.mutationOptions());
  const send = useMutation(trpc.wallets.batches.send.mutationOptions());
  const [proposing, setProposing] = useState(false);

  async function refresh() {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.wallets.batches.get.queryKey({ id: b.id }) }),
      queryClient.invalidateQueries({ queryKey: BATCHES_TABLE_KEY }),
      queryClient.invalidateQueries({ queryKey: PAYOUTS_TABLE_KEY }),
    ]);
  }

  async function onPropose(reason: string) {
    const r = await propose.mutateAsync({ batchId: b.id, reason }).catch(() => null);
    if (!r) return;
    setProposing(false);
    toast.success(t("wallets.proposed"));
    await refresh();
  }

  async function onDownload() {
    const file = await download.mutateAsync({ id: b.id }).catch((e: unknown) => {
      toast.error(walletErrorMessage(t, e) ?? t("common.errorTitle"));
      return null;
    });
    if (!file) return;
    saveText(file.fileName, file.content);
    toast.success(t("wallets.downloaded", { count: file.count }));
  }

  async function onSend() {
    const r = await send.mutateAsync({ id: b.id }).catch((e: unknown) => {
      toast.error(walletErrorMessage(t, e) ?? t("common.errorTitle"));
      return null;
    });
    if (!r) return;
    toast.success(t("wallets.sentResult", { sent: r.sent, settled: r.settled }));
    await refresh();
  }

  const released = b.status === "RELEASED" || b.status === "COMPLETED";
  return (
    <div className="space-y-6">
      <div>
        <Link href="/payouts/batches" className={`text-sm ${link}`}>
          ← {t("wallets.navBatches")}
        </Link>
      </div>
      <PageHeader
        title={t("wallets.batchTitle", { id: b.id.slice(0, 8) })}
        description={`${b.channelAccountName ?? b.channelAccountId} · ${b.delivery === "FILE" ? t("wallets.delivery_FILE") : t("wallets.delivery_SEND")}`}
        actions={
          <span className="flex flex-wrap items-center gap-2">
            <BatchStatusBadge status={b.status} testId="batch-status" />
            {canManage && b.status === "OPEN" && b.count > 0 ? (
              <Button onClick={() => setProposing(true)} data-testid="batch-propose">
                {t("wallets.proposeRelease")}
              </Button>
            ) : null}
            {canManage && released && b.delivery === "FILE" ? (
              <Button variant="secondary" onClick={() => void onDownload()} loading={download.isPending} data-testid="batch-download">
                {t("wallets.downloadFile")}
              </Button>
            ) : null}
            {canManage && b.status === "RELEASED" && b.delivery === "SEND" ? (
              <Button variant="secondary" onClick={() => void onSend()} loading={send.isPending} data-testid="batch-send">
                {t("wallets.sendNow")}
              </Button>
            ) : null}
          </span>
        }
      />

      <Card>
        <CardContent>
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Detail label={t("wallets.count")} testId="batch-count">
              <span className="tabular">{b.count}</span>
            </Detail>
            <Detail label={t("wallets.total")}>
              <Money amountMinor={b.totalMinor} currency={CURRENCY} inline className="text-base font-semibold" />
            </Detail>
            <Detail label={t("wallets.createdBy")}>{b.createdBy}</Detail>
            <Detail label={t("wallets.createdAt")}>
              <DateTime value={b.createdAt} />
            </Detail>
            <Detail label={t("wallets.releasedAt")}>
              <DateTime value={b.releasedAt} />
            </Detail>
            <Detail label={t("wallets.completedAt")}>
              <DateTime value={b.completedAt} />
            </Detail>
            {b.delivery === "FILE" ? (
              <Detail label={t("wallets.downloadFile")}>
                {b.fileName ? <span className="font-mono text-xs">{b.fileName}</span> : <Dash />}
                <p className="mt-1 text-xs text-muted-foreground">{t("wallets.fileHelp")}</p>
              </Detail>
            ) : null}
          </dl>
        </CardContent>
      </Card>

      <Card data-testid="batch-approval">
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("wallets.approval")}</CardTitle>
            <CardDescription>{t("wallets.proposeHelp")}</CardDescription>
          </div>
        </CardHeader>
        <CardContent>
          {b.proposal ? (
            <div className="flex flex-wrap items-center gap-3">
              <Badge tone={b.proposal.status === "APPROVED" ? "success" : b.proposal.status === "PENDING" ? "warning" : "danger"} data-testid="proposal-state">
                {t(`wallets.proposalStatus_${b.proposal.status}`)}
              </Badge>
              <span className="text-sm text-muted-foreground">{b.proposal.reason}</span>
              <Link href={`/ledger/adjustments/${b.proposal.id}`} className={`text-sm ${link}`} data-testid="proposal-link">
                {t("wallets.openProposal")}
              </Link>
            </div>
          ) : (
            <p className="text-sm text-muted-foreground">{t("wallets.noProposal")}</p>
          )}
        </CardContent>
      </Card>

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">{t("wallets.batchPayouts")}</h2>
        {b.payouts.length === 0 ? (
          <EmptyState title={t("wallets.payoutsEmptyTitle")} className="rounded-brand border border-border bg-card" />
        ) : (
          <div className="overflow-x-auto rounded-brand border border-border bg-card">
            <table className="w-full text-sm" data-testid="batch-payouts">
              <thead className="border-b border-border text-left text-xs text-muted-foreground">
                <tr>
                  <th className="px-3 py-2 font-medium">{t("wallets.requestNo")}</th>
                  <th className="px-3 py-2 font-medium">{t("wallets.merchant")}</th>
                  <th className="px-3 py-2 font-medium">{t("wallets.account")}</th>
                  <th className="px-3 py-2 text-right font-medium">{t("wallets.amount")}</th>
                  <th className="px-3 py-2 font-medium">{t("wallets.status")}</th>
                </tr>
              </thead>
              <tbody>
                {b.payouts.map((p) => (
                  <tr key={p.id} className="border-b border-border last:border-0">
                    <td className="px-3 py-2">
                      <Link href={`/payouts/${p.id}`} className={`font-mono text-xs ${link}`}>
                        {p.requestNo}
                      </Link>
                    </td>
                    <td className="px-3 py-2">{p.merchantName}</td>
                    <td className="px-3 py-2">
                      {p.accountName} · {t("wallets.accountLast4", { last4: p.accountLast4 })}
                    </td>
                    <td className="px-3 py-2">
                      <Money amountMinor={p.amountMinor} currency={CURRENCY} />
                    </td>
                    <td className="px-3 py-2">
                      <PayoutStatusBadge status={p.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <ReasonDialog
        open={proposing}
        onClose={() => setProposing(false)}
        title={t("wallets.proposeTitle")}
        description={t("wallets.proposeHelp")}
        confirmLabel={t("wallets.proposeRelease")}
        pending={propose.isPending}
        error={walletErrorMessage(t, propose.error)}
        onConfirm={(reason) => void onPropose(reason)}
        testId="propose-dialog"
      />
    </div>
  );
}
