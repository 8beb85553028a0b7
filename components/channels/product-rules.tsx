"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { cn, focusRing } from "@/components/ui/cn";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { FormFooter } from "@/components/ui/form-footer";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { fenToYuanText } from "@/components/ledger/amount-input";
import { useT } from "@/i18n/client";
import type { Translate } from "@/i18n/translate";
import { channelErrorText, channelFormErrors } from "./errors";
import { orderTypeLabel, productLabel } from "./labels";
import { MerchantSelect } from "./merchant-select";
import { YuanField } from "./parts";
import { readAmount, type FieldProblems } from "./settings";
import { ORDER_TYPES, PRODUCT_LIST, type OrderType, type ProductCode, type ProductRuleRow } from "./types";

const th = "px-3 py-2 font-medium text-muted-foreground";

function scopeLabel(t: Translate, rule: Pick<ProductRuleRow, "merchantId" | "merchant">): string {
  return rule.merchantId === null ? t("pricing.default") : (rule.merchant?.shortName ?? rule.merchantId);
}

/** Which payment products are offered, per order type and amount; a merchant's own rule wins over the default. */
export function ProductRules({ canManage }: { canManage: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const rules = useQuery(trpc.pricing.productRules.queryOptions());
  const save = useMutation(trpc.pricing.saveProductRule.mutationOptions());
  const [dialog, setDialog] = useState<{ rule?: ProductRuleRow; base?: ProductRuleRow } | null>(null);
  const [removing, setRemoving] = useState<ProductRuleRow | null>(null);
  const headingId = useId();

  const ordered = [...(rules.data ?? [])].sort(
    (a, b) =>
      PRODUCT_LIST.indexOf(a.product) - PRODUCT_LIST.indexOf(b.product) ||
      ORDER_TYPES.indexOf(a.orderType) - ORDER_TYPES.indexOf(b.orderType) ||
      (a.merchantId === null ? -1 : b.merchantId === null ? 1 : scopeLabel(t, a).localeCompare(scopeLabel(t, b))),
  );

  async function toggle(rule: ProductRuleRow) {
    const r = await save
      .mutateAsync({
        product: rule.product,
        orderType: rule.orderType,
        merchantId: rule.merchantId,
        enabled: !rule.enabled,
        minAmountMinor: rule.minAmountMinor,
        maxAmountMinor: rule.maxAmountMinor,
      })
      .catch((e: unknown) => {
        toast.error(channelErrorText(t, e));
        return null;
      });
    if (r) await queryClient.invalidateQueries({ queryKey: trpc.pricing.productRules.queryKey() });
  }

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle id={headingId}>{t("pricing.productsTitle")}</CardTitle>
          <CardDescription>{t("pricing.productsHelp")}</CardDescription>
        </div>
        {canManage ? <Button onClick={() => setDialog({})}>{t("pricing.addProductRule")}</Button> : null}
      </CardHeader>
      {rules.isPending ? (
        <LoadingState rows={6} />
      ) : rules.isError ? (
        <ErrorState error={rules.error} onRetry={() => void rules.refetch()} />
      ) : ordered.length === 0 ? (
        <EmptyState title={t("pricing.noProductRules")} />
      ) : (
        <div className="overflow-x-auto">
          <table aria-labelledby={headingId} className="w-full border-collapse text-sm">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className={`${th} text-left`}>
                  {t("pricing.product")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("pricing.orderType")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("pricing.appliesTo")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("pricing.offered")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("pricing.minAmount")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("pricing.maxAmount")}
                </th>
                {canManage ? (
                  <th scope="col" className={th}>
                    <span className="sr-only">{t("common.actions")}</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {ordered.map((r) => {
                const name = `${productLabel(t, r.product)} · ${orderTypeLabel(t, r.orderType)} · ${scopeLabel(t, r)}`;
                return (
                  <tr key={r.id} className={cn("border-t border-border", r.merchantId !== null && "bg-muted/30")}>
                    <th scope="row" className="px-3 py-2 text-left font-medium">
                      {productLabel(t, r.product)}
                    </th>
                    <td className="px-3 py-2">{orderTypeLabel(t, r.orderType)}</td>
                    <td className="px-3 py-2">{r.merchantId === null ? <Badge>{t("pricing.default")}</Badge> : scopeLabel(t, r)}</td>
                    <td className="px-3 py-2">
                      {canManage ? (
                        <label className="inline-flex items-center gap-2">
                          <input
                            type="checkbox"
                            role="switch"
                            checked={r.enabled}
                            disabled={save.isPending}
                            aria-label={t("pricing.offeredOf", { name })}
                            onChange={() => void toggle(r)}
                            className={cn("size-4 accent-primary", focusRing)}
                          />
                          <span aria-hidden="true">{r.enabled ? t("pricing.on") : t("pricing.off")}</span>
                        </label>
                      ) : (
                        <Badge tone={r.enabled ? "success" : "neutral"}>{r.enabled ? t("pricing.on") : t("pricing.off")}</Badge>
                      )}
                    </td>
                    <td className="px-3 py-2 text-right">
                      <Money amountMinor={r.minAmountMinor} currency="CNY" />
                    </td>
                    <td className="px-3 py-2 text-right">{r.maxAmountMinor === null ? <span className="text-muted-foreground">{t("channels.noLimit")}</span> : <Money amountMinor={r.maxAmountMinor} currency="CNY" />}</td>
                    {canManage ? (
                      <td className="whitespace-nowrap px-3 py-2 text-right">
                        <Button size="sm" variant="ghost" aria-label={t("pricing.editRuleOf", { name })} onClick={() => setDialog({ rule: r })}>
                          {t("common.edit")}
                        </Button>
                        {r.merchantId === null ? (
                          <Button size="sm" variant="ghost" aria-label={t("pricing.overrideOf", { name })} onClick={() => setDialog({ base: r })}>
                            {t("pricing.override")}
                          </Button>
                        ) : (
                          <Button size="sm" variant="ghost" aria-label={t("pricing.removeOverrideOf", { name })} onClick={() => setRemoving(r)}>
                            {t("common.delete")}
                          </Button>
                        )}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {dialog ? <ProductRuleDialog {...(dialog.rule ? { rule: dialog.rule } : {})} {...(dialog.base ? { base: dialog.base } : {})} onClose={() => setDialog(null)} /> : null}
      {removing ? <RemoveOverrideDialog rule={removing} onClose={() => setRemoving(null)} /> : null}
    </Card>
  );
}

/** Removes a merchant's own product rule: the default applies to that merchant again. */
function RemoveOverrideDialog({ rule, onClose }: { rule: ProductRuleRow; onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const remove = useMutation(trpc.pricing.deleteProductRule.mutationOptions());
  return (
    <Dialog
      open
      onClose={onClose}
      size="sm"
      title={t("pricing.removeOverride")}
      description={t("pricing.removeOverrideHelp", { merchant: scopeLabel(t, rule), product: productLabel(t, rule.product) })}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button
            variant="danger"
            loading={remove.isPending}
            onClick={async () => {
              const r = await remove.mutateAsync({ id: rule.id }).catch((e: unknown) => {
                toast.error(channelErrorText(t, e));
                return null;
              });
              if (r) {
                toast.success(t("pricing.overrideRemoved"));
                await queryClient.invalidateQueries({ queryKey: trpc.pricing.productRules.queryKey() });
                onClose();
              }
            }}
          >
            {t("common.delete")}
          </Button>
        </>
      }
    />
  );
}

/**
 * Edits a rule (its keys fixed), or adds one: a merchant's override of a default (`base`), or any
 * product × order type, for everyone or one merchant.
 */
function ProductRuleDialog({ rule, base, onClose }: { rule?: ProductRuleRow; base?: ProductRuleRow; onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const save = useMutation(trpc.pricing.saveProductRule.mutationOptions());
  const from = rule ?? base;
  const [product, setProduct] = useState<ProductCode | "">(from?.product ?? "");
  const [orderType, setOrderType] = useState<OrderType>(from?.orderType ?? "CONSUMPTION");
  const [merchantId, setMerchantId] = useState(rule?.merchantId ?? "");
  const [enabled, setEnabled] = useState(from?.enabled ?? true);
  const [min, setMin] = useState(from ? fenToYuanText(from.minAmountMinor) : "0.01");
  const [max, setMax] = useState(from?.maxAmountMinor != null ? fenToYuanText(from.maxAmountMinor) : "");
  const [problems, setProblems] = useState<FieldProblems>({});
  const keysFixed = rule !== undefined;
  const productFixed = keysFixed || base !== undefined;
  const shown = ["minAmountMinor", "maxAmountMinor", ...(productFixed ? [] : ["product", "orderType"]), ...(keysFixed ? [] : ["merchantId"])];
  const server = channelFormErrors(t, save.error, shown);
  const errors: Record<string, string> = { ...server.fields };
  for (const [k, key] of Object.entries(problems)) errors[k] = t(key);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const p: FieldProblems = {};
    if (!product) p.product = "pricing.chooseProduct";
    if (base && !merchantId) p.merchantId = "registrations.chooseMerchant";
    const minAmountMinor = readAmount(min, "minAmountMinor", p, { optional: false, positive: true });
    const maxAmountMinor = readAmount(max, "maxAmountMinor", p, { optional: true, positive: true });
    setProblems(p);
    if (Object.keys(p).length || !product || minAmountMinor === null) return;
    save.reset();
    const r = await save.mutateAsync({ product, orderType, merchantId: merchantId || null, enabled, minAmountMinor, maxAmountMinor }).catch(() => null);
    if (r) {
      toast.success(t("pricing.productRuleSaved"));
      await queryClient.invalidateQueries({ queryKey: trpc.pricing.productRules.queryKey() });
      onClose();
    }
  }

  const title = rule ? t("pricing.editProductRule") : base ? t("pricing.overrideTitle") : t("pricing.addProductRule");
  return (
    <Dialog open onClose={onClose} title={title} description={from ? `${productLabel(t, from.product)} · ${orderTypeLabel(t, from.orderType)}${rule ? ` · ${scopeLabel(t, rule)}` : ""}` : undefined}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        {!productFixed ? (
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={t("pricing.product")} required error={errors.product}>
              <Select
                name="product"
                value={product}
                onChange={(e) => setProduct(e.target.value as ProductCode | "")}
                placeholder={t("pricing.chooseProduct")}
                options={PRODUCT_LIST.map((p) => ({ value: p, label: productLabel(t, p) }))}
              />
            </Field>
            <Field label={t("pricing.orderType")} required error={errors.orderType}>
              <Select name="orderType" value={orderType} onChange={(e) => setOrderType(e.target.value as OrderType)} options={ORDER_TYPES.map((o) => ({ value: o, label: orderTypeLabel(t, o) }))} />
            </Field>
          </div>
        ) : null}
        {!keysFixed ? (
          <Field label={t("registrations.merchant")} required={base !== undefined} hint={base ? undefined : t("pricing.merchantOptionalHint")} error={errors.merchantId}>
            <MerchantSelect value={merchantId} onChange={setMerchantId} placeholder={base ? t("registrations.chooseMerchant") : t("pricing.allMerchants")} />
          </Field>
        ) : null}
        <label className="flex items-center gap-2 text-sm font-medium">
          <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} className={cn("size-4 accent-primary", focusRing)} />
          {t("pricing.offered")}
        </label>
        <div className="grid gap-4 sm:grid-cols-2">
          <YuanField name="minAmount" label={t("pricing.minAmount")} required value={min} onChange={setMin} error={errors.minAmountMinor} />
          <YuanField name="maxAmount" label={t("pricing.maxAmount")} value={max} onChange={setMax} error={errors.maxAmountMinor} placeholder={t("channels.noLimit")} />
        </div>
        <FormFooter error={server.general} onCancel={onClose} loading={save.isPending} submitLabel={rule ? t("common.save") : t("common.create")} />
      </form>
    </Dialog>
  );
}
