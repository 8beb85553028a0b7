import { randomUUID } from "node:crypto";
import { accountFieldsFor } from "@/server/channels/registry";
import type { ChannelAccountConfig, ChannelType } from "@/server/channels/types";
import { recordAudit } from "@/server/core/audit/service";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { openChannelAccountAccounts } from "@/server/core/ledger/service";
import { open, seal } from "@/server/core/secrets/envelope";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { BoundedMap } from "@/server/lib/bounded-map";
import {
  ZChannelAccountConfigure,
  ZChannelAccountCreate,
  ZChannelAccountEnable,
  ZChannelAccountUpdate,
  ZChannelSettings,
  type TChannelAccountConfigure,
  type TChannelAccountCreate,
  type TChannelSettings,
} from "./schema";

// Channel accounts: a tenant's contract with one channel. Parameters and credentials are
// versioned (an edit is a new version, effective at once; old versions stay to verify late
// callbacks); credentials live in one envelope per version and never leave the server.

export const channelAccountSelect = {
  id: true,
  channelType: true,
  name: true,
  enabled: true,
  currentVersion: true,
  priority: true,
  weight: true,
  minAmountMinor: true,
  maxAmountMinor: true,
  dailyAmountCap: true,
  dailyCountCap: true,
  windowStart: true,
  windowEnd: true,
  costRatePpm: true,
  costFixedMinor: true,
  costMinMinor: true,
  costMaxMinor: true,
  settlementAccountName: true,
  settlementBankName: true,
  settlementAccountLast4: true,
  settlementCycle: true,
  healthState: true,
  healthChangedAt: true,
  healthReason: true,
  healthManual: true,
  autoPause: true,
  healthWindowSeconds: true,
  healthMinSample: true,
  healthErrorRatePpm: true,
  healthCooldownSeconds: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.ChannelAccountSelect;

export type ChannelAccountView = Prisma.ChannelAccountGetPayload<{ select: typeof channelAccountSelect }>;

const credentialsContext = (ctx: TenantContext, versionId: string) => ({
  tenantId: ctx.tenantId,
  table: "channel_account_version",
  rowId: versionId,
  field: "credentials",
});

/** Params and credentials checked against the channel's field list: unknown keys and missing required ones are refused. */
export function checkFields(type: ChannelType, params: Record<string, string>, credentials: Record<string, string>): void {
  const fields = accountFieldsFor(type);
  for (const [given, secret] of [
    [params, false],
    [credentials, true],
  ] as const) {
    for (const key of Object.keys(given)) {
      const field = fields.find((f) => f.key === key);
      if (!field || field.secret !== secret) {
        throw new DomainError("BAD_INPUT", "CHANNEL_FIELD_UNKNOWN", `"${key}" is not a ${secret ? "credential" : "parameter"} of a ${type} channel account`, {
          field: key,
          params: { key, channel: type },
        });
      }
    }
  }
  for (const field of fields) {
    const value = (field.secret ? credentials : params)[field.key];
    if (field.required && (value === undefined || value.trim() === "")) {
      throw new DomainError("BAD_INPUT", "CHANNEL_FIELD_REQUIRED", `${field.label.en} is required for a ${type} channel account`, {
        field: field.key,
        params: { key: field.key, label: field.label.en, channel: type },
      });
    }
  }
}

function settingsData(ctx: TenantContext, id: string, settings: ReturnType<typeof ZChannelSettings.parse>) {
  const { settlementAccountNumber, ...rest } = settings;
  return {
    ...rest,
    ...(settlementAccountNumber
      ? {
          settlementAccountNumber: seal({ tenantId: ctx.tenantId, table: "channel_account", rowId: id, field: "settlementAccountNumber" }, settlementAccountNumber),
          settlementAccountLast4: settlementAccountNumber.slice(-4),
        }
      : {}),
  };
}

function actorId(ctx: TenantContext): string | null {
  return ctx.actor.kind === "USER" ? ctx.actor.userId : null;
}

async function writeVersion(tx: Tx, ctx: TenantContext, accountId: string, version: number, params: Record<string, string>, credentials: Record<string, string>, note?: string) {
  const versionId = randomUUID();
  const keys = Object.keys(credentials).sort();
  await tx.channelAccountVersion.create({
    data: {
      tenantId: ctx.tenantId,
      id: versionId,
      channelAccountId: accountId,
      version,
      params,
      credentials: keys.length > 0 ? seal(credentialsContext(ctx, versionId), JSON.stringify(credentials)) : null,
      credentialKeys: keys,
      note: note ?? null,
      createdBy: actorId(ctx),
    },
  });
}

export async function createChannelAccount(tx: Tx, ctx: TenantContext, raw: TChannelAccountCreate) {
  const input = ZChannelAccountCreate.parse(raw);
  const settings = ZChannelSettings.parse(input.settings ?? {});
  checkFields(input.channelType, input.params, input.credentials);
  const id = randomUUID();
  const account = await tx.channelAccount.create({
    data: { tenantId: ctx.tenantId, id, channelType: input.channelType, ...settingsData(ctx, id, settings), name: input.name },
    select: channelAccountSelect,
  });
  await writeVersion(tx, ctx, id, 1, input.params, input.credentials, "created");
  await openChannelAccountAccounts(tx, ctx, id);
  await recordAudit(tx, ctx, { action: "channel_account.create", entityType: "channel_account", entityId: id, after: { ...account, params: input.params, credentialKeys: Object.keys(input.credentials) } });
  return account;
}

export async function getChannelAccount(tx: Tx, ctx: TenantContext, id: string) {
  const account = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id }, select: channelAccountSelect });
  if (!account) throw notFound("Channel account");
  const versions = await tx.channelAccountVersion.findMany({
    where: { tenantId: ctx.tenantId, channelAccountId: id },
    orderBy: { version: "desc" },
    select: { version: true, params: true, credentialKeys: true, note: true, createdBy: true, createdAt: true },
  });
  return { ...account, versions: versions.map((v) => ({ ...v, params: v.params as Record<string, string> })) };
}

