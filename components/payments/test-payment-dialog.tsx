"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { productLabel } from "@/components/channels/labels";
import { parseYuan } from "@/components/ledger/amount-input";
import { useTRPC } from "@/components/providers/trpc";
import { reasonLabel } from "@/components/routing/codes";
import { Button, type ButtonVariant } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { errorText, formErrors } from "@/components/ui/form-errors";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import type { Translate } from "@/i18n/translate";
import { statusLabel } from "./labels";
import { FACE_PRODUCTS, PAYMENTS_TABLE_KEY, TEST_PRODUCT_LIST, type TestPaymentProduct } from "./types";

interface ErrorData {
  domainCode?: string | null;
  params?: Record<string, string | number> | null;
}

/** A refusal in the reader's language: the test-payment codes, routing's no-route and risk codes, else the shared mapping. */
function refusalText(t: Translate, error: unknown): string | null {
  if (!error) return null;
  const data = (error as { data?: ErrorData | null }).data;
  const code = data?.domainCode ?? null;
  if (code === "TEST_PAYMENT_LIVE_CHANNEL") return t("payments.error_TEST_PAYMENT_LIVE_CHANNEL", { account: String(data?.params?.account ?? "") });
  if (code === "MERCHANT_ORDER_NO_TAKEN") return t("payments.error_MERCHANT_ORDER_NO_TAKEN");
  if (code === "MERCHANT_NOT_ACTIVE") return t("payments.error_MERCHANT_NOT_ACTIVE");
  if (code && reasonLabel(t, code) !== code) return t("payments.error_noRoute", { reason: reasonLabel(t, code) });
  return errorText(error);
}

const SHOWN_FIELDS = ["merchantId", "storeId", "product", "amountMinor", "subject", "deviceId"] as const;

/** The "New test payment" button with its dialog. */
export function NewTestPaymentButton({ variant = "primary" }: { variant?: ButtonVariant }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant={variant} onClick={() => setOpen(true)}>
        {t("payments.newTest")}
      </Button>
      {open ? <TestPaymentDialog onClose={() => setOpen(false)} /> : null}
    </>
  );
}

/**
 * A console test payment: merchant, optional store, product, amount and subject. The server makes
 * up the order number and payment elements and refuses any route that could reach a live channel.
 */
export function TestPaymentDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [merchantId, setMerchantId] = useState("");
  const [storeId, setStoreId] = useState("");
  const [product, setProduct] = useState<TestPaymentProduct>("WECHAT_FACE");
  const [amount, setAmount] = useState("10.00");
  const [subject, setSubject] = useState(() => t("payments.testSubjectDefault"));
  const [deviceId, setDeviceId] = useState("");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const rulesId = useId();

  const merchants = useQuery(trpc.merchants.find.queryOptions({ limit: 200, status: "ACTIVE" }));
  const stores = useQuery({ ...trpc.stores.find.queryOptions({ merchantId, limit: 200 }), enabled: merchantId !== "" });
  const create = useMutation(trpc.payments.createTest.mutationOptions());
  const isFace = FACE_PRODUCTS.has(product);

  const server = formErrors(create.error);
  const errors: Record<string, string> = { ...server.fields, ...problems };
  // A refusal that names none of the fields shown here (a routing reason, the order number) goes under the form.
  const general = create.error && !SHOWN_FIELDS.some((f) => server.fields[f]) ? refusalText(t, create.error) : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const p: Record<string, string> = {};
    if (!merchantId) p.merchantId = t("payments.chooseMerchant");
    const parsed = parseYuan(amount);
    if (!parsed.ok || parsed.fen <= 0n) p.amountMinor = t("payments.amountInvalid");
    setProblems(p);
    if (Object.keys(p).length || !parsed.ok) return;
    create.reset();
    const payment = await create
      .mutateAsync({
        merchantId,
        ...(storeId ? { storeId } : {}),
        product,
        amountMinor: parsed.fen,
        subject,
        ...(isFace && deviceId.trim() ? { deviceId: deviceId.trim() } : {}),
      })
      .catch(() => null);
    if (!payment) return;
    toast.success(t("payments.testCreated", { orderNo: payment.merchantOrderNo, status: statusLabel(t, payment.status) }));
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: PAYMENTS_TABLE_KEY }),
      queryClient.invalidateQueries({ queryKey: trpc.payments.summary.queryKey() }),
    ]);
    onClose();
  }

  return (
    <Dialog open onClose={onClose} size="lg" title={t("payments.testTitle")} description={t("payments.testDescription")} dismissible={!create.isPending}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        <section aria-labelledby={rulesId} className="rounded-brand border border-border bg-muted/50 p-3 text-sm" data-testid="sandbox-rules">
          <h3 id={rulesId} className="font-medium">
            {t("payments.testRulesTitle")}
          </h3>
          <ul className="mt-1 list-disc space-y-0.5 ps-5 text-muted-foreground">
            <li>{t("payments.testRule01")}</li>
            <li>{t("payments.testRule02")}</li>
            <li>{t("payments.testRuleOther")}</li>
          </ul>
        </section>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t("payments.testMerchant")} required error={errors.merchantId}>
            <Select
              name="merchantId"
              value={merchantId}
              onChange={(e) => {
                setMerchantId(e.target.value);
                setStoreId("");
              }}
              placeholder={merchants.isPending ? t("common.loading") : t("payments.testChooseMerchant")}
              options={(merchants.data?.items ?? []).map((m) => ({ value: m.id, label: m.shortName }))}
            />
          </Field>
          <Field label={t("payments.testStore")} hint={t("payments.testStoreHint")} error={errors.storeId}>
            <Select
              name="storeId"
              value={storeId}
              disabled={!merchantId}
              onChange={(e) => setStoreId(e.target.value)}
              placeholder={t("payments.noStore")}
              options={(stores.data?.items ?? []).filter((s) => s.status === "ACTIVE").map((s) => ({ value: s.id, label: s.name }))}
            />
          </Field>
          <Field label={t("payments.testProduct")} required error={errors.product}>
            <Select
              name="product"
              value={product}
              onChange={(e) => setProduct(TEST_PRODUCT_LIST.find((p) => p === e.target.value) ?? "WECHAT_FACE")}
              options={TEST_PRODUCT_LIST.map((p) => ({ value: p, label: productLabel(t, p) }))}
            />
          </Field>
          <Field label={t("payments.testAmount")} hint={t("payments.testAmountHint")} required error={errors.amountMinor}>
            <Input name="amount" inputMode="decimal" autoComplete="off" value={amount} onChange={(e) => setAmount(e.target.value)} />
          </Field>
          <Field label={t("payments.testSubject")} required error={errors.subject} className={isFace ? undefined : "sm:col-span-2"}>
            <Input name="subject" maxLength={128} value={subject} onChange={(e) => setSubject(e.target.value)} />
          </Field>
          {isFace ? (
            <Field label={t("payments.testDevice")} hint={t("payments.testDeviceHint")} error={errors.deviceId}>
              <Input name="deviceId" maxLength={64} autoComplete="off" placeholder="CONSOLE-TEST" value={deviceId} onChange={(e) => setDeviceId(e.target.value)} />
            </Field>
          ) : null}
        </div>
        <FormFooter error={general} onCancel={onClose} loading={create.isPending} submitLabel={t("payments.testSubmit")} />
      </form>
    </Dialog>
  );
}
