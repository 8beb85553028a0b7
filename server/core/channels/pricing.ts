import { recordAudit } from "@/server/core/audit/service";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { ZFeeRuleInput, ZMerchantLimitInput, ZProductRuleInput, type TFeeRuleInput, type TMerchantLimitInput, type TProductRuleInput } from "./schema";

// Products offered (per order type and amount), merchant fee rules and merchant limits. A rule
// without a merchant is the tenant's default; a merchant's own rule wins. Upserts by their keys.

async function checkMerchant(tx: Tx, ctx: TenantContext, merchantId: string | null | undefined) {
  if (!merchantId) return;
  const m = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: merchantId }, select: { id: true } });
  if (!m) throw notFound("Merchant");
}

export async function listFeeRules(tx: Tx, ctx: TenantContext) {
  return tx.feeRule.findMany({
    where: { tenantId: ctx.tenantId },
    orderBy: [{ product: "asc" }, { merchantScope: "asc" }],
    select: { id: true, product: true, merchantId: true, feeRatePpm: true, fixedMinor: true, minFeeMinor: true, maxFeeMinor: true, updatedAt: true, merchant: { select: { shortName: true } } },
  });
}

export async function saveFeeRule(tx: Tx, ctx: TenantContext, raw: TFeeRuleInput) {
  const input = ZFeeRuleInput.parse(raw);
  await checkMerchant(tx, ctx, input.merchantId);
  const merchantScope = input.merchantId ?? "";
  const key = { tenantId_product_merchantScope: { tenantId: ctx.tenantId, product: input.product, merchantScope } };
  const before = await tx.feeRule.findUnique({ where: key });
  const data = { feeRatePpm: input.feeRatePpm, fixedMinor: input.fixedMinor, minFeeMinor: input.minFeeMinor, maxFeeMinor: input.maxFeeMinor ?? null };
  const after = await tx.feeRule.upsert({
    where: key,
    create: { tenantId: ctx.tenantId, product: input.product, merchantId: input.merchantId ?? null, merchantScope, ...data },
    update: data,
  });
  await recordAudit(tx, ctx, { action: before ? "fee_rule.update" : "fee_rule.create", entityType: "fee_rule", entityId: after.id, before, after });
  return after;
}

export async function deleteFeeRule(tx: Tx, ctx: TenantContext, id: string) {
  const before = await tx.feeRule.findFirst({ where: { tenantId: ctx.tenantId, id } });
  if (!before) throw notFound("Fee rule");
  if (before.merchantId === null) {
    throw new DomainError("PRECONDITION", "DEFAULT_FEE_RULE_REQUIRED", "The default fee rule of a product cannot be deleted; change its rate instead");
  }
  await tx.feeRule.delete({ where: { tenantId_id: { tenantId: ctx.tenantId, id } } });
  await recordAudit(tx, ctx, { action: "fee_rule.delete", entityType: "fee_rule", entityId: id, before });
  return { id };
}

export async function listProductRules(tx: Tx, ctx: TenantContext) {
  return tx.productRule.findMany({
    where: { tenantId: ctx.tenantId },
    orderBy: [{ product: "asc" }, { orderType: "asc" }, { merchantScope: "asc" }],
    select: { id: true, product: true, orderType: true, merchantId: true, enabled: true, minAmountMinor: true, maxAmountMinor: true, updatedAt: true, merchant: { select: { shortName: true } } },
  });
}

export async function saveProductRule(tx: Tx, ctx: TenantContext, raw: TProductRuleInput) {
  const input = ZProductRuleInput.parse(raw);
  await checkMerchant(tx, ctx, input.merchantId);
  const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  if (tenant.settlementMode === "DIRECT" && (input.orderType === "RECHARGE" || input.product === "WALLET") && input.enabled) {
    throw new DomainError("PRECONDITION", "NOT_AVAILABLE_IN_DIRECT_MODE", "Wallets and recharges need a custodial (备付金) licence", { field: "product" });
  }
  const merchantScope = input.merchantId ?? "";
  const key = { tenantId_product_orderType_merchantScope: { tenantId: ctx.tenantId, product: input.product, orderType: input.orderType, merchantScope } };
  const before = await tx.productRule.findUnique({ where: key });
  const data = { enabled: input.enabled, minAmountMinor: input.minAmountMinor, maxAmountMinor: input.maxAmountMinor ?? null };
  const after = await tx.productRule.upsert({
    where: key,
    create: { tenantId: ctx.tenantId, product: input.product, orderType: input.orderType, merchantId: input.merchantId ?? null, merchantScope, ...data },
    update: data,
  });
  await recordAudit(tx, ctx, { action: before ? "product_rule.update" : "product_rule.create", entityType: "product_rule", entityId: after.id, before, after });
  return after;
}

/** Removes a merchant's own product rule (the tenant default applies again); defaults are switched off, not deleted. */
export async function deleteProductRule(tx: Tx, ctx: TenantContext, id: string) {
  const before = await tx.productRule.findFirst({ where: { tenantId: ctx.tenantId, id } });
  if (!before) throw notFound("Product rule");
  if (before.merchantId === null) {
    throw new DomainError("PRECONDITION", "DEFAULT_PRODUCT_RULE_REQUIRED", "The default rule of a product cannot be deleted; switch it off instead");
  }
  await tx.productRule.delete({ where: { tenantId_id: { tenantId: ctx.tenantId, id } } });
  await recordAudit(tx, ctx, { action: "product_rule.delete", entityType: "product_rule", entityId: id, before });
  return { id };
}

export async function getMerchantLimit(tx: Tx, ctx: TenantContext, merchantId: string) {
  await checkMerchant(tx, ctx, merchantId);
  return tx.merchantLimit.findUnique({ where: { tenantId_merchantId: { tenantId: ctx.tenantId, merchantId } } });
}

export async function saveMerchantLimit(tx: Tx, ctx: TenantContext, raw: TMerchantLimitInput) {
  const input = ZMerchantLimitInput.parse(raw);
  await checkMerchant(tx, ctx, input.merchantId);
  const { merchantId, ...rest } = input;
  const data = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v ?? null]));
  const key = { tenantId_merchantId: { tenantId: ctx.tenantId, merchantId } };
  const before = await tx.merchantLimit.findUnique({ where: key });
  const after = await tx.merchantLimit.upsert({ where: key, create: { tenantId: ctx.tenantId, merchantId, ...data }, update: data });
  await recordAudit(tx, ctx, { action: "merchant_limit.save", entityType: "merchant", entityId: merchantId, before, after });
  return after;
}