export async function findChannelAccounts(tx: Tx, ctx: TenantContext) {
  return tx.channelAccount.findMany({
    where: { tenantId: ctx.tenantId },
    orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
    select: { ...channelAccountSelect, _count: { select: { registrations: true } } },
  });
}

/** A new version of params and credentials; credentials not given keep their previous value. */
export async function configureChannelAccount(tx: Tx, ctx: TenantContext, raw: TChannelAccountConfigure) {
  const input = ZChannelAccountConfigure.parse(raw);
  const account = await lockAccount(tx, ctx, input.id);
  const previous = await loadVersion(tx, ctx, input.id, account.currentVersion);
  const credentials = { ...previous.credentials };
  for (const [key, value] of Object.entries(input.credentials)) if (value !== "") credentials[key] = value;
  checkFields(account.channelType, input.params, credentials);
  const version = account.currentVersion + 1;
  await writeVersion(tx, ctx, input.id, version, input.params, credentials, input.note);
  const after = await tx.channelAccount.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: input.id } }, data: { currentVersion: version }, select: channelAccountSelect });
  await recordAudit(tx, ctx, {
    action: "channel_account.configure",
    entityType: "channel_account",
    entityId: input.id,
    before: { version: account.currentVersion, params: previous.params, credentialKeys: Object.keys(previous.credentials) },
    after: { version, params: input.params, credentialKeys: Object.keys(credentials), changedCredentials: Object.keys(input.credentials).filter((k) => input.credentials[k] !== "") },
  });
  return after;
}

export async function updateChannelAccount(tx: Tx, ctx: TenantContext, raw: { id: string; settings: TChannelSettings }) {
  const input = ZChannelAccountUpdate.parse(raw);
  const before = await lockAccount(tx, ctx, input.id);
  const merged = { ...before, ...input.settings };
  if (merged.minAmountMinor != null && merged.maxAmountMinor != null && merged.minAmountMinor > merged.maxAmountMinor) {
    throw new DomainError("BAD_INPUT", "AMOUNT_RANGE_INVALID", "The minimum amount is above the maximum", { field: "maxAmountMinor" });
  }
  if ((merged.windowStart == null) !== (merged.windowEnd == null)) {
    throw new DomainError("BAD_INPUT", "WINDOW_INCOMPLETE", "A time window needs both a start and an end", { field: "windowEnd" });
  }
  const after = await tx.channelAccount.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: input.id } },
    data: settingsData(ctx, input.id, input.settings),
    select: channelAccountSelect,
  });
  await recordAudit(tx, ctx, { action: "channel_account.update", entityType: "channel_account", entityId: input.id, before, after });
  return after;
}

