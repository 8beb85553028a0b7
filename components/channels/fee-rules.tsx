"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { FormFooter } from "@/components/ui/form-footer";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { fenToYuanText, parseYuan } from "@/components/ledger/amount-input";
import { useT } from "@/i18n/client";
import type { Translate } from "@/i18n/translate";
import { channelErrorText, channelFormErrors } from "./errors";
import { EXAMPLE_AMOUNT_MINOR, exampleFee, type FeeRuleDraftValues } from "./fee-example";
import { productLabel } from "./labels";
import { MerchantSelect } from "./merchant-select";
import { Dash, RateField, Sentence, YuanField } from "./parts";
import { formatRate, type RateUnit } from "./rate";
import { readAmount, readRate, type FieldProblems } from "./settings";
import { PRODUCT_LIST, type FeeRuleRow, type ProductCode } from "./types";

const th = "px-3 py-2 font-medium text-muted-foreground";

function scopeLabel(t: Translate, rule: Pick<FeeRuleRow, "merchantId" | "merchant">): string {
  return rule.merchantId === null ? t("pricing.default") : (rule.merchant?.shortName ?? rule.merchantId);
}

function ruleValues(r: FeeRuleRow): FeeRuleDraftValues {
  return { feeRatePpm: r.feeRatePpm, fixedMinor: r.fixedMinor, minFeeMinor: r.minFeeMinor, maxFeeMinor: r.maxFeeMinor };
}

