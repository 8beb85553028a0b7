"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { parseYuan, fenToYuanText } from "@/components/ledger/amount-input";
import { ErrorNote } from "@/components/ledger/parts";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useI18n } from "@/i18n/client";
import { elementLabel, elementsText, orderTypeName, productName, reasonLabel } from "./codes";
import { routingErrorText } from "./errors";
import { CheckboxGroup, thClass } from "./parts";
import { asTrace } from "./trace";
import { TraceView } from "./trace-view";
import { PAYMENT_ELEMENTS, PRODUCTS, ROUTING_ORDER_TYPES, type OfferResult, type PaymentElement, type PreviewResult, type ProductCode, type RoutingOrderType } from "./types";
import type { RoutingLookups } from "./use-lookups";

interface Ran {
  preview: PreviewResult;
  offer: OfferResult;
}

/** A hypothetical payment routed against the live configuration: nothing is stored, no money moves. */
export function TryItTab({ lookups }: { lookups: RoutingLookups }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [merchantId, setMerchantId] = useState("");
  const [storeId, setStoreId] = useState("");
  const [orderType, setOrderType] = useState<RoutingOrderType>("CONSUMPTION");
  const [product, setProduct] = useState<ProductCode>("WECHAT_FACE");
  const [amount, setAmount] = useState("");
  const [elements, setElements] = useState<PaymentElement[]>([]);
  const [submitted, setSubmitted] = useState(false);
  const stores = useQuery({ ...trpc.stores.find.queryOptions({ merchantId, limit: 200 }), enabled: merchantId !== "" });
  const run = useMutation({
    mutationFn: async (input: { merchantId: string; storeId?: string; orderType: RoutingOrderType; product: ProductCode; amountMinor: bigint; elements: PaymentElement[] }): Promise<Ran> => {
      const { product: _p, elements: _e, ...offerInput } = input;
      const [preview, offer] = await Promise.all([client.routing.preview.query(input), client.routing.offer.query(offerInput)]);
      return { preview, offer };
    },
  });
  const resultId = useId();

  const parsed = amount.trim() ? parseYuan(amount) : null;
  const amountError = !parsed ? (submitted ? t("routing.amountError_empty") : undefined) : !parsed.ok ? t(`routing.amountError_${parsed.error}`) : parsed.fen <= 0n ? t("routing.amountError_zero") : undefined;
  const merchantError = submitted && !merchantId ? t("routing.merchantRequired") : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (!merchantId || !parsed?.ok || parsed.fen <= 0n) return;
    await run
      .mutateAsync({ merchantId, ...(storeId ? { storeId } : {}), orderType, product, amountMinor: parsed.fen, elements })
      .catch(() => null);
  }

  const merchants = lookups.merchants.filter((m) => m.status !== "ARCHIVED");

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("routing.tryTitle")}</CardTitle>
            <CardDescription>{t("routing.tryHelp")}</CardDescription>
          </div>
        </CardHeader>
        <CardContent>
          <form onSubmit={submit} noValidate className="space-y-4" aria-describedby={run.data ? resultId : undefined}>
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              <Field label={t("routing.merchant")} required error={merchantError}>
                <Select
                  value={merchantId}
                  placeholder={t("routing.chooseMerchant")}
                  onChange={(e) => {
                    setMerchantId(e.target.value);
                    setStoreId("");
                  }}
                  options={merchants.map((m) => ({ value: m.id, label: m.shortName }))}
                />
              </Field>
              <Field label={t("routing.store")}>
                <Select
                  value={storeId}
                  placeholder={t("routing.merchantLevel")}
                  disabled={!merchantId}
                  onChange={(e) => setStoreId(e.target.value)}
                  options={(stores.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
                />
              </Field>
              <Field label={t("routing.orderType")}>
                <Select
                  value={orderType}
                  onChange={(e) => setOrderType(ROUTING_ORDER_TYPES.find((o) => o === e.target.value) ?? "CONSUMPTION")}
                  options={ROUTING_ORDER_TYPES.map((o) => ({ value: o, label: orderTypeName(t, o) }))}
                />
              </Field>
              <Field label={t("routing.product")}>
                <Select
                  value={product}
                  onChange={(e) => setProduct(PRODUCTS.find((p) => p === e.target.value) ?? "WECHAT_FACE")}
                  options={PRODUCTS.map((p) => ({ value: p, label: productName(t, p) }))}
                />
              </Field>
              <Field label={t("routing.amountYuan")} required error={amountError}>
                <Input
                  inputMode="decimal"
                  autoComplete="off"
                  className="text-right tabular"
                  placeholder="0.00"
                  value={amount}
                  onChange={(e) => setAmount(e.target.value)}
                  onBlur={(e) => {
                    const r = parseYuan(e.target.value);
                    if (r.ok) setAmount(fenToYuanText(r.fen));
                  }}
                />
              </Field>
            </div>
            <CheckboxGroup
              legend={t("routing.elements")}
              options={PAYMENT_ELEMENTS.map((el) => ({ value: el, label: elementLabel(t, el) }))}
              selected={elements}
              onChange={setElements}
              className="max-w-xl"
            />
            <div className="flex justify-end">
              <Button type="submit" loading={run.isPending}>
                {t("routing.route")}
              </Button>
            </div>
            <ErrorNote message={run.error ? routingErrorText(t, run.error) : null} testId="try-error" />
          </form>
        </CardContent>
      </Card>

      {run.data && !run.isPending ? (
        <div id={resultId} className="space-y-6">
          <PreviewCard preview={run.data.preview} lookups={lookups} />
          <OfferCard offer={run.data.offer} locale={locale} />
        </div>
      ) : null}
    </div>
  );
}

