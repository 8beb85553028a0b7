"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useState, type FormEvent } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { errorText, formErrors } from "@/components/ui/form-errors";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";

export interface StoreRow {
  id: string;
  merchantId: string;
  name: string;
  address: string;
  latitude: number | null;
  longitude: number | null;
  status: "ACTIVE" | "CLOSED";
  createdAt: Date;
  merchant: { shortName: string };
}

export function StoresTable({ merchantId, canEdit }: { merchantId?: string; canEdit: boolean }) {
  const t = useT();
  const client = useTRPCClient();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const update = useMutation(trpc.stores.update.mutationOptions());

  const columns: ColumnDef<StoreRow, unknown>[] = [
    { id: "name", header: t("merchants.storeName"), cell: ({ row }) => <span className="font-medium">{row.original.name}</span> },
    ...(merchantId ? [] : [{ id: "merchant", header: t("merchants.merchant"), accessorFn: (r: StoreRow) => r.merchant.shortName } satisfies ColumnDef<StoreRow, unknown>]),
    { id: "address", header: t("merchants.address"), accessorFn: (r) => r.address },
    {
      id: "coords",
      header: `${t("merchants.latitude")}, ${t("merchants.longitude")}`,
      cell: ({ row }) => <span className="tabular text-xs">{row.original.latitude !== null ? `${row.original.latitude}, ${row.original.longitude}` : "—"}</span>,
    },
    { id: "status", header: t("common.status"), cell: ({ row }) => <Badge tone={row.original.status === "ACTIVE" ? "success" : "neutral"}>{t(`roles.${row.original.status}`)}</Badge> },
    { id: "createdAt", header: t("common.createdAt"), cell: ({ row }) => <DateTime value={row.original.createdAt} /> },
    ...(canEdit
      ? [
          {
            id: "actions",
            header: t("common.actions"),
            cell: ({ row }: { row: { original: StoreRow } }) => (
              <Button
                size="sm"
                variant="ghost"
                onClick={async () => {
                  await update.mutateAsync({ id: row.original.id, status: row.original.status === "ACTIVE" ? "CLOSED" : "ACTIVE" }).catch((e: unknown) => toast.error(errorText(e) ?? t("common.errorTitle")));
                  await queryClient.invalidateQueries({ queryKey: ["stores.find"] });
                }}
              >
                {row.original.status === "ACTIVE" ? t("merchants.closeStore") : t("merchants.reopenStore")}
              </Button>
            ),
          } satisfies ColumnDef<StoreRow, unknown>,
        ]
      : []),
  ];

  return (
    <>
      <DataTable<StoreRow>
        label={t("merchants.stores")}
        queryKey={["stores.find", merchantId ?? "all"]}
        fetchPage={({ cursor, limit, filters }) => client.stores.find.query({ cursor, limit, ...(merchantId ? { merchantId } : {}), ...(filters.q ? { q: filters.q } : {}) })}
        columns={columns}
        getRowId={(r) => r.id}
        filters={[{ id: "q", label: t("common.search"), type: "text" }]}
        csv={{
          filename: "stores.csv",
          columns: [
            { header: "id", value: (r) => r.id },
            { header: "merchant", value: (r) => r.merchant.shortName },
            { header: "name", value: (r) => r.name },
            { header: "address", value: (r) => r.address },
            { header: "latitude", value: (r) => r.latitude },
            { header: "longitude", value: (r) => r.longitude },
            { header: "status", value: (r) => r.status },
          ],
        }}
        emptyTitle={t("merchants.noStores")}
        toolbar={
          canEdit ? (
            <Button onClick={() => setOpen(true)} data-testid="new-store">
              {t("merchants.newStore")}
            </Button>
          ) : undefined
        }
      />
      {open ? <NewStoreDialog merchantId={merchantId} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function NewStoreDialog({ merchantId, onClose }: { merchantId: string | undefined; onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.stores.create.mutationOptions());
  const merchants = useQuery({ ...trpc.merchants.find.queryOptions({ limit: 200, status: "ACTIVE" }), enabled: !merchantId });
  const [v, setV] = useState({ merchantId: merchantId ?? "", name: "", address: "", latitude: "", longitude: "" });
  const errors = formErrors(create.error);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create
      .mutateAsync({
        merchantId: v.merchantId,
        name: v.name,
        address: v.address,
        ...(v.latitude ? { latitude: Number(v.latitude) } : {}),
        ...(v.longitude ? { longitude: Number(v.longitude) } : {}),
      })
      .catch(() => null);
    if (r) {
      toast.success(t("merchants.storeCreated"));
      await queryClient.invalidateQueries({ queryKey: ["stores.find"] });
      onClose();
    }
  }
  return (
    <Dialog open onClose={onClose} title={t("merchants.newStore")}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        {!merchantId ? (
          <Field label={t("merchants.merchant")} required error={errors.fields.merchantId}>
            <Select
              value={v.merchantId}
              onChange={(e) => setV({ ...v, merchantId: e.target.value })}
              placeholder="—"
              options={(merchants.data?.items ?? []).map((m) => ({ value: m.id, label: m.shortName }))}
            />
          </Field>
        ) : null}
        <Field label={t("merchants.storeName")} required error={errors.fields.name}>
          <Input value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} />
        </Field>
        <Field label={t("merchants.address")} required error={errors.fields.address}>
          <Input value={v.address} onChange={(e) => setV({ ...v, address: e.target.value })} />
        </Field>
        <div className="grid grid-cols-2 gap-4">
          <Field label={t("merchants.latitude")} error={errors.fields.latitude}>
            <Input inputMode="decimal" value={v.latitude} onChange={(e) => setV({ ...v, latitude: e.target.value })} />
          </Field>
          <Field label={t("merchants.longitude")} error={errors.fields.longitude}>
            <Input inputMode="decimal" value={v.longitude} onChange={(e) => setV({ ...v, longitude: e.target.value })} />
          </Field>
        </div>
        <FormFooter error={errors.general} onCancel={onClose} loading={create.isPending} />
      </form>
    </Dialog>
  );
}
