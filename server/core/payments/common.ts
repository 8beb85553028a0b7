import { connectorFor } from "@/server/channels/registry";
import type { ChannelAccountConfig, ChannelType, FeeCollection, RegistrationIdentity } from "@/server/channels/types";
import { connectorConfigAt } from "@/server/core/channels/accounts";
import { notFound } from "@/server/core/errors/domain-error";
import { open } from "@/server/core/secrets/envelope";
import { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { BoundedMap } from "@/server/lib/bounded-map";

export { actorName } from "@/server/db/tenant-tx";

// Small pieces payments and refunds share.

type RegistrationRow = { registrationId: string | null; subMchId: string | null; subAppId: string | null; smid: string | null; appAuthToken: string | null; shopId: string | null; acquirerMerchantNo: string | null; terminalNo: string | null };

/** A registration's identity columns of `merchant_channel_registration r`. */
const REGISTRATION_COLUMNS = Prisma.raw(
  `r.id AS "registrationId", r.sub_mch_id AS "subMchId", r.sub_app_id AS "subAppId", r.smid, r.app_auth_token_enc AS "appAuthToken", r.shop_id AS "shopId",
   r.acquirer_merchant_no AS "acquirerMerchantNo", r.terminal_no AS "terminalNo"`,
);

function identityOf(ctx: TenantContext, registrationId: string, r: RegistrationRow): RegistrationIdentity {
  const token = r.appAuthToken ? open({ tenantId: ctx.tenantId, table: "merchant_channel_registration", rowId: registrationId, field: "appAuthToken" }, r.appAuthToken) : undefined;
  return {
    registrationId,
    ...(r.subMchId ? { subMchId: r.subMchId } : {}),
    ...(r.subAppId ? { subAppId: r.subAppId } : {}),
    ...(r.smid ? { smid: r.smid } : {}),
    ...(token ? { appAuthToken: token } : {}),
    ...(r.shopId ? { shopId: r.shopId } : {}),
    ...(r.acquirerMerchantNo ? { acquirerMerchantNo: r.acquirerMerchantNo } : {}),
    ...(r.terminalNo ? { terminalNo: r.terminalNo } : {}),
  };
}

/** The merchant's identity at a channel (its registration), as a connector call needs it. */
export async function registrationIdentity(tx: Tx, ctx: TenantContext, registrationId: string): Promise<RegistrationIdentity> {
  const [r] = await tx.$queryRaw<RegistrationRow[]>`SELECT ${REGISTRATION_COLUMNS} FROM merchant_channel_registration r WHERE r.tenant_id = ${ctx.tenantId}::uuid AND r.id = ${registrationId}::uuid`;
  if (!r?.registrationId) throw notFound("Registration");
  return identityOf(ctx, r.registrationId, r);
}

/**
 * What a pay, query, refund or reverse call needs: the account's connector configuration (its
 * current version, or the one given) and the merchant's registration at it, read in one statement.
 */
export async function channelTarget(
  tx: Tx,
  ctx: TenantContext,
  accountId: string,
  registrationId: string,
  version?: number,
): Promise<{ account: ChannelAccountConfig; registration: RegistrationIdentity }> {
  const [row] = await tx.$queryRaw<Array<RegistrationRow & { channelType: ChannelType; currentVersion: number }>>`
    SELECT a.channel_type::text AS "channelType", a.current_version AS "currentVersion", ${REGISTRATION_COLUMNS}
      FROM channel_account a LEFT JOIN merchant_channel_registration r ON r.tenant_id = a.tenant_id AND r.id = ${registrationId}::uuid
     WHERE a.tenant_id = ${ctx.tenantId}::uuid AND a.id = ${accountId}::uuid`;
  if (!row) throw notFound("Channel account");
  if (!row.registrationId) throw notFound("Registration");
  const account = await connectorConfigAt(tx, ctx, accountId, row.channelType, version ?? row.currentVersion);
  return { account, registration: identityOf(ctx, row.registrationId, row) };
}

/** The channel attribute's fee collection in the ledger templates' terms. */
export const templateFeeCollection = (fc: FeeCollection): "AT_SOURCE" | "BILLED_MONTHLY" => (fc === "AT_SOURCE" ? "AT_SOURCE" : "BILLED_MONTHLY");


// A channel account's type never changes after it is created, so it is cached per process: the
// payment path asks for it several times per payment.
// The merchant API's responses read it too (channelTypeKey).
export const channelTypes = new BoundedMap<string, ChannelType>(10_000);
export const channelTypeKey = (tenantId: string, channelAccountId: string) => `${tenantId}:${channelAccountId}`;

/** The channel type of one of the tenant's accounts (NOT_FOUND when it is not the tenant's). */
export async function channelTypeOf(tx: Tx, ctx: TenantContext, channelAccountId: string): Promise<ChannelType> {
  const key = channelTypeKey(ctx.tenantId, channelAccountId);
  const cached = channelTypes.get(key);
  if (cached) return cached;
  const row = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: channelAccountId }, select: { channelType: true } });
  if (!row) throw notFound("Channel account");
  channelTypes.set(key, row.channelType);
  return row.channelType;
}

/** How the channel of one of the tenant's accounts collects its fees, in the ledger templates' terms. */
export async function feeCollectionOf(tx: Tx, ctx: TenantContext, channelAccountId: string): Promise<"AT_SOURCE" | "BILLED_MONTHLY"> {
  return templateFeeCollection(connectorFor(await channelTypeOf(tx, ctx, channelAccountId)).attributes.feeCollection);
}
