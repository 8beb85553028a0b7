"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button, buttonClass } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, errorMessage, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { DEVICE_STATUSES, DEVICE_VENDORS, DeviceStatusBadge, OnlineBadge, tdClass, thClass, type DeviceStatus } from "./parts";
import { OfflineAlerts } from "./offline-alerts";

type BulkAction = "SUSPEND" | "RESUME" | "RETURN" | "RETIRE";

/** The fleet: counts and alerts, filters, a selectable list, bulk assign / suspend / resume / return / retire. */
export function DevicesList({ canManage }: { canManage: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState("");
  const [vendor, setVendor] = useState("");
  const [online, setOnline] = useState("");
  const [relocated, setRelocated] = useState(false);
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<BulkAction | "ASSIGN" | null>(null);

  const filters = useMemo(
    () => ({
      ...(status ? { status: status as DeviceStatus } : {}),
      ...(vendor ? { vendor: vendor as (typeof DEVICE_VENDORS)[number] } : {}),
      ...(online ? { online: online as "ONLINE" | "OFFLINE" } : {}),
      ...(relocated ? { isRelocated: true } : {}),
      ...(search.trim() ? { search: search.trim().slice(0, 64) } : {}),
    }),
    [status, vendor, online, relocated, search],
  );
  const overview = useQuery(trpc.devices.overview.queryOptions());
  const list = useInfiniteQuery({
    queryKey: ["devices.list", filters],
    queryFn: ({ pageParam, signal }) => client.devices.find.query({ ...filters, cursor: pageParam, limit: 50 }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const refresh = () => {
    setSelected(new Set());
    void queryClient.invalidateQueries({ queryKey: ["devices.list"] });
    void queryClient.invalidateQueries({ queryKey: trpc.devices.overview.queryKey() });
  };
  const reportBulk = (r: { updated: number; refused: { id: string; serialNumber: string | null; code: string }[] }) => {
    toast.success(t("devices.bulkDone", { updated: r.updated }));
    if (r.refused.length > 0) {
      toast.error(`${t("devices.bulkRefused", { count: r.refused.length })}: ${r.refused.map((x) => `${x.serialNumber ?? x.id} (${t(`devices.refused_${x.code === "DEVICE_NOT_FOUND" ? "DEVICE_NOT_FOUND" : "ILLEGAL_TRANSITION"}`)})`).join(", ")}`);
    }
    setDialog(null);
    refresh();
  };

  const o = overview.data;
  const active = o?.counts.ACTIVE ?? 0;
  return (
    <div className="space-y-4">
      {o ? (
        <div className="grid gap-3 sm:grid-cols-5" data-testid="devices-overview">
          {[
            [t("devices.overviewActive"), active],
            [t("devices.overviewOnline"), o.online],
            [t("devices.overviewOffline"), o.offline],
            [t("devices.overviewRelocated"), o.relocated],
            [t("devices.overviewInStock"), o.counts.IN_STOCK ?? 0],
          ].map(([label, value]) => (
            <Card key={String(label)}>
              <CardContent className="py-3">
                <div className="text-xs text-muted-foreground">{label}</div>
                <div className="text-2xl font-semibold tabular-nums">{value}</div>
              </CardContent>
            </Card>
          ))}
        </div>
      ) : overview.isError ? (
        <ErrorState error={overview.error} onRetry={() => void overview.refetch()} compact />
      ) : null}
      {o && o.offline > 0 ? (
        <p role="alert" className="rounded-brand border border-warning/40 bg-warning/10 px-3 py-2 text-sm" data-testid="offline-alert">
          {t("devices.offlineAlert", { count: o.offline, seconds: o.settings.offlineAfterSeconds })}
        </p>
      ) : null}
      {o && o.offline > 0 ? <OfflineAlerts /> : null}
      {o && o.relocated > 0 ? (
        <p role="alert" className="rounded-brand border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
          {t("devices.relocatedAlert", { count: o.relocated })}
        </p>
      ) : null}

      <div className="flex flex-wrap items-end gap-3">
        <Field label={t("devices.search")}>
          <Input name="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </Field>
        <Field label={t("devices.status")}>
          <Select name="status" value={status} onChange={(e) => setStatus(e.target.value)} options={[{ value: "", label: t("devices.allStatuses") }, ...DEVICE_STATUSES.map((s) => ({ value: s, label: t(`devices.status_${s}`) }))]} />
        </Field>
        <Field label={t("devices.vendor")}>
          <Select name="vendor" value={vendor} onChange={(e) => setVendor(e.target.value)} options={[{ value: "", label: t("devices.allVendors") }, ...DEVICE_VENDORS.map((s) => ({ value: s, label: t(`devices.vendor_${s}`) }))]} />
        </Field>
        <Field label={t("devices.online")}>
          <Select
            name="online"
            value={online}
            onChange={(e) => setOnline(e.target.value)}
            options={[
              { value: "", label: t("devices.anyHealth") },
              { value: "ONLINE", label: t("devices.online") },
              { value: "OFFLINE", label: t("devices.offline") },
            ]}
          />
        </Field>
        <label className="flex items-center gap-2 pb-2 text-sm">
          <input type="checkbox" checked={relocated} onChange={(e) => setRelocated(e.target.checked)} />
          {t("devices.onlyRelocated")}
        </label>
      </div>

      {canManage && selected.size > 0 ? (
        <div className="flex flex-wrap items-center gap-2 rounded-brand border border-border bg-muted/40 px-3 py-2" data-testid="bulk-bar">
          <span className="text-sm font-medium">{t("devices.selected", { count: selected.size })}</span>
          <Button size="sm" onClick={() => setDialog("ASSIGN")}>
            {t("devices.assign")}
          </Button>
          {(["SUSPEND", "RESUME", "RETURN", "RETIRE"] as const).map((a) => (
            <Button key={a} size="sm" variant={a === "RETIRE" ? "danger" : "secondary"} onClick={() => setDialog(a)}>
              {t(`devices.${a.toLowerCase() as "suspend" | "resume" | "return" | "retire"}`)}
            </Button>
          ))}
        </div>
      ) : null}

      {list.isPending ? (
        <LoadingState />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        Object.keys(filters).length > 0 ? (
          <EmptyState title={t("devices.noMatches")} />
        ) : (
          <EmptyState title={t("devices.emptyTitle")} description={t("devices.emptyBody")} action={
              canManage ? (
                <Link href="/devices/import" className={buttonClass("primary", "sm")}>
                  {t("devices.tabImport")}
                </Link>
              ) : undefined
            } />
        )
      ) : (
        <div className="overflow-x-auto rounded-brand border border-border">
          <table className="w-full text-sm" data-testid="devices-table">
            <thead className="bg-muted/40">
              <tr>
                {canManage ? (
                  <th className={thClass}>
                    <input
                      type="checkbox"
                      aria-label={t("devices.selectAll")}
                      checked={rows.length > 0 && rows.every((r) => selected.has(r.id))}
                      onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.id)) : new Set())}
                    />
                  </th>
                ) : null}
                <th className={thClass}>{t("devices.serialNumber")}</th>
                <th className={thClass}>{t("devices.status")}</th>
                <th className={thClass}>{t("devices.online")}</th>
                <th className={thClass}>{t("devices.merchant")}</th>
                <th className={thClass}>{t("devices.store")}</th>
                <th className={thClass}>{t("devices.vendor")}</th>
                <th className={thClass}>{t("devices.appVersion")}</th>
                <th className={thClass}>{t("devices.lastSeen")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id} className="border-t border-border" data-serial={d.serialNumber}>
                  {canManage ? (
                    <td className={tdClass}>
                      <input
                        type="checkbox"
                        aria-label={t("devices.selectRow", { serial: d.serialNumber })}
                        checked={selected.has(d.id)}
                        onChange={(e) => {
                          const next = new Set(selected);
                          if (e.target.checked) next.add(d.id);
                          else next.delete(d.id);
                          setSelected(next);
                        }}
                      />
                    </td>
                  ) : null}
                  <td className={tdClass}>
                    <Link href={`/devices/${d.id}`} className="font-mono text-xs font-medium text-primary underline-offset-2 hover:underline">
                      {d.serialNumber}
                    </Link>
                  </td>
                  <td className={tdClass}>
                    <DeviceStatusBadge status={d.status} />
                  </td>
                  <td className={tdClass}>{d.status === "ACTIVE" || d.status === "SUSPENDED" ? <OnlineBadge isOnline={d.isOnline} isRelocated={d.isRelocated} /> : null}</td>
                  <td className={tdClass}>{d.merchantName ?? "—"}</td>
                  <td className={tdClass}>{d.storeName ?? "—"}</td>
                  <td className={tdClass}>{t(`devices.vendor_${d.vendor}`)}</td>
                  <td className={tdClass}>{d.appVersion ?? "—"}</td>
                  <td className={tdClass}>{d.lastSeenAt ? <DateTime value={d.lastSeenAt} /> : t("devices.never")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasNextPage ? (
        <Button variant="secondary" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {t("devices.loadMore")}
        </Button>
      ) : null}

      {dialog === "ASSIGN" ? <AssignDialog ids={[...selected]} onClose={() => setDialog(null)} onDone={reportBulk} /> : null}
      {dialog && dialog !== "ASSIGN" ? <ActionDialog action={dialog} ids={[...selected]} onClose={() => setDialog(null)} onDone={reportBulk} /> : null}
    </div>
  );
}

type BulkResult = { updated: number; refused: { id: string; serialNumber: string | null; code: string }[] };

function ActionDialog({ action, ids, onClose, onDone }: { action: BulkAction; ids: string[]; onClose: () => void; onDone: (r: BulkResult) => void }) {
  const t = useT();
  const trpc = useTRPC();
  const [reason, setReason] = useState("");
  const run = useMutation(trpc.devices.bulkAction.mutationOptions({ onSuccess: onDone }));
  return (
    <Dialog
      open
      onClose={onClose}
      title={t(`devices.actionTitle_${action}`, { count: ids.length })}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            {t("devices.cancel")}
          </Button>
          <Button variant={action === "RETIRE" ? "danger" : "primary"} loading={run.isPending} disabled={reason.trim().length === 0} onClick={() => run.mutate({ ids, action, reason: reason.trim() })}>
            {t("devices.confirm")}
          </Button>
        </>
      }
    >
      <Field label={t("devices.reason")} hint={t("devices.reasonHelp")} error={run.isError ? (errorMessage(run.error) ?? undefined) : undefined} required>
        <Input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={256} />
      </Field>
    </Dialog>
  );
}

function AssignDialog({ ids, onClose, onDone }: { ids: string[]; onClose: () => void; onDone: (r: BulkResult) => void }) {
  const t = useT();
  const trpc = useTRPC();
  const [merchantId, setMerchantId] = useState("");
  const [storeId, setStoreId] = useState("");
  const [accountId, setAccountId] = useState("");
  const [reason, setReason] = useState("");
  const merchants = useQuery(trpc.merchants.find.queryOptions({ limit: 200, status: "ACTIVE" }));
  const stores = useQuery({ ...trpc.stores.find.queryOptions({ merchantId, limit: 200 }), enabled: merchantId !== "" });
  const registrations = useQuery({ ...trpc.registrations.find.queryOptions({ merchantId, status: "ACTIVE", limit: 200 }), enabled: merchantId !== "" });
  const accounts = useQuery(trpc.channels.list.queryOptions());
  const names = new Map((accounts.data ?? []).map((a) => [a.id, `${a.name} (${a.channelType})`]));
  const accountOptions = [...new Set((registrations.data?.items ?? []).map((r) => r.channelAccountId))].map((id) => ({ value: id, label: names.get(id) ?? id }));
  const run = useMutation(trpc.devices.assign.mutationOptions({ onSuccess: onDone }));
  return (
    <Dialog
      open
      onClose={onClose}
      title={t("devices.assignTitle", { count: ids.length })}
      description={t("devices.assignHelp")}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            {t("devices.cancel")}
          </Button>
          <Button
            loading={run.isPending}
            disabled={!merchantId || !storeId || !accountId}
            onClick={() => run.mutate({ ids, merchantId, storeId, channelAccountId: accountId, ...(reason.trim() ? { reason: reason.trim() } : {}) })}
          >
            {t("devices.confirm")}
          </Button>
        </>
      }
    >
      <div className="space-y-3">
        {merchants.isError ? <ErrorState error={merchants.error} compact /> : null}
        <Field label={t("devices.merchant")} required>
          <Select
            name="merchantId"
            value={merchantId}
            onChange={(e) => {
              setMerchantId(e.target.value);
              setStoreId("");
              setAccountId("");
            }}
            options={[{ value: "", label: t("devices.chooseMerchant") }, ...(merchants.data?.items ?? []).map((m) => ({ value: m.id, label: m.shortName }))]}
          />
        </Field>
        <Field label={t("devices.store")} required>
          <Select name="storeId" value={storeId} onChange={(e) => setStoreId(e.target.value)} options={[{ value: "", label: t("devices.chooseStore") }, ...(stores.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))]} />
        </Field>
        <Field label={t("devices.channelAccount")} required>
          <Select name="channelAccountId" value={accountId} onChange={(e) => setAccountId(e.target.value)} options={[{ value: "", label: t("devices.chooseAccount") }, ...accountOptions]} />
        </Field>
        <Field label={t("devices.reason")} hint={t("devices.reasonHelp")} error={run.isError ? (errorMessage(run.error) ?? undefined) : undefined}>
          <Input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={256} />
        </Field>
        {run.isError ? <Badge tone="danger">{errorMessage(run.error)}</Badge> : null}
      </div>
    </Dialog>
  );
}