/** Merchant fees per product: the tenant's default and merchants' own rates, each with the fee it takes on ¥100. */
export function FeeRules({ canManage }: { canManage: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const rules = useQuery(trpc.pricing.feeRules.queryOptions());
  const [editing, setEditing] = useState<{ rule?: FeeRuleRow } | null>(null);
  const [deleting, setDeleting] = useState<FeeRuleRow | null>(null);
  const headingId = useId();

  const ordered = [...(rules.data ?? [])].sort(
    (a, b) => PRODUCT_LIST.indexOf(a.product) - PRODUCT_LIST.indexOf(b.product) || (a.merchantId === null ? -1 : b.merchantId === null ? 1 : scopeLabel(t, a).localeCompare(scopeLabel(t, b))),
  );

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle id={headingId}>{t("pricing.feesTitle")}</CardTitle>
          <CardDescription>{t("pricing.feesHelp")}</CardDescription>
        </div>
        {canManage ? <Button onClick={() => setEditing({})}>{t("pricing.addMerchantFee")}</Button> : null}
      </CardHeader>
      {rules.isPending ? (
        <LoadingState rows={6} />
      ) : rules.isError ? (
        <ErrorState error={rules.error} onRetry={() => void rules.refetch()} />
      ) : ordered.length === 0 ? (
        <EmptyState title={t("pricing.noFeeRules")} />
      ) : (
        <div className="overflow-x-auto">
          <table aria-labelledby={headingId} className="w-full border-collapse text-sm">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className={`${th} text-left`}>
                  {t("pricing.product")}
                </th>
                <th scope="col" className={`${th} text-left`}>
                  {t("pricing.appliesTo")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("pricing.rate")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("pricing.fixed")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("pricing.minFee")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("pricing.maxFee")}
                </th>
                <th scope="col" className={`${th} text-right`}>
                  {t("pricing.feeOnExample")}
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
                const fee = exampleFee(EXAMPLE_AMOUNT_MINOR, ruleValues(r));
                const name = `${productLabel(t, r.product)} · ${scopeLabel(t, r)}`;
                return (
                  <tr key={r.id} className="border-t border-border" data-testid={`fee-rule-${r.product}-${r.merchantId ?? "default"}`}>
                    <th scope="row" className="px-3 py-2 text-left font-medium">
                      {productLabel(t, r.product)}
                    </th>
                    <td className="px-3 py-2">{r.merchantId === null ? <Badge>{t("pricing.default")}</Badge> : scopeLabel(t, r)}</td>
                    <td className="tabular px-3 py-2 text-right">{formatRate(r.feeRatePpm, "percent")}%</td>
                    <td className="px-3 py-2 text-right">{r.fixedMinor === 0n ? <Dash /> : <Money amountMinor={r.fixedMinor} currency="CNY" />}</td>
                    <td className="px-3 py-2 text-right">{r.minFeeMinor === 0n ? <Dash /> : <Money amountMinor={r.minFeeMinor} currency="CNY" />}</td>
                    <td className="px-3 py-2 text-right">{r.maxFeeMinor === null ? <Dash /> : <Money amountMinor={r.maxFeeMinor} currency="CNY" />}</td>
                    <td className="px-3 py-2 text-right">{fee === null ? <Dash /> : <Money amountMinor={fee} currency="CNY" />}</td>
                    {canManage ? (
                      <td className="whitespace-nowrap px-3 py-2 text-right">
                        <Button size="sm" variant="ghost" aria-label={t("pricing.editRuleOf", { name })} onClick={() => setEditing({ rule: r })}>
                          {t("common.edit")}
                        </Button>
                        {r.merchantId !== null ? (
                          <Button size="sm" variant="ghost" aria-label={t("pricing.deleteRuleOf", { name })} onClick={() => setDeleting(r)}>
                            {t("common.delete")}
                          </Button>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {editing ? <FeeRuleDialog {...(editing.rule ? { rule: editing.rule } : {})} rules={rules.data ?? []} onClose={() => setEditing(null)} /> : null}
      {deleting ? <DeleteFeeRuleDialog rule={deleting} onClose={() => setDeleting(null)} /> : null}
    </Card>
  );
}

/** Edits a rule (its product and merchant fixed) or adds a merchant's own rate for a product. */
function FeeRuleDialog({ rule, rules, onClose }: { rule?: FeeRuleRow; rules: readonly FeeRuleRow[]; onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const save = useMutation(trpc.pricing.saveFeeRule.mutationOptions());
  const editing = rule !== undefined;
  const [product, setProduct] = useState<ProductCode | "">(rule?.product ?? "");
  const [merchantId, setMerchantId] = useState(rule?.merchantId ?? "");
  const [unit, setUnit] = useState<RateUnit>("percent");
  const [rate, setRate] = useState(rule ? formatRate(rule.feeRatePpm, "percent") : "");
  const [fixed, setFixed] = useState(rule ? fenToYuanText(rule.fixedMinor) : "0.00");
  const [min, setMin] = useState(rule ? fenToYuanText(rule.minFeeMinor) : "0.00");
  const [max, setMax] = useState(rule?.maxFeeMinor != null ? fenToYuanText(rule.maxFeeMinor) : "");
  const [exampleAmount, setExampleAmount] = useState(fenToYuanText(EXAMPLE_AMOUNT_MINOR));
  const [problems, setProblems] = useState<FieldProblems>({});

  const shown = editing ? ["feeRatePpm", "fixedMinor", "minFeeMinor", "maxFeeMinor"] : ["product", "merchantId", "feeRatePpm", "fixedMinor", "minFeeMinor", "maxFeeMinor"];
  const server = channelFormErrors(t, save.error, shown);
  const errors: Record<string, string> = { ...server.fields };
  for (const [k, key] of Object.entries(problems)) errors[k] = t(key);

  // What the rule as typed would charge; recomputed on every keystroke, nothing sent.
  const draftProblems: FieldProblems = {};
  const draft = {
    feeRatePpm: readRate(rate, unit, "feeRatePpm", draftProblems, { optional: false }),
    fixedMinor: readAmount(fixed || "0", "fixedMinor", draftProblems, { optional: false }),
    minFeeMinor: readAmount(min || "0", "minFeeMinor", draftProblems, { optional: false }),
    maxFeeMinor: readAmount(max, "maxFeeMinor", draftProblems, { optional: true }),
  };
  const amount = parseYuan(exampleAmount);
  const example =
    Object.keys(draftProblems).length === 0 && amount.ok && draft.feeRatePpm !== null && draft.fixedMinor !== null && draft.minFeeMinor !== null
      ? exampleFee(amount.fen, { feeRatePpm: draft.feeRatePpm, fixedMinor: draft.fixedMinor, minFeeMinor: draft.minFeeMinor, maxFeeMinor: draft.maxFeeMinor })
      : null;
  const defaultRule = product ? rules.find((r) => r.product === product && r.merchantId === null) : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const p: FieldProblems = { ...draftProblems };
    if (!product) p.product = "pricing.chooseProduct";
    if (!editing && !merchantId) p.merchantId = "registrations.chooseMerchant";
    setProblems(p);
    if (Object.keys(p).length || !product || draft.feeRatePpm === null) return;
    save.reset();
    const r = await save
      .mutateAsync({
        product,
        merchantId: merchantId || null,
        feeRatePpm: draft.feeRatePpm,
        fixedMinor: draft.fixedMinor ?? 0n,
        minFeeMinor: draft.minFeeMinor ?? 0n,
        maxFeeMinor: draft.maxFeeMinor,
      })
      .catch(() => null);
    if (r) {
      toast.success(t("pricing.feeRuleSaved"));
      await queryClient.invalidateQueries({ queryKey: trpc.pricing.feeRules.queryKey() });
      onClose();
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      title={editing ? t("pricing.editFeeRule") : t("pricing.addMerchantFee")}
      description={rule ? `${productLabel(t, rule.product)} · ${scopeLabel(t, rule)}` : t("pricing.addMerchantFeeHelp")}
    >
      <form onSubmit={submit} className="space-y-4" noValidate>
        {!editing ? (
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
            <Field label={t("registrations.merchant")} required error={errors.merchantId}>
              <MerchantSelect value={merchantId} onChange={setMerchantId} />
            </Field>
          </div>
        ) : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <RateField
            name="feeRate"
            label={t("pricing.rate")}
            required
            value={rate}
            unit={unit}
            onChange={setRate}
            onUnitChange={(u) => {
              if (draft.feeRatePpm !== null) setRate(formatRate(draft.feeRatePpm, u));
              setUnit(u);
            }}
            error={errors.feeRatePpm}
            hint={defaultRule && !editing ? t("pricing.defaultIs", { rate: `${formatRate(defaultRule.feeRatePpm, "percent")}%` }) : t("channels.rateHint")}
          />
          <YuanField name="fixed" label={t("pricing.fixed")} value={fixed} onChange={setFixed} error={errors.fixedMinor} />
          <YuanField name="minFee" label={t("pricing.minFee")} value={min} onChange={setMin} error={errors.minFeeMinor} />
          <YuanField name="maxFee" label={t("pricing.maxFee")} value={max} onChange={setMax} error={errors.maxFeeMinor} placeholder={t("channels.noLimit")} />
        </div>

        <div className="rounded-brand border border-border bg-muted/40 p-3">
          <div className="flex flex-wrap items-end gap-3">
            <div className="w-40">
              <YuanField name="exampleAmount" label={t("pricing.exampleAmount")} value={exampleAmount} onChange={setExampleAmount} />
            </div>
            <p role="status" aria-live="polite" className="pb-2 text-sm" data-testid="fee-example">
              {example !== null && amount.ok ? (
                <Sentence
                  text={t("pricing.workedExample")}
                  parts={{
                    amount: <Money amountMinor={amount.fen} currency="CNY" inline className="font-semibold" />,
                    fee: <Money amountMinor={example} currency="CNY" inline className="font-semibold" />,
                  }}
                />
              ) : (
                <span className="text-muted-foreground">{t("pricing.exampleUnavailable")}</span>
              )}
            </p>
          </div>
          <p className="mt-1 text-xs text-muted-foreground">{t("pricing.exampleHelp")}</p>
        </div>

        <FormFooter error={server.general} onCancel={onClose} loading={save.isPending} submitLabel={editing ? t("common.save") : t("common.create")} />
      </form>
    </Dialog>
  );
}

function DeleteFeeRuleDialog({ rule, onClose }: { rule: FeeRuleRow; onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const remove = useMutation(trpc.pricing.deleteFeeRule.mutationOptions());
  return (
    <Dialog
      open
      onClose={onClose}
      size="sm"
      title={t("pricing.deleteFeeRule")}
      description={t("pricing.deleteFeeRuleHelp", { merchant: scopeLabel(t, rule), product: productLabel(t, rule.product) })}
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
                toast.success(t("pricing.feeRuleDeleted"));
                await queryClient.invalidateQueries({ queryKey: trpc.pricing.feeRules.queryKey() });
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