export async function setChannelAccountEnabled(tx: Tx, ctx: TenantContext, raw: { id: string; enabled: boolean; reason?: string }) {
  const input = ZChannelAccountEnable.parse(raw);
  const before = await lockAccount(tx, ctx, input.id);
  const after = await tx.channelAccount.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: input.id } }, data: { enabled: input.enabled }, select: channelAccountSelect });
  await recordAudit(tx, ctx, {
    action: input.enabled ? "channel_account.enable" : "channel_account.disable",
    entityType: "channel_account",
    entityId: input.id,
    before: { enabled: before.enabled },
    after: { enabled: input.enabled, reason: input.reason ?? null },
  });
  return after;
}

async function lockAccount(tx: Tx, ctx: TenantContext, id: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM channel_account WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${id}::uuid FOR UPDATE`;
  if (rows.length === 0) throw notFound("Channel account");
  return (await tx.channelAccount.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id }, select: channelAccountSelect }));
}

async function loadVersion(tx: Tx, ctx: TenantContext, accountId: string, version: number) {
  // Raw SQL: payments read versions in raw-only transactions (withTenantTx rawOnly).
  const [row] = await tx.$queryRaw<Array<{ id: string; version: number; params: unknown; credentials: string | null }>>`
    SELECT id, version, params, credentials_enc AS credentials FROM channel_account_version
     WHERE tenant_id = ${ctx.tenantId}::uuid AND channel_account_id = ${accountId}::uuid AND version = ${version}::int`;
  if (!row) throw new DomainError("NOT_FOUND", "CHANNEL_VERSION_NOT_FOUND", `Channel account version ${version} not found`, { params: { version } });
  const credentials = row.credentials ? (JSON.parse(open(credentialsContext(ctx, row.id), row.credentials)) as Record<string, string>) : {};
  return { version: row.version, params: row.params as Record<string, string>, credentials };
}

// A version's parameters and opened credentials, per process. Versions never change once written
// (the app role may only insert them), so an entry is never stale; every payment, query and refund
// needs one, and opening the sealed credentials each time cost a model query and a decryption.
// The oldest entry goes first. (A version read here inside the transaction that inserts
// it, which then rolls back, would stay cached; nothing does that: configuring an account reads
// versions through loadVersion.)
const versionCache = new BoundedMap<string, { version: number; params: Record<string, string>; credentials: Record<string, string> }>(1_000);

async function cachedVersion(tx: Tx, ctx: TenantContext, accountId: string, version: number) {
  const key = `${ctx.tenantId}:${accountId}:${version}`;
  const hit = versionCache.get(key);
  if (hit) return hit;
  const loaded = await loadVersion(tx, ctx, accountId, version);
  versionCache.set(key, loaded);
  return loaded;
}

/** What a connector needs for one call: the current version, or the one a payment was made with. */
export async function connectorConfig(tx: Tx, ctx: TenantContext, accountId: string, version?: number): Promise<ChannelAccountConfig> {
  const [account] = await tx.$queryRaw<Array<{ channelType: ChannelType; currentVersion: number }>>`
    SELECT channel_type::text AS "channelType", current_version AS "currentVersion" FROM channel_account WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${accountId}::uuid`;
  if (!account) throw notFound("Channel account");
  return connectorConfigAt(tx, ctx, accountId, account.channelType, version ?? account.currentVersion);
}

/** connectorConfig for a caller that has read the account's type (and chosen the version) itself. */
export async function connectorConfigAt(tx: Tx, ctx: TenantContext, accountId: string, channelType: ChannelType, version: number): Promise<ChannelAccountConfig> {
  const loaded = await cachedVersion(tx, ctx, accountId, version);
  // Copies: a caller may not change what the next call gets.
  return { channelAccountId: accountId, version: loaded.version, channelType, params: { ...loaded.params }, credentials: { ...loaded.credentials } };
}

/** Every version of an account, newest first, for verifying a callback that may predate an edit. */
export async function connectorConfigs(tx: Tx, ctx: TenantContext, accountId: string): Promise<ChannelAccountConfig[]> {
  const account = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: accountId }, select: { channelType: true } });
  if (!account) throw notFound("Channel account");
  const rows = await tx.channelAccountVersion.findMany({ where: { tenantId: ctx.tenantId, channelAccountId: accountId }, orderBy: { version: "desc" }, select: { version: true } });
  const configs: ChannelAccountConfig[] = [];
  for (const row of rows) configs.push(await connectorConfig(tx, ctx, accountId, row.version));
  return configs;
}
