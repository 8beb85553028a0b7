import { createHash } from "node:crypto";
import { connectorFor } from "@/server/channels/registry";
import { ChannelError, CHANNEL_TYPES, type ChannelType, type IncomingNotification, type NotificationAck, type ParsedNotification } from "@/server/channels/types";
import { Prisma } from "@/server/db/generated/prisma/client";
import { authorizedTenantId, withSystemTx, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { connectorConfigs } from "./accounts";

// Channel notifications at /api/notify/<channel>/<channelAccountId>. Verified against every
// credential version of the account, newest first (a callback may predate a key change); a
// notification that verifies under none is refused and logged, and changes nothing. Each accepted
// notification is recorded once per (account, event id): a replay is acknowledged again (so the
// channel stops retrying) but processed only once. What an accepted notification does to a
// payment or refund is the payment application's: it registers a handler here.

export type NotificationHandler = (tx: Tx, ctx: TenantContext, n: ParsedNotification & { channelAccountId: string; version: number }) => Promise<void>;

let handler: NotificationHandler | undefined;

export function setNotificationHandler(h: NotificationHandler | undefined): void {
  handler = h;
}

const plain = (status: number, body: string): NotificationAck => ({ status, contentType: "text/plain; charset=utf-8", body });

function isChannelType(value: string): value is ChannelType {
  return (CHANNEL_TYPES as readonly string[]).includes(value);
}

export interface NotifyOutcome {
  readonly ack: NotificationAck;
  readonly accepted: boolean;
  readonly duplicate?: boolean;
  readonly errorCode?: string;
}

export async function receiveNotification(channelParam: string, accountId: string, incoming: IncomingNotification): Promise<NotifyOutcome> {
  const channel = channelParam.toUpperCase();
  if (!isChannelType(channel) || !/^[0-9a-f-]{36}$/i.test(accountId)) return { ack: plain(404, "unknown channel account"), accepted: false, errorCode: "NOT_FOUND" };
  const tenantId = await withSystemTx(async (tx) => {
    const rows = await tx.$queryRaw<{ t: string | null }[]>`SELECT system_channel_account_tenant(${accountId}::uuid, ${channel}::"ChannelType") AS t`;
    return rows[0]?.t ?? null;
  });
  if (!tenantId) return { ack: plain(404, "unknown channel account"), accepted: false, errorCode: "NOT_FOUND" };
  const connector = connectorFor(channel);
  const ctx: TenantContext = { tenantId: authorizedTenantId(tenantId), actor: { kind: "SYSTEM", name: `notify:${channel.toLowerCase()}` } };
  const bodySha256 = createHash("sha256").update(incoming.body).digest("hex");

  return withTenantTx(ctx.tenantId, async (tx) => {
    const configs = await connectorConfigs(tx, ctx, accountId);
    let parsed: ParsedNotification | undefined;
    let version = 0;
    let refusal: ChannelError | undefined;
    for (const account of configs) {
      try {
        parsed = await connector.parseNotification({ account }, incoming);
        version = account.version;
        break;
      } catch (error) {
        if (!(error instanceof ChannelError)) throw error;
        // A signature or encryption key that fails under this version may be an older version's
        // (a callback sent before a key change); a stale timestamp or malformed content is the
        // notification's own fault under every version.
        refusal = error;
        if (error.code !== "SIGNATURE_INVALID" && error.code !== "DECRYPT_FAILED" && error.code !== "CONFIG_INVALID") break;
      }
    }
    if (!parsed) {
      const code = refusal?.code ?? "SIGNATURE_INVALID";
      logger.warn({ tenantId, channel, accountId, code, reason: refusal?.message, bodySha256 }, "channel notification refused");
      await tx.channelNotification.create({
        data: { tenantId, channelAccountId: accountId, accepted: false, errorCode: code, errorMessage: refusal?.message.slice(0, 500) ?? null, bodySha256, receivedAt: incoming.receivedAt },
      });
      return { ack: connector.notificationAck(false), accepted: false, errorCode: code };
    }
    if (parsed.subMerchant) {
      const known = await tx.merchantChannelRegistration.count({
        where: { tenantId, channelAccountId: accountId, OR: [{ subMchId: parsed.subMerchant }, { smid: parsed.subMerchant }, { acquirerMerchantNo: parsed.subMerchant }] },
      });
      const accountParams = configs.find((c) => c.version === version)?.params ?? {};
      const isProvider = Object.values(accountParams).includes(parsed.subMerchant);
      if (known === 0 && !isProvider) {
        logger.warn({ tenantId, channel, accountId, subMerchant: parsed.subMerchant }, "channel notification for an unknown sub-merchant");
        await tx.channelNotification.create({
          data: { tenantId, channelAccountId: accountId, version, eventId: null, accepted: false, errorCode: "UNKNOWN_SUB_MERCHANT", errorMessage: `no registration for sub-merchant ${parsed.subMerchant}`, kind: parsed.kind, outTradeNo: parsed.outTradeNo, bodySha256, receivedAt: incoming.receivedAt },
        });
        return { ack: connector.notificationAck(false), accepted: false, errorCode: "UNKNOWN_SUB_MERCHANT" };
      }
    }
    const existing = await tx.channelNotification.findUnique({
      where: { tenantId_channelAccountId_eventId: { tenantId, channelAccountId: accountId, eventId: parsed.eventId } },
      select: { id: true },
    });
    if (existing) {
      await tx.channelNotification.update({ where: { tenantId_id: { tenantId, id: existing.id } }, data: { duplicates: { increment: 1 } } });
      return { ack: connector.notificationAck(true), accepted: true, duplicate: true };
    }
    try {
      await tx.channelNotification.create({
        data: {
          tenantId,
          channelAccountId: accountId,
          version,
          eventId: parsed.eventId,
          accepted: true,
          kind: parsed.kind,
          outTradeNo: parsed.outTradeNo,
          outRefundNo: parsed.outRefundNo ?? null,
          status: parsed.status,
          amountMinor: parsed.amountMinor ?? null,
          bodySha256,
          receivedAt: incoming.receivedAt,
        },
      });
    } catch (e) {
      // Two deliveries of one event at the same moment: the other one records and processes it.
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") return { ack: connector.notificationAck(true), accepted: true, duplicate: true };
      throw e;
    }
    if (handler) await handler(tx, ctx, { ...parsed, channelAccountId: accountId, version });
    return { ack: connector.notificationAck(true), accepted: true };
  });
}

export async function findNotifications(tx: Tx, ctx: TenantContext, input: { channelAccountId?: string; limit?: number }) {
  return tx.channelNotification.findMany({
    where: { tenantId: ctx.tenantId, ...(input.channelAccountId ? { channelAccountId: input.channelAccountId } : {}) },
    orderBy: { receivedAt: "desc" },
    take: Math.min(input.limit ?? 50, 200),
    select: { id: true, channelAccountId: true, version: true, eventId: true, accepted: true, errorCode: true, errorMessage: true, kind: true, outTradeNo: true, outRefundNo: true, status: true, amountMinor: true, duplicates: true, receivedAt: true },
  });
}
