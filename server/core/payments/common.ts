import { connectorFor } from "@/server/channels/registry";
import type { ChannelType, FeeCollection, RegistrationIdentity } from "@/server/channels/types";
import { notFound } from "@/server/core/errors/domain-error";
import { open } from "@/server/core/secrets/envelope";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

export { actorName } from "@/server/db/tenant-tx";

// Small pieces payments and refunds share.

export async function registrationIdentity(tx: Tx, ctx: TenantContext, registrationId: string): Promise<RegistrationIdentity> {
  // Raw: every payment, query and refund reads it.
  const [r] = await tx.$queryRaw<
    Array<{ id: string; subMchId: string | null; subAppId: string | null; smid: string | null; appAuthToken: string | null; shopId: string | null; acquirerMerchantNo: string | null; terminalNo: string | null }>
  >`SELECT id, sub_mch_id AS "subMchId", sub_app_id AS "subAppId", smid, app_auth_token_enc AS "appAuthToken", shop_id AS "shopId",
           acquirer_merchant_no AS "acquirerMerchantNo", terminal_no AS "terminalNo"
      FROM merchant_channel_registration WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${registrationId}::uuid`;
  if (!r) throw notFound("Registration");
  const token = r.appAuthToken ? open({ tenantId: ctx.tenantId, table: "merchant_channel_registration", rowId: r.id, field: "appAuthToken" }, r.appAuthToken) : undefined;
  return {
    registrationId: r.id,
    ...(r.subMchId ? { subMchId: r.subMchId } : {}),
    ...(r.subAppId ? { subAppId: r.subAppId } : {}),
    ...(r.smid ? { smid: r.smid } : {}),
    ...(token ? { appAuthToken: token } : {}),
    ...(r.shopId ? { shopId: r.shopId } : {}),
    ...(r.acquirerMerchantNo ? { acquirerMerchantNo: r.acquirerMerchantNo } : {}),
    ...(r.terminalNo ? { terminalNo: r.terminalNo } : {}),
  };
}

/** The channel attribute's fee collection in the ledger templates' terms. */
export const templateFeeCollection = (fc: FeeCollection): "AT_SOURCE" | "BILLED_MONTHLY" => (fc === "AT_SOURCE" ? "AT_SOURCE" : "BILLED_MONTHLY");


// A channel account's type never changes after it is created, so it is cached per process: the
// payment path asks for it several times per payment.
const CHANNEL_TYPE_CACHE_MAX = 10_000;
const channelTypes = new Map<string, ChannelType>();

/** The channel type of one of the tenant's accounts (NOT_FOUND when it is not the tenant's). */
export async function channelTypeOf(tx: Tx, ctx: TenantContext, channelAccountId: string): Promise<ChannelType> {
  const key = `${ctx.tenantId}:${channelAccountId}`;
  const cached = channelTypes.get(key);
  if (cached) return cached;
  const row = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: channelAccountId }, select: { channelType: true } });
  if (!row) throw notFound("Channel account");
  if (channelTypes.size >= CHANNEL_TYPE_CACHE_MAX) channelTypes.clear();
  channelTypes.set(key, row.channelType);
  return row.channelType;
}

/** How the channel of one of the tenant's accounts collects its fees, in the ledger templates' terms. */
export async function feeCollectionOf(tx: Tx, ctx: TenantContext, channelAccountId: string): Promise<"AT_SOURCE" | "BILLED_MONTHLY"> {
  return templateFeeCollection(connectorFor(await channelTypeOf(tx, ctx, channelAccountId)).attributes.feeCollection);
}