function PreviewCard({ preview, lookups }: { preview: PreviewResult; lookups: RoutingLookups }) {
  const { t } = useI18n();
  const d = preview.decision;
  const trace = asTrace(d.trace);
  return (
    <Card data-testid="try-result">
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("routing.previewTitle")}</CardTitle>
          <CardDescription>{t("routing.businessDate", { date: preview.businessDate })}</CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        {trace ? (
          <TraceView
            trace={trace}
            reason={d.outcome === "NO_ROUTE" ? { code: d.reason.code, params: d.reason.params, userActionNeeded: d.reason.userActionNeeded } : null}
            money={d.outcome === "ROUTED" ? { feeMinor: BigInt(d.feeMinor), costMinor: BigInt(d.costMinor), marginMinor: BigInt(d.marginMinor) } : null}
            lookups={lookups}
          />
        ) : (
          <p className="text-sm text-muted-foreground">{t("routing.traceUnreadable")}</p>
        )}
      </CardContent>
    </Card>
  );
}

function OfferCard({ offer, locale }: { offer: OfferResult; locale: Parameters<typeof elementsText>[1] }) {
  const { t } = useI18n();
  const titleId = useId();
  return (
    <Card data-testid="try-offer">
      <CardHeader>
        <div className="min-w-0">
          <CardTitle id={titleId}>{t("routing.offerTitle")}</CardTitle>
          <CardDescription>{t("routing.offerHelp")}</CardDescription>
        </div>
      </CardHeader>
      {offer.offered.length === 0 ? (
        <CardContent>
          <p className="text-sm text-muted-foreground">{t("routing.offerNone")}</p>
        </CardContent>
      ) : (
        <div className="overflow-x-auto">
          <table aria-labelledby={titleId} className="w-full border-collapse text-sm">
            <thead className="bg-muted">
              <tr>
                <th scope="col" className={thClass()}>
                  {t("routing.product")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.elementsNeeded")}
                </th>
                <th scope="col" className={thClass()}>
                  {t("routing.alternatives")}
                </th>
              </tr>
            </thead>
            <tbody>
              {offer.offered.map((o) => (
                <tr key={o.product} className="border-t border-border align-top">
                  <th scope="row" className="px-3 py-2 text-left font-medium">
                    {productName(t, o.product)}
                  </th>
                  <td className="px-3 py-2">{elementsText(t, locale, o.elementsNeeded)}</td>
                  <td className="px-3 py-2 text-xs text-muted-foreground">
                    <ul>
                      {o.alternatives.map((alt) => (
                        <li key={alt.join("+")}>{elementsText(t, locale, alt)}</li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {offer.notOffered.length ? (
        <CardContent className="border-t border-border">
          <p className="text-xs font-medium text-muted-foreground">{t("routing.notOffered")}</p>
          <ul className="mt-1 flex flex-wrap gap-2">
            {offer.notOffered.map((n) => (
              <li key={n.product}>
                <Badge>{t("routing.notOfferedReason", { product: productName(t, n.product), reason: reasonLabel(t, n.code) })}</Badge>
              </li>
            ))}
          </ul>
        </CardContent>
      ) : null}
    </Card>
  );
}
