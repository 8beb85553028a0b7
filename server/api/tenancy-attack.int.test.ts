import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_SIGNATURE_HEADER, sandboxNotificationSignature } from "@/server/channels/sandbox/connector";
import type { PaymentElement } from "@/server/channels/types";
import { PERMISSIONS, type Permission } from "@/server/core/auth/roles";
import { configureChannelAccount, createChannelAccount } from "@/server/core/channels/accounts";
import { setChannelHealth } from "@/server/core/channels/health";
import { receiveNotification } from "@/server/core/channels/notify";
import { saveFeeRule, saveMerchantLimit, saveProductRule } from "@/server/core/channels/pricing";
import { createRegistration } from "@/server/core/channels/registrations";
import { decideRoute, publishRuleSet, saveDraft, type RuleSetDraft } from "@/server/core/channels/routing";
import { signInPlatformAdmin } from "@/server/core/platform/auth";
import { createPlatformAdmin } from "@/server/core/platform/service";
import { importCalendar, upsertCalendarDay } from "@/server/core/calendar/service";
import { createMerchant, createStore } from "@/server/core/merchants/service";
import { createMerchantUser, createUser } from "@/server/core/users/service";
import { uploadLogo } from "@/server/core/branding/service";
import { createProposal, decideProposal } from "@/server/core/proposals/service";
import { createApiKey } from "@/server/core/merchant-api/keys";
import { createRefund } from "@/server/core/payments/refunds";
import { saveStatementTemplate } from "@/server/core/clearing/templates";
import { openException } from "@/server/core/payments/exceptions";
import { createPayment } from "@/server/core/payments/service";
import { publishWebhook } from "@/server/core/webhooks/publish";
import { createWebhookEndpoint } from "@/server/core/webhooks/service";
import { postEntry } from "@/server/core/ledger/service";
import { directMemoPayment } from "@/server/core/ledger/templates";
import { runSettlement } from "@/server/core/settlement/service";
import { assignDevices, createConfigVersion, findDevices, importDevices } from "@/server/core/devices/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, signIn, TEST_PASSWORD, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { callerAs, callPath, failureCode, outcome, PLATFORM_HOST, stringify, tenantHost, type Caller } from "@/server/testing/trpc";
import { appRouter } from "./root";

// THE cross-tenant attack suite (ARCHITECTURE.md §2). Tenant B's users, on B's host, aim every
// procedure at tenant A's ids; they must see NOT_FOUND, an empty list or only B's own rows, and A's
// rows must be byte-for-byte unchanged afterwards. Every procedure of appRouter needs an entry in
// `attacks`, `rungs` and `sampleInputs`: a new procedure without one fails the first test.

type Rung = "console" | "merchant" | "signedIn" | "platform";
type Role = "owner" | "admin" | "operations" | "finance" | "viewer" | "merchant1" | "merchant2";

interface Side {
  tenant: TestTenant;
  host: string;
  users: Record<Role, { id: string; email: string }>;
  tokens: Record<Role, string>;
  merchants: Array<{ id: string; shortName: string; legalName: string; creditCode: string; storeId: string; storeName: string }>;
  /** Dates with an override only this tenant has. */
  calendarDates: string[];
  calendarNames: string[];
  /** An approved adjustment (so a posted entry) and a pending proposal, both in the OWN book. */
  ledger: { bankAccountId: string; equityAccountId: string; entryId: string; approvedProposalId: string; pendingProposalId: string };
  /**
   * Besides the SANDBOX account every tenant is provisioned with: a second SANDBOX account with a
   * sealed notifySecret in two credential versions, merchants[0] registered at it under a
   * distinctive subMchId, a merchant fee rule, product rule and limit for merchants[0], a manual
   * pause (a health event) and one accepted notification.
   */
  channel: {
    accountId: string;
    accountName: string;
    /** The account createTenant provisioned, and merchants[0]'s registration at it. */
    sandboxAccountId: string;
    sandboxRegistrationId: string;
    /** Both credential versions' notifySecret (the second is current). */
    notifySecrets: string[];
    registrationId: string;
    subMchId: string;
    feeRuleId: string;
    defaultFeeRuleId: string;
    productRuleId: string;
    healthReason: string;
    notificationEventId: string;
    notificationOutTradeNo: string;
    /** A finance-defined statement template (version 1) named after the side. */
    templateId: string;
    templateName: string;
  };
  /**
   * Routing: besides version 1 (PUBLISHED, provisioned with the tenant) an open DRAFT saved with an
   * EXCLUDE rule that keeps merchants[0] off the extra account, and three stored decisions:
   * merchants[0] on a distinctive device (ROUTED), merchants[1] (ROUTED) and merchants[0] without
   * a face code (NO_ROUTE), then the decisions of the side's two payments (see `payments`). A then
   * publishes its draft and opens another (see beforeAll).
   */
  routing: {
    /** The open draft's version (B: 2; A: 3, a number B does not have at first). */
    draftVersion: number;
    /** The open draft as saved (the input of routing.saveDraft). */
    draft: RuleSetDraft;
    ruleIds: string[];
    ruleNames: string[];
    /** [ROUTED on the device, ROUTED for merchants[1], NO_ROUTE, then the payments' decisions]. */
    decisionIds: string[];
    deviceId: string;
  };
  /** A merchant API key of merchants[0] (its secret shown once, at creation). */
  apiKey: { id: string; keyId: string; secret: string; label: string };
  /**
   * merchants[0]'s webhook endpoint (on 127.0.0.1:9, where nothing listens, so a resend fails at
   * once without leaving the machine) and the side's webhook events: the ones its payments
   * published plus one about the succeeded payment with a failed attempt recorded.
   */
  webhooks: { endpointId: string; url: string; secret: string; eventIds: string[] };
  /**
   * Two face payments of merchants[0] at its store on a distinctive device, through the sandbox:
   * one SUCCEEDED (with its ledger entries) and one "user paying" (amount ending in 02), still
   * PROCESSING. The amounts differ per side, so a summary that counted the other side's would show.
   */
  payments: {
    /** [SUCCEEDED, PROCESSING]. */
    ids: string[];
    succeededId: string;
    processingId: string;
    orderNos: string[];
    outTradeNos: string[];
    channelTradeNos: string[];
    amountsMinor: bigint[];
    /** The journal entries the success posted (payment and margin). */
    entryIds: string[];
    marginMinor: bigint;
    deviceId: string;
    subject: string;
    /** A refund of the succeeded payment, still PROCESSING (the sandbox answers …04 refunds ABNORMAL at the first query). */
    refundId: string;
    refundNo: string;
    /** A reconciliation difference (RECON_FEE, a shortage) about the succeeded payment, OPEN: the exception queue's target. */
    exceptionId: string;
  };
}

interface Env {
  a: Side;
  b: Side;
  platformToken: string;
  /** Strings that only tenant A's data contains; none may appear in anything B gets back. */
  aSecrets: string[];
}

const A_ACCOUNT_NUMBER = "6222000011119876";
const PNG = `data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]).toString("base64")}`;
const LEDGER_DATE = "2026-01-05";
/** The exception queue's day close closes this date of B's (not LEDGER_DATE, which ledger.closeDay closes). */
const EXCEPTION_CLOSE_DATE = "2026-01-03";
const adjustmentPayload = (bankAccountId: string, equityAccountId: string, description: string) => ({
  businessDate: LEDGER_DATE,
  description,
  lines: [
    { accountId: bankAccountId, debitMinor: "10000", creditMinor: "0" },
    { accountId: equityAccountId, debitMinor: "0", creditMinor: "10000" },
  ],
});
const GIF = `data:image/gif;base64,${Buffer.from("GIF89a-beta-logo").toString("base64")}`;
const BRANDING = {
  primaryColor: "#112233",
  accentColor: "#445566",
  radius: "4px",
  productName: "Beta brand",
  loginTitle: { "zh-CN": "贝塔", en: "Beta" },
  loginSubtitle: { "zh-CN": "贝塔后台", en: "Beta console" },
  defaultLocale: "zh-CN" as const,
};

let db: TestDatabase;
let env: Env;

// ---------------------------------------------------------------------------------------------
// Set-up

async function buildSide(slug: string, label: string, calendar: Array<{ date: string; name: string }>, accountNumber?: string): Promise<Side> {
  const tenant = await makeTenant(slug);
  const ctx = ownerContext(tenant);
  const users = { owner: { id: tenant.ownerId, email: tenant.ownerEmail } } as Side["users"];
  const merchants: Side["merchants"] = [];
  await withTenantTx(tenant.id, async (tx) => {
    for (const role of ["ADMIN", "OPERATIONS", "FINANCE", "VIEWER"] as const) {
      const email = `${role.toLowerCase()}@${slug}.test`;
      const u = await createUser(tx, ctx, { email, name: `${label} ${role.toLowerCase()}`, role, password: TEST_PASSWORD });
      users[role.toLowerCase() as Role] = { id: u.id, email };
    }
    for (const [i, name] of [`${label} Noodles`, `${label} Tea House`].entries()) {
      const input = merchantInput(name, i === 0 && accountNumber ? { settlementAccountNumber: accountNumber, settlementAccountName: `${label} Noodles Co.` } : {});
      const m = await createMerchant(tx, ctx, input);
      const storeName = `${name} Flagship`;
      const s = await createStore(tx, ctx, { merchantId: m.id, name: storeName, address: `${i + 1} ${label} Road, Hangzhou`, latitude: 30.1, longitude: 120.2 });
      merchants.push({ id: m.id, shortName: m.shortName, legalName: m.legalName, creditCode: m.creditCode, storeId: s.id, storeName });
      const role = i === 0 ? "MERCHANT_ADMIN" : "MERCHANT_STAFF";
      const email = `merchant${i + 1}@${slug}.test`;
      const mu = await createMerchantUser(tx, ctx, { merchantId: m.id, email, name: `${label} merchant ${i + 1}`, role, password: TEST_PASSWORD });
      users[`merchant${i + 1}` as Role] = { id: mu.id, email };
    }
    await importCalendar(tx, ctx, { csv: `date,kind,name\n2026-01-01,HOLIDAY,New Year\n${calendar.map((d) => `${d.date},HOLIDAY,${d.name}`).join("\n")}\n` });
  });
  // The books: one adjustment proposed by the owner and approved by the admin (a posted entry),
  // and one left pending.
  const ledger = await withTenantTx(tenant.id, async (tx) => {
    const accounts = await tx.ledgerAccount.findMany({ where: { tenantId: tenant.id, book: "OWN", code: { in: ["operating_bank", "owner_equity"] } }, select: { id: true, code: true } });
    const bankAccountId = accounts.find((a) => a.code === "operating_bank")!.id;
    const equityAccountId = accounts.find((a) => a.code === "owner_equity")!.id;
    const adminCtx = { tenantId: tenant.id, actor: { kind: "USER" as const, userId: users.admin.id, email: users.admin.email, role: "ADMIN", merchantId: null } };
    const approved = await createProposal(tx, ctx, { kind: "ledger.adjustment", payload: adjustmentPayload(bankAccountId, equityAccountId, `${label} opening capital`), reason: `${label} opening` });
    const decided = await decideProposal(tx, adminCtx, { id: approved.id, decision: "APPROVE" });
    const entryId = (decided.result as { entryId: string }).entryId;
    const pending = await createProposal(tx, ctx, { kind: "ledger.adjustment", payload: adjustmentPayload(bankAccountId, equityAccountId, `${label} top-up`), reason: `${label} top-up` });
    return { bankAccountId, equityAccountId, entryId, approvedProposalId: approved.id, pendingProposalId: pending.id };
  });
  const channel = await buildChannels(tenant, label, merchants[0]!.id);
  const routing0 = await buildRouting(tenant, label, merchants, channel);
  const { payments, decisionIds: paymentDecisionIds } = await buildPayments(tenant, label, merchants[0]!, label === "Acme" ? [10_000n, 7_002n] : [20_000n, 8_002n]);
  const routing = { ...routing0, decisionIds: [...routing0.decisionIds, ...paymentDecisionIds] };
  const apiKey = await withTenantTx(tenant.id, async (tx) => {
    const k = await createApiKey(tx, ctx, { merchantId: merchants[0]!.id, label: `${label} POS ${randomBytes(4).toString("hex")}` });
    return { id: k.id, keyId: k.keyId, secret: k.secret, label: k.label };
  });
  const webhooks = await buildWebhooks(tenant, label, merchants[0]!.id, payments.succeededId);
  const tokens = {} as Side["tokens"];
  for (const [role, u] of Object.entries(users)) tokens[role as Role] = await signIn(tenant, u.email);
  return {
    tenant,
    host: tenantHost(slug),
    users,
    tokens,
    merchants,
    calendarDates: calendar.map((d) => d.date),
    calendarNames: calendar.map((d) => d.name),
    ledger,
    channel,
    routing,
    apiKey,
    webhooks,
    payments,
  };
}

/** The side's webhook endpoint and events (see Side.webhooks). */
async function buildWebhooks(tenant: TestTenant, label: string, merchantId: string, paymentId: string): Promise<Side["webhooks"]> {
  const ctx = ownerContext(tenant);
  const url = `http://127.0.0.1:9/${label.toLowerCase()}-hooks-${randomBytes(4).toString("hex")}`;
  return withTenantTx(tenant.id, async (tx) => {
    const endpoint = await createWebhookEndpoint(tx, ctx, { merchantId, url });
    const { eventId } = await publishWebhook(tx, ctx, { merchantId, type: "payment.corrected", objectType: "payment", objectId: paymentId, data: { id: paymentId, note: `${label} correction` } });
    // One scheduled attempt that failed, as the outbox drainer would have recorded it.
    await tx.webhookAttempt.create({ data: { tenantId: tenant.id, eventId, attempt: 1, url, statusCode: 500, latencyMs: 12, responseExcerpt: `${label} endpoint down`, error: "HTTP 500" } });
    await tx.webhookEvent.update({ where: { tenantId_id: { tenantId: tenant.id, id: eventId } }, data: { attempts: 1, nextAttemptAt: new Date(Date.now() + 15_000) } });
    const events = await tx.webhookEvent.findMany({ where: { tenantId: tenant.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: { id: true } });
    return { endpointId: endpoint.id, url, secret: endpoint.secret, eventIds: [eventId, ...events.map((e) => e.id).filter((id) => id !== eventId)] };
  });
}

/** The side's two payments (see Side.payments), made as the console's owner would through createPayment. */
async function buildPayments(tenant: TestTenant, label: string, merchant: Side["merchants"][number], [successMinor, payingMinor]: [bigint, bigint]): Promise<{ payments: Side["payments"]; decisionIds: string[] }> {
  const ctx = ownerContext(tenant);
  const tag = label.toUpperCase();
  const deviceId = `PAYDEV-${tag}-${randomBytes(4).toString("hex").toUpperCase()}`;
  const subject = `${label} lunch set`;
  const pay = (amountMinor: bigint) =>
    createPayment(ctx, {
      merchantId: merchant.id,
      storeId: merchant.storeId,
      deviceId,
      merchantOrderNo: `ORD-${tag}-${randomBytes(6).toString("hex").toUpperCase()}`,
      amountMinor,
      product: "WECHAT_FACE",
      elements: { faceCode: `FACE-${tag}-${randomBytes(6).toString("hex")}` },
      subject,
    });
  const succeeded = await pay(successMinor);
  const processing = await pay(payingMinor);
  expect([succeeded.status, processing.status]).toEqual(["SUCCEEDED", "PROCESSING"]);
  const entries = await withTenantTx(tenant.id, (tx) => tx.journalEntry.findMany({ where: { tenantId: tenant.id, causeType: "payment", causeId: succeeded.id }, select: { id: true } }));
  // DIRECT: a processing refund posts nothing until it succeeds.
  const refundNo = `RF-${tag}-${randomBytes(6).toString("hex").toUpperCase()}`;
  const refund = await createRefund(ctx, { paymentId: succeeded.id, merchantRefundNo: refundNo, amountMinor: 1_004n, reason: `${label} returned goods`, origin: "CONSOLE" });
  expect(refund.status).toBe("PROCESSING");
  expect(entries.length).toBe(succeeded.marginMinor > 0n ? 2 : 1);
  const exception = await withTenantTx(tenant.id, (tx) =>
    openException(tx, ctx, { kind: "RECON_FEE", causeType: "recon_item", causeId: randomUUID(), amountMinor: 7n, businessDate: "2026-01-20", details: { direction: "SHORTAGE", diffType: "FEE", paymentId: succeeded.id } }),
  );
  const both = [succeeded, processing];
  return {
    payments: {
      ids: both.map((p) => p.id),
      succeededId: succeeded.id,
      processingId: processing.id,
      orderNos: both.map((p) => p.merchantOrderNo),
      outTradeNos: both.map((p) => p.outTradeNo),
      channelTradeNos: both.flatMap((p) => (p.channelTradeNo ? [p.channelTradeNo] : [])),
      amountsMinor: [successMinor, payingMinor],
      entryIds: entries.map((x) => x.id),
      marginMinor: succeeded.marginMinor,
      deviceId,
      subject,
      refundId: refund.id,
      refundNo,
      exceptionId: exception.id,
    },
    decisionIds: both.map((p) => p.routingDecisionId),
  };
}

async function buildChannels(tenant: TestTenant, label: string, merchantId: string): Promise<Side["channel"]> {
  const ctx = ownerContext(tenant);
  const tag = label.toUpperCase();
  // Random, so that no other string of the suite contains them.
  const notifySecrets = [`nsec-v1-${randomBytes(12).toString("hex")}`, `nsec-v2-${randomBytes(12).toString("hex")}`];
  const accountName = `${label} Sandbox Pro`;
  const subMchId = `SUBMCH-${tag}-${randomBytes(4).toString("hex").toUpperCase()}`;
  const healthReason = `${label} maintenance window`;
  const notificationEventId = `EVT-${tag}-${randomBytes(6).toString("hex")}`;
  const notificationOutTradeNo = `OTN-${tag}-${randomBytes(6).toString("hex")}`;
  const built = await withTenantTx(tenant.id, async (tx) => {
    const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: tenant.id, channelType: "SANDBOX" }, select: { id: true } });
    const sandboxRegistration = await tx.merchantChannelRegistration.findFirstOrThrow({ where: { tenantId: tenant.id, channelAccountId: sandbox.id, merchantId }, select: { id: true } });
    const account = await createChannelAccount(tx, ctx, { channelType: "SANDBOX", name: accountName, params: {}, credentials: { notifySecret: notifySecrets[0]! }, settings: { priority: 10, costRatePpm: 1500 } });
    await configureChannelAccount(tx, ctx, { id: account.id, params: { feeRatePpm: "5000" }, credentials: { notifySecret: notifySecrets[1]! }, note: `${label} key rotation` });
    const registration = await createRegistration(tx, ctx, { merchantId, channelAccountId: account.id, subMchId, status: "ACTIVE", channelRatePpm: 2800 });
    const feeRule = await saveFeeRule(tx, ctx, { product: "WECHAT_QR", merchantId, feeRatePpm: 2500, fixedMinor: 1n });
    const defaultFeeRule = await tx.feeRule.findFirstOrThrow({ where: { tenantId: tenant.id, product: "WECHAT_QR", merchantId: null }, select: { id: true } });
    const productRule = await saveProductRule(tx, ctx, { product: "ALIPAY_QR", orderType: "CONSUMPTION", merchantId, enabled: false });
    await saveMerchantLimit(tx, ctx, { merchantId, perTxnMaxMinor: 500_000n, dailyAmountCap: 10_000_000n, dailyCountCap: 500 });
    await setChannelHealth(tx, ctx, { id: account.id, state: "PAUSED", reason: healthReason });
    const template = await saveStatementTemplate(tx, ctx, { definition: attackTemplate(`${label} Acquirer CSV`) });
    return { templateId: template.id, templateName: template.name, accountId: account.id, sandboxAccountId: sandbox.id, sandboxRegistrationId: sandboxRegistration.id, registrationId: registration.id, feeRuleId: feeRule.id, defaultFeeRuleId: defaultFeeRule.id, productRuleId: productRule.id };
  });
  // A notification from the channel, signed with the current secret, through the notify endpoint's service.
  const body = JSON.stringify({ eventId: notificationEventId, kind: "PAYMENT", outTradeNo: notificationOutTradeNo, status: "SUCCEEDED", amountMinor: 12345 });
  const notified = await receiveNotification("sandbox", built.accountId, {
    headers: { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(body, notifySecrets[1]!) },
    body,
    receivedAt: new Date(),
  });
  expect(notified).toMatchObject({ accepted: true });
  expect(notified.duplicate).toBeUndefined();
  return { ...built, accountName, notifySecrets, subMchId, healthReason, notificationEventId, notificationOutTradeNo };
}

/** A small delimited template, valid for the sample ATTACK_SAMPLE. */
const attackTemplate = (name: string) => ({
  name,
  encoding: "utf-8",
  layout: { kind: "delimited", delimiter: "," },
  headerLines: 1,
  footerLines: 0,
  columns: { outTradeNo: "order", amount: "amount", kind: { by: "SIGN" } },
  amountUnit: "FEN",
  dateFormat: "YYYY-MM-DD HH:mm:ss",
  signConvention: "REFUNDS_NEGATIVE",
});
const ATTACK_SAMPLE = Buffer.from("order,amount\nOTN-1,100\nOTN-2,-40\n").toString("base64");

const faceRequest = (merchantId: string, amountMinor: bigint, elements: PaymentElement[] = ["FACE_CODE", "DEVICE"]) => ({
  merchantId,
  orderType: "CONSUMPTION" as const,
  product: "WECHAT_FACE" as const,
  amountMinor,
  elements,
});

/** An EXCLUDE rule keeping `merchantId` off `channelAccountId` (the rule JSON routing.saveDraft takes). */
const excludeRule = (id: string, name: string, channelAccountId: string, merchantId: string, order = 1) => ({
  id,
  name,
  enabled: true,
  action: "EXCLUDE",
  targetChannelAccountIds: [channelAccountId],
  conditions: { merchantIds: [merchantId] },
  order,
});

async function buildRouting(tenant: TestTenant, label: string, merchants: Side["merchants"], channel: Side["channel"]): Promise<Side["routing"]> {
  const ctx = ownerContext(tenant);
  const ruleId = `rule-${label.toLowerCase()}-${randomBytes(4).toString("hex")}`;
  const ruleName = `${label} keeps ${label} Noodles off ${channel.accountName}`;
  const deviceId = `DEV-${label.toUpperCase()}-${randomBytes(4).toString("hex").toUpperCase()}`;
  const draft: RuleSetDraft = {
    strategy: "LOWEST_COST",
    fallbackEnabled: true,
    rules: [excludeRule(ruleId, ruleName, channel.accountId, merchants[0]!.id)],
    note: `${label} first draft`,
  };
  return withTenantTx(tenant.id, async (tx) => {
    const saved = await saveDraft(tx, ctx, draft);
    expect(saved.version).toBe(2);
    expect(saved.issues.filter((i) => i.severity === "ERROR")).toEqual([]);
    const onDevice = await decideRoute(tx, ctx, { ...faceRequest(merchants[0]!.id, 12_300n), deviceId });
    const other = await decideRoute(tx, ctx, faceRequest(merchants[1]!.id, 4_560n));
    const noRoute = await decideRoute(tx, ctx, faceRequest(merchants[0]!.id, 7_890n, ["DEVICE"]));
    expect([onDevice, other, noRoute].map((d) => d.decision.outcome)).toEqual(["ROUTED", "ROUTED", "NO_ROUTE"]);
    return { draftVersion: saved.version, draft, ruleIds: [ruleId], ruleNames: [ruleName], decisionIds: [onDevice.decisionId, other.decisionId, noRoute.decisionId], deviceId };
  });
}

type Snapshot = Record<string, unknown[]>;

/** Every table with a tenant_id column, found in pg_catalog so tables added later are covered. */
async function tenantTables(): Promise<string[]> {
  const rows = await ownerQuery<{ name: string }>(
    db.url,
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped)
      ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** Every row the tenant owns, read as the owner (no RLS). Session last_seen_at moves on reads, so it is left out. */
async function snapshotTenant(tenantId: string): Promise<Snapshot> {
  const out: Snapshot = {
    tenant: await ownerQuery(db.url, `SELECT * FROM tenant WHERE id = $1`, [tenantId]),
  };
  for (const table of await tenantTables()) {
    const rows = await ownerQuery(db.url, `SELECT * FROM "${table}" WHERE tenant_id = $1`, [tenantId]);
    const kept = table === "user_session" ? rows.map(({ last_seen_at: _ignored, ...rest }) => rest) : rows;
    out[table] = kept.map((r) => stringify(r)).sort();
  }
  return out;
}

/** Ids of every row the tenant has in `table` (read as the owner). */
async function idsOf(table: string, tenantId: string): Promise<string[]> {
  const rows = await ownerQuery<{ id: string }>(db.url, `SELECT id::text AS id FROM "${table}" WHERE tenant_id = $1`, [tenantId]);
  return rows.map((r) => r.id);
}

/** Row counts of every table in the database, for "nothing at all was written". */
async function countEverything(): Promise<Record<string, number>> {
  const tables = await ownerQuery<{ name: string }>(db.url, `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  const counts: Record<string, number> = {};
  for (const { name } of tables) counts[name] = (await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "${name}"`))[0]!.n;
  return counts;
}

let aBefore: Snapshot;
/** Each side's settlement rows (made in the set-up, before A's snapshot). */
const settlementIds = new Map<string, string[]>();
const SETTLEMENT_DATE = "2026-01-06";
/** The memo-book trades the settlement run settles (a day of its own, apart from LEDGER_DATE's entries). */
const MEMO_DATE = "2026-01-02";
const memoEntryIds = new Map<string, string[]>();
/** Each side's device (issue 7). */
const deviceIds = new Map<string, { id: string; deviceId: string }>();

beforeAll(async () => {
  db = await createTestDatabase("tenancy_attack");
  useTestKeyring();
  const a = await buildSide("acme", "Acme", [
    { date: "2026-03-10", name: "Acme founders day" },
    { date: "2026-05-06", name: "Acme spring day" },
  ], A_ACCOUNT_NUMBER);
  const b = await buildSide("beta", "Beta", [
    { date: "2026-07-15", name: "Beta summer day" },
    { date: "2026-09-09", name: "Beta autumn day" },
  ]);
  // A has a logo and a few more audit entries of its own kinds.
  await withTenantTx(a.tenant.id, async (tx) => {
    await uploadLogo(tx, ownerContext(a.tenant), { dataUrl: PNG });
    await upsertCalendarDay(tx, ownerContext(a.tenant), { date: "2026-03-11", kind: "HOLIDAY", name: "Acme founders day 2" });
  });
  a.calendarDates.push("2026-03-11");
  a.calendarNames.push("Acme founders day 2");
  // A publishes its draft (version 2) and opens another (version 3, with a second A-only rule): B's
  // version 2 is a draft where A's is published, and B has no version 3 at all.
  await withTenantTx(a.tenant.id, async (tx) => {
    const ctx = ownerContext(a.tenant);
    expect(await publishRuleSet(tx, ctx, { version: a.routing.draftVersion })).toEqual({ version: 2 });
    const ruleId = `rule-acme-${randomBytes(4).toString("hex")}`;
    const ruleName = `Acme keeps Acme Tea House off ${a.channel.accountName}`;
    const draft: RuleSetDraft = { ...a.routing.draft, rules: [...a.routing.draft.rules, excludeRule(ruleId, ruleName, a.channel.accountId, a.merchants[1]!.id, 2)], note: "Acme second draft" };
    const saved = await saveDraft(tx, ctx, draft);
    expect(saved.version).toBe(3);
    a.routing = { ...a.routing, draftVersion: saved.version, draft, ruleIds: [...a.routing.ruleIds, ruleId], ruleNames: [...a.routing.ruleNames, ruleName] };
  });

  await createPlatformAdmin({ email: "ops@platform.test", name: "Platform Ops", password: TEST_PASSWORD });
  const { token: platformToken } = await signInPlatformAdmin({ email: "ops@platform.test", password: TEST_PASSWORD }, {});

  const auditIds = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM audit_log WHERE tenant_id = $1`, [a.tenant.id]);
  const channelTables = ["channel_account", "channel_account_version", "merchant_channel_registration", "fee_rule", "product_rule", "channel_health_event", "channel_notification", "statement_template"];
  const aChannelIds = (await Promise.all(channelTables.map((t) => idsOf(t, a.tenant.id)))).flat();
  // Including the sub-merchant ids createTenant's provisioning gave A's merchants at its sandbox account.
  const aSubMchIds = await ownerQuery<{ s: string }>(db.url, `SELECT sub_mch_id AS s FROM merchant_channel_registration WHERE tenant_id = $1 AND sub_mch_id IS NOT NULL`, [a.tenant.id]);
  const aSecrets = [
    a.tenant.id,
    "acme",
    "Acme",
    A_ACCOUNT_NUMBER,
    ...Object.values(a.users).flatMap((u) => [u.id, u.email]),
    ...a.merchants.flatMap((m) => [m.id, m.creditCode, m.storeId, m.storeName]),
    ...a.calendarNames,
    ...auditIds.map((r) => r.id),
    ...Object.values(a.ledger),
    ...aChannelIds,
    ...aSubMchIds.map((r) => r.s),
    ...a.channel.notifySecrets,
    a.channel.accountName,
    a.channel.subMchId,
    a.channel.healthReason,
    a.channel.notificationEventId,
    a.channel.notificationOutTradeNo,
    ...a.routing.ruleIds,
    ...a.routing.ruleNames,
    ...a.routing.decisionIds,
    a.routing.deviceId,
    a.apiKey.id,
    a.apiKey.keyId,
    a.apiKey.secret,
    a.apiKey.label,
    a.webhooks.endpointId,
    a.webhooks.url,
    a.webhooks.secret,
    ...a.webhooks.eventIds,
    ...a.payments.ids,
    ...a.payments.orderNos,
    ...a.payments.outTradeNos,
    ...a.payments.channelTradeNos,
    ...a.payments.entryIds,
    a.payments.deviceId,
    a.payments.refundNo,
    a.payments.refundId,
  ];
  // Settlement: both sides (DIRECT) record what the channel owes each merchant on a working day
  // (each merchant had a trade the day before: a run writes no row for a merchant owed nothing).
  for (const side of [a, b]) {
    const memo: string[] = [];
    for (const m of side.merchants) {
      const posted = await withTenantTx(side.tenant.id, (tx) => postEntry(tx, ownerContext(side.tenant), directMemoPayment(m.id, 9_962n), { businessDate: MEMO_DATE, idempotencyKey: `attack-memo:${m.id}` }));
      memo.push(posted.entryId);
    }
    memoEntryIds.set(side.tenant.id, memo);
    const run = await runSettlement(ownerContext(side.tenant), { date: SETTLEMENT_DATE });
    const made = run.outcomes.map((o) => o.settlementId).filter((id): id is string => id !== null);
    expect(made.length).toBe(side.merchants.length);
    settlementIds.set(side.tenant.id, made);
  }
  aSecrets.push(...settlementIds.get(a.tenant.id)!);
  // Devices (issue 7): each side has an assigned device and a remote configuration version.
  for (const side of [a, b]) {
    await withTenantTx(side.tenant.id, async (tx) => {
      const ctx = ownerContext(side.tenant);
      await importDevices(tx, ctx, { csv: `serialNumber,model\n${side.tenant.slug.toUpperCase()}SN01,${side.tenant.slug}-model\n`, commit: true });
      const d = (await findDevices(tx, ctx, {})).items[0]!;
      await assignDevices(tx, ctx, { ids: [d.id], merchantId: side.merchants[0]!.id, storeId: side.merchants[0]!.storeId, channelAccountId: side.channel.sandboxAccountId });
      await createConfigVersion(tx, ctx, { values: { successText: `${side.tenant.slug} thanks` } });
      deviceIds.set(side.tenant.id, { id: d.id, deviceId: d.deviceId });
    });
  }
  aSecrets.push(deviceIds.get(a.tenant.id)!.id, deviceIds.get(a.tenant.id)!.deviceId, "ACMESN01", "acme-model", "acme thanks");
  env = { a, b, platformToken, aSecrets };
  aBefore = await snapshotTenant(a.tenant.id);
});

afterAll(async () => {
  await db?.drop();
});

// ---------------------------------------------------------------------------------------------
// Helpers

const asB = (role: Role, extra: { origin?: string | null } = {}): Caller => callerAs({ host: env.b.host, session: env.b.tokens[role], ...extra });
const asA = (role: Role): Caller => callerAs({ host: env.a.host, session: env.a.tokens[role] });

/** Fails if anything of tenant A's appears in `value` (ids, emails, names, credit codes, the account number). */
function expectNoLeak(value: unknown, allowed: string[] = []): void {
  const text = stringify(value);
  const leaked = env.aSecrets.filter((s) => !allowed.includes(s) && text.includes(s));
  expect(leaked, `tenant A's data leaked into ${text.slice(0, 400)}`).toEqual([]);
}

/** A tenant's business policies as stored (read as the owner). */
function tenantPolicies(tenantId: string) {
  return ownerQuery<{ shortfall: string; auto: boolean; threshold: string }>(
    db.url,
    `SELECT refund_shortfall_policy::text AS shortfall, auto_refund_late_success AS auto, approval_admin_threshold_minor::text AS threshold FROM tenant WHERE id = $1`,
    [tenantId],
  );
}

async function expectNotFound(call: Promise<unknown>): Promise<void> {
  const r = await outcome(call);
  expect(r.code).toBe("NOT_FOUND");
  if (r.code !== "OK") expectNoLeak({ message: r.error.message, cause: String(r.error.cause) });
}

const ids = (page: unknown) => ((page as { items: Array<{ id: string }> }).items ?? []).map((i) => i.id);

async function bIds(table: string): Promise<string[]> {
  const rows = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM ${table} WHERE tenant_id = $1`, [env.b.tenant.id]);
  return rows.map((r) => r.id);
}

/** B's rule sets as stored (read as the owner), oldest first. */
async function bRuleSets(): Promise<Array<{ version: number; status: string; note: string | null; ruleIds: string[] }>> {
  const rows = await ownerQuery<{ version: number; status: string; note: string | null; rules: Array<{ id: string }> }>(
    db.url,
    `SELECT version, status, note, rules FROM routing_rule_set WHERE tenant_id = $1 ORDER BY version`,
    [env.b.tenant.id],
  );
  return rows.map((r) => ({ version: r.version, status: r.status, note: r.note, ruleIds: r.rules.map((rule) => rule.id) }));
}

/** A's rule sets are byte-for-byte as after the set-up (the final snapshot checks them again). */
async function expectARuleSetsUnchanged(): Promise<void> {
  const rows = await ownerQuery(db.url, `SELECT * FROM routing_rule_set WHERE tenant_id = $1`, [env.a.tenant.id]);
  expect(rows.map((r) => stringify(r)).sort()).toEqual(aBefore.routing_rule_set);
}

/**
 * A draft naming `excluded` (EXCLUDE for A's merchant) and `forced` (FORCE for B's merchant, for
 * bank quick pay, which no sandbox carries): were `forced` an account B could see, validation
 * would warn FORCE_TARGET_LACKS_PRODUCT with its name.
 */
function probeDraft(excluded: string, forced: string) {
  return {
    strategy: "LOWEST_COST" as const,
    fallbackEnabled: true,
    rules: [
      { id: "probe-exclude", name: "Probe exclude", enabled: true, action: "EXCLUDE", targetChannelAccountIds: [excluded], conditions: { merchantIds: [env.a.merchants[0]!.id] }, order: 1 },
      { id: "probe-force", name: "Probe force", enabled: true, action: "FORCE", targetChannelAccountIds: [forced], conditions: { merchantIds: [env.b.merchants[0]!.id], products: ["BANK_QUICK"] }, order: 2 },
    ],
  };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** `value` as JSON with the given ids replaced by placeholders and the per-call fields (time, random draw) left out. */
function normalised(value: unknown, replace: Record<string, string>): unknown {
  let text = stringify(value);
  for (const [id, placeholder] of Object.entries(replace)) text = text.replaceAll(id, placeholder);
  return JSON.parse(text, (k, v: unknown) => (k === "at" || k === "random" ? undefined : v));
}

// ---------------------------------------------------------------------------------------------
// The tables. Every procedure of appRouter must appear in all three.

/** Which gate a procedure sits behind; the sweeps below prove each declaration. */
const rungs: Record<string, Rung> = {
  "account.me": "signedIn",
  "account.changePassword": "signedIn",
  "account.setLocale": "signedIn",
  "dashboard.summary": "console",
  "dashboard.business": "console",
  "platform.me": "platform",
  "platform.findTenants": "platform",
  "platform.createTenant": "platform",
  "platform.suspendTenant": "platform",
  "platform.reopenTenant": "platform",
  "platform.overview": "platform",
  "platform.setPlatformFee": "platform",
  "settings.get": "console",
  "settings.updateBranding": "console",
  "settings.uploadLogo": "console",
  "settings.removeLogo": "console",
  "settings.policies": "console",
  "settings.updatePolicies": "console",
  "audit.find": "console",
  "users.find": "console",
  "users.create": "console",
  "users.changeRole": "console",
  "users.setStatus": "console",
  "users.resetPassword": "console",
  "merchants.find": "console",
  "merchants.get": "console",
  "merchants.create": "console",
  "merchants.update": "console",
  "merchants.archive": "console",
  "merchants.findUsers": "console",
  "merchants.createUser": "console",
  "stores.find": "console",
  "stores.get": "console",
  "stores.create": "console",
  "stores.update": "console",
  "calendar.find": "console",
  "calendar.upsert": "console",
  "calendar.delete": "console",
  "calendar.import": "console",
  "ledger.findAccounts": "console",
  "ledger.chartOfAccounts": "console",
  "ledger.getAccount": "console",
  "ledger.balanceAsOf": "console",
  "ledger.statement": "console",
  "ledger.getEntry": "console",
  "ledger.findEntries": "console",
  "ledger.trialBalance": "console",
  "ledger.businessDays": "console",
  "ledger.closeDay": "console",
  "proposals.find": "console",
  "proposals.get": "console",
  "proposals.create": "console",
  "proposals.decide": "console",
  "proposals.cancel": "console",
  "merchantPortal.profile": "merchant",
  "merchantPortal.stores": "merchant",
  "merchantPortal.payments": "merchant",
  "merchantPortal.payment": "merchant",
  "merchantPortal.balances": "merchant",
  "merchantPortal.settlements": "merchant",
  "merchantPortal.apiKeys": "merchant",
  "merchantPortal.createApiKey": "merchant",
  "merchantPortal.revokeApiKey": "merchant",
  "merchantPortal.webhookEndpoint": "merchant",
  "merchantPortal.saveWebhookEndpoint": "merchant",
  "merchantPortal.rotateWebhookSecret": "merchant",
  "merchantPortal.refunds": "merchant",
  "merchantPortal.refund": "merchant",
  "merchantPortal.devices": "merchant",
  "channels.types": "console",
  "channels.list": "console",
  "channels.get": "console",
  "channels.health": "console",
  "channels.notifications": "console",
  "channels.create": "console",
  "channels.configure": "console",
  "channels.update": "console",
  "channels.setEnabled": "console",
  "channels.setHealth": "console",
  "registrations.find": "console",
  "registrations.create": "console",
  "registrations.update": "console",
  "pricing.feeRules": "console",
  "pricing.saveFeeRule": "console",
  "pricing.deleteFeeRule": "console",
  "pricing.deleteProductRule": "console",
  "pricing.productRules": "console",
  "pricing.saveProductRule": "console",
  "pricing.merchantLimit": "console",
  "pricing.saveMerchantLimit": "console",
  "routing.ruleSets": "console",
  "routing.ruleSet": "console",
  "routing.validate": "console",
  "routing.saveDraft": "console",
  "routing.discardDraft": "console",
  "routing.publish": "console",
  "routing.rollback": "console",
  "routing.dryRun": "console",
  "routing.decisions": "console",
  "routing.decision": "console",
  "routing.preview": "console",
  "routing.issues": "console",
  "routing.offer": "console",
  "apiKeys.list": "console",
  "apiKeys.create": "console",
  "apiKeys.revoke": "console",
  "payments.find": "console",
  "payments.summary": "console",
  "payments.get": "console",
  "payments.transitions": "console",
  "payments.query": "console",
  "payments.createTest": "console",
  // refunds and exceptions
  "payments.refunds": "console",
  "payments.refund": "console",
  "payments.queryRefund": "console",
  "payments.resolveRefund": "console",
  "exceptions.find": "console",
  "exceptions.resolve": "console",
  // statements
  "statements.find": "console",
  "statements.fetches": "console",
  "statements.templates": "console",
  "statements.template": "console",
  "statements.previewTemplate": "console",
  "statements.saveTemplate": "console",
  "statements.proposeSupersede": "console",
  // the exception queue (clearing)
  "exceptionQueue.find": "console",
  "exceptionQueue.get": "console",
  "exceptionQueue.stats": "console",
  "exceptionQueue.transition": "console",
  "exceptionQueue.assign": "console",
  "exceptionQueue.comment": "console",
  "exceptionQueue.propose": "console",
  "exceptionQueue.dayReadiness": "console",
  "exceptionQueue.closeDay": "console",
  "exceptionQueue.setSla": "console",
  "exceptionQueue.sla": "console",
  // wallets and payouts
  "wallets.overview": "console",
  "wallets.find": "console",
  "wallets.get": "console",
  "wallets.movements": "console",
  "wallets.transfers": "console",
  "wallets.payouts.find": "console",
  "wallets.payouts.get": "console",
  "wallets.payouts.cancel": "console",
  "wallets.payouts.query": "console",
  "wallets.payouts.markReturned": "console",
  "wallets.batches.find": "console",
  "wallets.batches.get": "console",
  "wallets.batches.gather": "console",
  "wallets.batches.proposeRelease": "console",
  "wallets.batches.downloadFile": "console",
  "wallets.batches.send": "console",
  // webhooks
  "webhooks.endpoint": "console",
  "webhooks.createEndpoint": "console",
  "webhooks.updateEndpoint": "console",
  "webhooks.rotateSecret": "console",
  "webhooks.find": "console",
  "webhooks.forObject": "console",
  "webhooks.get": "console",
  "webhooks.resend": "console",
  // settlement
  "settlement.find": "console",
  "settlement.get": "console",
  "settlement.totals": "console",
  "settlement.statement": "console",
  "settlement.run": "console",
  "settlement.confirmDirect": "console",
  "settlement.settings": "console",
  "settlement.income": "console",
  "settlement.updateSettings": "console",
  "settlement.policy": "console",
  "settlement.setPolicy": "console",
  // devices
  "devices.overview": "console",
  "devices.find": "console",
  "devices.get": "console",
  "devices.daily": "console",
  "devices.ranking": "console",
  "devices.idle": "console",
  "devices.import": "console",
  "devices.assign": "console",
  "devices.bulkAction": "console",
  "devices.update": "console",
  "devices.rebind": "console",
  "devices.offline": "console",
  "devices.codes": "console",
  "devices.createCode": "console",
  "devices.configs": "console",
  "devices.createConfig": "console",
  "devices.settings": "console",
  "devices.updateSettings": "console",
};

/**
 * The permission a console mutation needs beyond the console rung (server/core/auth/roles.ts).
 * Optional per procedure: every console role outside the permission must get FORBIDDEN (the viewer
 * sweep below covers the viewer for every mutation anyway).
 */
const mutationPermissions: Record<string, Permission> = {
  "channels.create": "channels.manage",
  "channels.configure": "channels.manage",
  "channels.update": "channels.manage",
  "channels.setEnabled": "channels.manage",
  "channels.setHealth": "channels.manage",
  "registrations.create": "registrations.manage",
  "registrations.update": "registrations.manage",
  "pricing.saveFeeRule": "pricing.manage",
  "pricing.deleteFeeRule": "pricing.manage",
  "pricing.deleteProductRule": "pricing.manage",
  "pricing.saveProductRule": "pricing.manage",
  "pricing.saveMerchantLimit": "pricing.manage",
  "routing.saveDraft": "routing.manage",
  "routing.discardDraft": "routing.manage",
  "routing.publish": "routing.manage",
  "routing.rollback": "routing.manage",
  "apiKeys.create": "merchants.write",
  "apiKeys.revoke": "merchants.write",
  "payments.query": "merchants.write",
  "payments.createTest": "merchants.write",
  // refunds and exceptions
  "payments.refund": "refunds.create",
  "payments.queryRefund": "refunds.create",
  "payments.resolveRefund": "refunds.manage",
  "exceptions.resolve": "refunds.manage",
  "exceptionQueue.transition": "recon.import",
  "exceptionQueue.assign": "recon.import",
  "exceptionQueue.comment": "recon.import",
  "exceptionQueue.setSla": "recon.import",
  "statements.previewTemplate": "recon.import",
  "statements.saveTemplate": "recon.import",
  "statements.proposeSupersede": "recon.import",
  "exceptionQueue.propose": "ledger.propose",
  "exceptionQueue.closeDay": "ledger.close",
  // wallets and payouts
  "wallets.payouts.cancel": "payouts.manage",
  "wallets.payouts.query": "payouts.manage",
  "wallets.payouts.markReturned": "payouts.return",
  "wallets.batches.gather": "payouts.manage",
  "wallets.batches.proposeRelease": "payouts.manage",
  "wallets.batches.downloadFile": "payouts.manage",
  "wallets.batches.send": "payouts.manage",
  // webhooks
  "webhooks.createEndpoint": "webhooks.manage",
  "webhooks.updateEndpoint": "webhooks.manage",
  "webhooks.rotateSecret": "webhooks.manage",
  "webhooks.resend": "webhooks.manage",
  // settlement
  "settlement.run": "settlement.run",
  "settlement.confirmDirect": "settlement.run",
  "settlement.updateSettings": "settlement.settings",
  "settlement.setPolicy": "settlement.settings",
  "settings.updatePolicies": "settings.manage",
  "devices.import": "devices.manage",
  "devices.assign": "devices.manage",
  "devices.bulkAction": "devices.manage",
  "devices.update": "devices.manage",
  "devices.rebind": "devices.manage",
  "devices.createCode": "devices.manage",
  "devices.createConfig": "devices.manage",
  "devices.updateSettings": "settings.manage",
};

/**
 * A valid, harmful input aimed at `side`'s own data. The sweeps send these where the gate must
 * refuse: had it let the call through, the side's rows would change and the final check (for A)
 * or the "nothing written" counts would catch it.
 */
const sampleInputs: Record<string, (side: Side) => unknown> = {
  "account.me": () => undefined,
  "account.changePassword": () => ({ currentPassword: TEST_PASSWORD, newPassword: "Hijacked-password-1" }),
  "account.setLocale": () => ({ locale: "zh-CN" }),
  "dashboard.summary": () => undefined,
  "dashboard.business": () => ({ days: 90 }),
  "platform.me": () => undefined,
  "platform.findTenants": () => undefined,
  "platform.createTenant": () => ({ slug: "evil-co", name: "Evil Co", ownerEmail: "boss@evil.test", ownerPassword: TEST_PASSWORD }),
  "platform.suspendTenant": (s) => ({ tenantId: s.tenant.id, reason: "hostile takeover" }),
  "platform.reopenTenant": (s) => ({ tenantId: s.tenant.id, reason: "hostile takeover" }),
  "platform.overview": () => ({ days: 30 }),
  // A 100% fee on the side would invoice it its whole volume.
  "platform.setPlatformFee": (s) => ({ tenantId: s.tenant.id, bps: 10_000, reason: "hostile takeover" }),
  "settings.get": () => undefined,
  "settings.updateBranding": () => ({ ...BRANDING, productName: "Hijacked" }),
  "settings.uploadLogo": () => ({ dataUrl: GIF }),
  "settings.removeLogo": () => undefined,
  "settings.policies": () => undefined,
  // A threshold no proposal reaches (no admin would ever have to approve) and no automatic refunds.
  "settings.updatePolicies": () => ({ approvalAdminThresholdMinor: 99_999_999_999_999_999n, autoRefundLateSuccess: false }),
  "audit.find": () => ({}),
  "users.find": () => ({}),
  "users.create": () => ({ email: "intruder@evil.test", name: "Intruder", role: "ADMIN", password: TEST_PASSWORD }),
  "users.changeRole": (s) => ({ userId: s.users.admin.id, role: "VIEWER" }),
  "users.setStatus": (s) => ({ userId: s.users.admin.id, status: "DISABLED" }),
  "users.resetPassword": (s) => ({ userId: s.users.owner.id, password: "Hijacked-password-1" }),
  "merchants.find": () => ({}),
  "merchants.get": (s) => ({ id: s.merchants[0]!.id }),
  "merchants.create": () => merchantInput("Intruder Mart"),
  "merchants.update": (s) => ({ id: s.merchants[0]!.id, shortName: "Hijacked", settlementAccountNumber: "6222999999999999" }),
  "merchants.archive": (s) => ({ id: s.merchants[0]!.id }),
  "merchants.findUsers": (s) => ({ merchantId: s.merchants[0]!.id }),
  "merchants.createUser": (s) => ({ merchantId: s.merchants[0]!.id, email: "intruder@evil.test", name: "Intruder", role: "MERCHANT_ADMIN", password: TEST_PASSWORD }),
  "stores.find": () => ({}),
  "stores.get": (s) => ({ id: s.merchants[0]!.storeId }),
  "stores.create": (s) => ({ merchantId: s.merchants[0]!.id, name: "Intruder kiosk", address: "1 Evil Street" }),
  "stores.update": (s) => ({ id: s.merchants[0]!.storeId, name: "Hijacked", status: "CLOSED" }),
  "calendar.find": () => ({ from: "2026-01-01", to: "2026-12-31" }),
  "calendar.upsert": (s) => ({ date: s.calendarDates[0]!, kind: "WORKDAY", name: "Hijacked" }),
  "calendar.delete": (s) => ({ date: s.calendarDates[0]! }),
  // An empty file that replaces the year would wipe the side's 2026 calendar.
  "calendar.import": () => ({ csv: "date,kind,name\n", replaceYear: 2026 }),
  "ledger.findAccounts": () => ({}),
  "ledger.chartOfAccounts": () => ({}),
  "ledger.getAccount": (s) => ({ id: s.ledger.bankAccountId }),
  "ledger.balanceAsOf": (s) => ({ accountId: s.ledger.bankAccountId, businessDate: LEDGER_DATE }),
  "ledger.statement": (s) => ({ accountId: s.ledger.bankAccountId }),
  "ledger.getEntry": (s) => ({ id: s.ledger.entryId }),
  "ledger.findEntries": () => ({}),
  "ledger.trialBalance": () => ({}),
  "ledger.businessDays": () => ({ from: "2026-01-01", to: "2026-01-10" }),
  "ledger.closeDay": () => ({ businessDate: LEDGER_DATE }),
  "proposals.find": () => ({}),
  "proposals.get": (s) => ({ id: s.ledger.pendingProposalId }),
  "proposals.create": (s) => ({ kind: "ledger.adjustment", payload: adjustmentPayload(s.ledger.bankAccountId, s.ledger.equityAccountId, "hostile adjustment"), reason: "hostile" }),
  "proposals.decide": (s) => ({ id: s.ledger.pendingProposalId, decision: "APPROVE" }),
  "proposals.cancel": (s) => ({ id: s.ledger.pendingProposalId }),
  "merchantPortal.profile": () => undefined,
  "merchantPortal.stores": () => ({}),
  "merchantPortal.payments": (s) => ({ merchantId: s.merchants[0]!.id }),
  "merchantPortal.payment": (s) => ({ id: s.payments.succeededId }),
  "merchantPortal.balances": () => undefined,
  "merchantPortal.settlements": () => ({}),
  "merchantPortal.apiKeys": () => undefined,
  // A key of the attacker's would sign payments as the merchant.
  "merchantPortal.createApiKey": () => ({ label: "intruder" }),
  "merchantPortal.revokeApiKey": (s) => ({ id: s.apiKey.id }),
  "merchantPortal.webhookEndpoint": () => undefined,
  // The merchant's events would go to the attacker.
  "merchantPortal.saveWebhookEndpoint": () => ({ url: "https://intruder.example/hook" }),
  "merchantPortal.rotateWebhookSecret": () => undefined,
  "merchantPortal.refunds": (s) => ({ id: s.payments.succeededId }),
  // Money back to the payer, out of the merchant's balance.
  "merchantPortal.refund": (s) => ({ paymentId: s.payments.succeededId, amountMinor: 1n }),
  "merchantPortal.devices": () => ({}),
  "channels.types": () => undefined,
  "channels.list": () => undefined,
  "channels.get": (s) => ({ id: s.channel.accountId }),
  "channels.health": (s) => ({ id: s.channel.accountId }),
  "channels.notifications": (s) => ({ channelAccountId: s.channel.accountId }),
  "channels.create": () => ({ channelType: "SANDBOX", name: "Intruder channel", params: {}, credentials: { notifySecret: "intruder-secret" } }),
  // A new credential version with the attacker's secret would let forged notifications verify.
  "channels.configure": (s) => ({ id: s.channel.accountId, params: {}, credentials: { notifySecret: "hijacked-secret" }, note: "hostile" }),
  "channels.update": (s) => ({ id: s.channel.accountId, settings: { priority: 0, costRatePpm: 0, settlementAccountNumber: "6222999999999999" } }),
  "channels.setEnabled": (s) => ({ id: s.channel.accountId, enabled: false, reason: "hostile" }),
  // The side's account is paused by hand: resuming it is a change.
  "channels.setHealth": (s) => ({ id: s.channel.accountId, state: "HEALTHY", reason: "hostile" }),
  "registrations.find": () => ({}),
  // merchants[1] has no registration at the extra account yet.
  "registrations.create": (s) => ({ merchantId: s.merchants[1]!.id, channelAccountId: s.channel.accountId, subMchId: "INTRUDER-SUBMCH", status: "ACTIVE" }),
  "registrations.update": (s) => ({ id: s.channel.registrationId, subMchId: "HIJACKED-SUBMCH", status: "SUSPENDED" }),
  "pricing.feeRules": () => undefined,
  "pricing.saveFeeRule": (s) => ({ product: "WECHAT_QR", merchantId: s.merchants[0]!.id, feeRatePpm: 0 }),
  "pricing.deleteFeeRule": (s) => ({ id: s.channel.feeRuleId }),
  "pricing.deleteProductRule": (s) => ({ id: s.channel.productRuleId }),
  "pricing.productRules": () => undefined,
  "pricing.saveProductRule": (s) => ({ product: "ALIPAY_QR", orderType: "CONSUMPTION", merchantId: s.merchants[0]!.id, enabled: true, minAmountMinor: 1, maxAmountMinor: 999_999_999 }),
  "pricing.merchantLimit": (s) => ({ merchantId: s.merchants[0]!.id }),
  "pricing.saveMerchantLimit": (s) => ({ merchantId: s.merchants[0]!.id, perTxnMaxMinor: null, dailyAmountCap: null, dailyCountCap: null }),
  "routing.ruleSets": () => undefined,
  "routing.ruleSet": () => ({ version: 1 }),
  "routing.validate": (s) => ({ ...s.routing.draft, rules: [] }),
  // An empty draft in place of the side's open one (or a new one) that a publish would make live.
  "routing.saveDraft": () => ({ strategy: "PRIORITY", fallbackEnabled: false, rules: [], note: "hostile" }),
  "routing.discardDraft": (s) => ({ version: s.routing.draftVersion }),
  "routing.publish": (s) => ({ version: s.routing.draftVersion }),
  "routing.rollback": () => ({ version: 1, note: "hostile" }),
  "routing.dryRun": () => ({ days: 7 }),
  "routing.decisions": () => ({}),
  "routing.decision": (s) => ({ id: s.routing.decisionIds[0]! }),
  "routing.preview": (s) => ({ ...faceRequest(s.merchants[0]!.id, 10_000n) }),
  "routing.issues": () => undefined,
  "routing.offer": (s) => ({ merchantId: s.merchants[0]!.id, orderType: "CONSUMPTION", amountMinor: 10_000n }),
  "apiKeys.list": (s) => ({ merchantId: s.merchants[0]!.id }),
  // A key of the attacker's own would let it sign payments as the side's merchant.
  "apiKeys.create": (s) => ({ merchantId: s.merchants[0]!.id, label: "intruder" }),
  "apiKeys.revoke": (s) => ({ id: s.apiKey.id }),
  "payments.find": () => ({}),
  "payments.summary": () => ({}),
  "payments.get": (s) => ({ id: s.payments.succeededId }),
  "payments.transitions": (s) => ({ id: s.payments.succeededId }),
  // Asking the channel would move the side's PROCESSING payment (a transition, perhaps a success).
  "payments.query": (s) => ({ id: s.payments.processingId }),
  // A payment in the side's name, with its routing decision, limits and (on success) ledger entries.
  "payments.createTest": (s) => ({ merchantId: s.merchants[0]!.id, product: "WECHAT_FACE", amountMinor: 10_000n, subject: "hostile" }),
  // refunds and exceptions
  "payments.refunds": (s) => ({ id: s.payments.succeededId }),
  // A refund of the side's payment would send the payer's money back and post the side's ledger.
  "payments.refund": (s) => ({ paymentId: s.payments.succeededId, amountMinor: 100n, reason: "hostile" }),
  // Asking the channel moves the side's processing refund (to ABNORMAL, with an exception).
  "payments.queryRefund": (s) => ({ id: s.payments.refundId }),
  "payments.resolveRefund": (s) => ({ refundId: s.payments.refundId, accountName: "Mallory", accountLast4: "6666", bankName: "Evil Bank", reference: "X-1" }),
  "exceptions.find": () => ({}),
  "exceptions.resolve": (s) => ({ id: s.payments.refundId, resolution: "hostile close" }),
  "statements.find": (s) => ({ channelAccountId: s.channel.accountId }),
  "statements.fetches": () => ({}),
  "statements.templates": () => ({}),
  "statements.template": (s) => ({ id: s.channel.templateId }),
  // No side has a file waiting to supersede another: a file of nobody's.
  "statements.proposeSupersede": () => ({ fileId: "00000000-0000-4000-8000-00000000f11e" }),
  "statements.previewTemplate": () => ({ definition: attackTemplate("hostile preview"), sampleBase64: ATTACK_SAMPLE }),
  // A new version of the side's own template.
  "statements.saveTemplate": (s) => ({ definition: { ...attackTemplate(s.channel.templateName), footerLines: 0, headerLines: 1, encoding: "gbk" }, sampleBase64: ATTACK_SAMPLE }),
  "exceptionQueue.find": (s) => ({ channelAccountId: s.channel.accountId }),
  "exceptionQueue.get": (s) => ({ id: s.payments.exceptionId }),
  "exceptionQueue.stats": () => ({}),
  "exceptionQueue.transition": (s) => ({ id: s.payments.exceptionId, to: "INVESTIGATING" }),
  "exceptionQueue.assign": (s) => ({ ids: [s.payments.exceptionId], assigneeId: s.users.finance.id }),
  "exceptionQueue.comment": (s) => ({ id: s.payments.exceptionId, body: "hostile" }),
  "exceptionQueue.propose": (s) => ({ exceptionId: s.payments.exceptionId, action: "WRITE_OFF", note: "hostile", reason: "hostile write-off" }),
  "exceptionQueue.dayReadiness": () => ({ businessDate: EXCEPTION_CLOSE_DATE }),
  "exceptionQueue.closeDay": () => ({ businessDate: EXCEPTION_CLOSE_DATE }),
  "exceptionQueue.setSla": () => ({ kind: "RECON_AMOUNT", hours: 1 }),
  "exceptionQueue.sla": () => undefined,
  // wallets and payouts (A and B are DIRECT: they have no wallets or payouts, so ids are made up;
  // the CUSTODIAL attacks with real rows are in server/api/wallets-tenancy.int.test.ts)
  "wallets.overview": () => undefined,
  "wallets.find": () => ({}),
  "wallets.get": () => ({ id: WALLETS_PROBE_ID }),
  "wallets.movements": () => ({ id: WALLETS_PROBE_ID }),
  "wallets.transfers": () => ({}),
  "wallets.payouts.find": () => ({}),
  "wallets.payouts.get": () => ({ id: WALLETS_PROBE_ID }),
  "wallets.payouts.cancel": () => ({ id: WALLETS_PROBE_ID, reason: "hostile" }),
  "wallets.payouts.query": () => ({ id: WALLETS_PROBE_ID }),
  "wallets.payouts.markReturned": () => ({ id: WALLETS_PROBE_ID, reason: "hostile" }),
  "wallets.batches.find": () => ({}),
  "wallets.batches.get": () => ({ id: WALLETS_PROBE_ID }),
  "wallets.batches.gather": (s) => ({ channelAccountId: s.channel.sandboxAccountId, delivery: "SEND" }),
  "wallets.batches.proposeRelease": () => ({ batchId: WALLETS_PROBE_ID, reason: "hostile" }),
  "wallets.batches.downloadFile": () => ({ id: WALLETS_PROBE_ID }),
  "wallets.batches.send": () => ({ id: WALLETS_PROBE_ID }),
  // webhooks
  "webhooks.endpoint": (s) => ({ merchantId: s.merchants[0]!.id }),
  // An endpoint of the attacker's would receive the side's merchant's payment events.
  "webhooks.createEndpoint": (s) => ({ merchantId: s.merchants[1]!.id, url: "https://intruder.example/hook" }),
  "webhooks.updateEndpoint": (s) => ({ merchantId: s.merchants[0]!.id, url: "https://intruder.example/hook", enabled: true }),
  // A fresh secret in the attacker's hands would let it forge the side's webhooks.
  "webhooks.rotateSecret": (s) => ({ merchantId: s.merchants[0]!.id }),
  "webhooks.find": () => ({}),
  "webhooks.forObject": (s) => ({ objectId: s.payments.succeededId }),
  "webhooks.get": (s) => ({ id: s.webhooks.eventIds[0]! }),
  // A resend is an HTTP call to the side's merchant and an attempt row.
  "webhooks.resend": (s) => ({ id: s.webhooks.eventIds[0]! }),
  // settlement
  "settlement.find": (s) => ({ merchantId: s.merchants[0]!.id }),
  "settlement.get": (s) => ({ id: settlementIds.get(s.tenant.id)![0]! }),
  "settlement.totals": () => ({ to: "2026-01-31", days: 31 }),
  "settlement.statement": (s) => ({ merchantId: s.merchants[0]!.id, from: "2026-01-01", to: "2026-01-31" }),
  // A run would write the side's settlement rows (and, were it CUSTODIAL, its payouts).
  "settlement.run": (s) => ({ date: "2026-01-07", merchantId: s.merchants[0]!.id }),
  // Confirming posts the side's memo book and may raise its exception.
  "settlement.confirmDirect": (s) => ({ id: settlementIds.get(s.tenant.id)![0]!, channelSettledMinor: 1n }),
  "settlement.settings": (s) => ({ merchantId: s.merchants[0]!.id }),
  "settlement.income": () => ({ month: new Date().toISOString().slice(0, 7), by: "merchant" }),
  // A reserve of 100% would hold back every yuan the side's merchant earns.
  "settlement.updateSettings": (s) => ({ merchantId: s.merchants[0]!.id, settlementCycle: "WEEKLY", reserveRatePpm: 1_000_000, reserveDays: 365 }),
  "settlement.policy": () => undefined,
  // Holding would stop every settlement of the side's merchants with an open difference.
  "settlement.setPolicy": () => ({ holdOnExceptions: true }),
  // devices
  "devices.overview": () => undefined,
  "devices.find": (s) => ({ merchantId: s.merchants[0]!.id }),
  "devices.get": (s) => ({ id: deviceIds.get(s.tenant.id)!.id }),
  "devices.daily": (s) => ({ id: deviceIds.get(s.tenant.id)!.id, from: "2026-01-01", to: "2026-01-31" }),
  "devices.ranking": () => ({ from: "2026-01-01", to: "2026-12-31" }),
  "devices.idle": () => ({ days: 7 }),
  "devices.import": (s) => ({ csv: `serialNumber\n${s.tenant.slug.toUpperCase()}SN01\n`, commit: false }),
  // Taking the side's device would move its payments to another merchant.
  "devices.assign": (s) => ({ ids: [deviceIds.get(s.tenant.id)!.id], merchantId: s.merchants[0]!.id, storeId: s.merchants[0]!.storeId, channelAccountId: s.channel.sandboxAccountId }),
  "devices.bulkAction": (s) => ({ ids: [deviceIds.get(s.tenant.id)!.id], action: "SUSPEND", reason: "hostile" }),
  "devices.update": (s) => ({ id: deviceIds.get(s.tenant.id)!.id, terminalNo: "HOSTILE" }),
  // Rebinding the side's device to the attacker's own account would route its payments there.
  "devices.offline": () => ({}),
  "devices.rebind": (s) => ({ id: deviceIds.get(s.tenant.id)!.id, channelAccountId: s.channel.accountId, reason: "hostile rebind" }),
  "devices.codes": () => undefined,
  // A code for the side's store would let the attacker's device into the side's merchant.
  "devices.createCode": (s) => ({ storeId: s.merchants[0]!.storeId }),
  "devices.configs": () => undefined,
  "devices.createConfig": () => ({ values: { successText: "hostile" } }),
  "devices.settings": () => undefined,
  "devices.updateSettings": () => ({ offlineAfterSeconds: 30, relocationMeters: 50, incentiveMinAmountMinor: 0n }),
};

/** As B's users on B's host, against A's ids. */
const attacks: Record<string, (env: Env) => Promise<void>> = {
  async "account.me"(e) {
    for (const role of ["owner", "viewer", "merchant1"] as const) {
      const me = (await asB(role).account.me()) as { userId: string; tenant: { id: string } };
      expect(me.userId).toBe(e.b.users[role].id);
      expect(me.tenant.id).toBe(e.b.tenant.id);
      expectNoLeak(me);
    }
  },

  async "account.changePassword"(e) {
    // A throwaway B user, since a password change ends that user's sessions. The A owner's id
    // smuggled into the input must be ignored: the user is always the session's.
    const email = "pw-change@beta.test";
    await withTenantTx(e.b.tenant.id, (tx) => createUser(tx, ownerContext(e.b.tenant), { email, name: "Pw", role: "VIEWER", password: TEST_PASSWORD }));
    const token = await signIn(e.b.tenant, email);
    const before = await ownerQuery<{ password_hash: string }>(db.url, `SELECT password_hash FROM app_user WHERE tenant_id = $1 AND email = $2`, [e.b.tenant.id, email]);
    const r = await callerAs({ host: e.b.host, session: token }).account.changePassword({
      currentPassword: TEST_PASSWORD,
      newPassword: "Changed-password-1",
      userId: e.a.users.owner.id,
    } as never);
    expect(r).toEqual({ ok: true });
    const after = await ownerQuery<{ password_hash: string }>(db.url, `SELECT password_hash FROM app_user WHERE tenant_id = $1 AND email = $2`, [e.b.tenant.id, email]);
    expect(after[0]!.password_hash).not.toBe(before[0]!.password_hash);
  },

  async "account.setLocale"(e) {
    await asB("viewer").account.setLocale({ locale: "zh-CN", userId: e.a.users.viewer.id, tenantId: e.a.tenant.id } as never);
    const rows = await ownerQuery<{ locale: string }>(db.url, `SELECT locale FROM app_user WHERE tenant_id = $1 AND id = $2`, [e.b.tenant.id, e.b.users.viewer.id]);
    expect(rows[0]!.locale).toBe("zh-CN");
  },

  async "dashboard.summary"(e) {
    const s = (await asB("owner").dashboard.summary()) as { merchants: number; stores: number; calendarDays: number; recent: Array<{ id: string }> };
    expect(s.merchants).toBe((await bIds("merchant")).length);
    expect(s.stores).toBe((await bIds("store")).length);
    const bDays = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM business_calendar_day WHERE tenant_id = $1`, [e.b.tenant.id]);
    expect(s.calendarDays).toBe(bDays[0]!.n);
    expect(s.recent.length).toBeGreaterThan(0);
    const bAudit = new Set(await bIds("audit_log"));
    expect(s.recent.filter((r) => !bAudit.has(r.id))).toEqual([]);
    expectNoLeak(s);
  },

  async "dashboard.business"(e) {
    const d = await asB("viewer").dashboard.business({ days: 90 });
    // Grouped by B's own accounts and merchants only.
    const bAccounts = new Set(await bIds("channel_account"));
    const bMerchants = new Set(await bIds("merchant"));
    expect(d.byChannel.filter((r) => !bAccounts.has(r.key))).toEqual([]);
    expect(d.topMerchants.filter((r) => !bMerchants.has(r.key))).toEqual([]);
    expectNoLeak(d);
  },
  async "platform.me"() {
    expect(await failureCode(asB("owner").platform.me())).toBe("NOT_FOUND");
  },
  async "platform.findTenants"() {
    expect(await failureCode(asB("owner").platform.findTenants())).toBe("NOT_FOUND");
    // Even a real platform session is refused on a tenant host.
    expect(await failureCode(callerAs({ host: env.b.host, platformSession: env.platformToken }).platform.findTenants())).toBe("NOT_FOUND");
  },
  async "platform.createTenant"() {
    const input = sampleInputs["platform.createTenant"]!(env.a) as never;
    expect(await failureCode(asB("owner").platform.createTenant(input))).toBe("NOT_FOUND");
    expect(await failureCode(callerAs({ host: env.b.host, platformSession: env.platformToken }).platform.createTenant(input))).toBe("NOT_FOUND");
    expect(await ownerQuery(db.url, `SELECT id FROM tenant WHERE slug = 'evil-co'`)).toEqual([]);
  },
  async "platform.suspendTenant"(e) {
    expect(await failureCode(asB("owner").platform.suspendTenant({ tenantId: e.a.tenant.id, reason: "hostile" }))).toBe("NOT_FOUND");
    expect(
      await failureCode(callerAs({ host: e.b.host, session: e.b.tokens.owner, platformSession: e.platformToken }).platform.suspendTenant({ tenantId: e.a.tenant.id, reason: "hostile" })),
    ).toBe("NOT_FOUND");
  },
  async "platform.overview"() {
    expect(await failureCode(asB("owner").platform.overview({ days: 30 }))).toBe("NOT_FOUND");
    expect(await failureCode(callerAs({ host: env.b.host, platformSession: env.platformToken }).platform.overview({ days: 30 }))).toBe("NOT_FOUND");
  },
  async "platform.setPlatformFee"(e) {
    expect(await failureCode(asB("owner").platform.setPlatformFee({ tenantId: e.a.tenant.id, bps: 10_000, reason: "hostile" }))).toBe("NOT_FOUND");
    const [row] = await ownerQuery<{ platform_fee_bps: number }>(db.url, `SELECT platform_fee_bps FROM tenant WHERE id = $1`, [e.a.tenant.id]);
    expect(row!.platform_fee_bps).toBe(0);
  },
  async "platform.reopenTenant"(e) {
    expect(await failureCode(asB("owner").platform.reopenTenant({ tenantId: e.a.tenant.id, reason: "hostile" }))).toBe("NOT_FOUND");
  },

  async "settings.get"(e) {
    const s = (await asB("viewer").settings.get()) as { id: string; slug: string };
    expect(s.id).toBe(e.b.tenant.id);
    expect(s.slug).toBe("beta");
    expectNoLeak(s);
  },
  async "settings.updateBranding"(e) {
    await asB("admin").settings.updateBranding({ ...BRANDING, id: e.a.tenant.id, tenantId: e.a.tenant.id } as never);
    const rows = await ownerQuery<{ branding: { productName: string } }>(db.url, `SELECT branding FROM tenant WHERE id = $1`, [e.b.tenant.id]);
    expect(rows[0]!.branding.productName).toBe("Beta brand");
  },
  async "settings.uploadLogo"(e) {
    await asB("admin").settings.uploadLogo({ dataUrl: GIF, tenantId: e.a.tenant.id } as never);
    const rows = await ownerQuery<{ logo_content_type: string }>(db.url, `SELECT logo_content_type FROM tenant WHERE id = $1`, [e.b.tenant.id]);
    expect(rows[0]!.logo_content_type).toBe("image/gif");
  },
  async "settings.removeLogo"(e) {
    await asB("admin").settings.removeLogo();
    const rows = await ownerQuery<{ logo: Buffer | null }>(db.url, `SELECT logo FROM tenant WHERE id = $1`, [e.b.tenant.id]);
    expect(rows[0]!.logo).toBeNull();
  },
  async "settings.policies"(e) {
    const own = await asB("viewer").settings.policies();
    const [row] = await tenantPolicies(e.b.tenant.id);
    expect(own).toMatchObject({ settlementMode: "DIRECT", refundShortfallPolicy: row!.shortfall, autoRefundLateSuccess: row!.auto, approvalAdminThresholdMinor: BigInt(row!.threshold) });
    expectNoLeak(own);
  },
  async "settings.updatePolicies"(e) {
    // The procedure takes no tenant (an id slipped into the input is dropped): B's owner changes B's policies, never A's.
    const [aPolicies] = await tenantPolicies(e.a.tenant.id);
    const [bPolicies] = await tenantPolicies(e.b.tenant.id);
    await asB("owner").settings.updatePolicies({ tenantId: e.a.tenant.id, id: e.a.tenant.id, approvalAdminThresholdMinor: 1n, autoRefundLateSuccess: !bPolicies!.auto } as never);
    expect(await tenantPolicies(e.a.tenant.id)).toEqual([aPolicies]);
    expect(await tenantPolicies(e.b.tenant.id)).toEqual([{ ...bPolicies, threshold: "1", auto: !bPolicies!.auto }]);
    // B is DIRECT: letting merchants owe a shortfall is refused for it, whatever A's mode.
    expect(await failureCode(asB("owner").settings.updatePolicies({ refundShortfallPolicy: "ALLOW_DEBT" }))).toBe("PRECONDITION_FAILED");
    await asB("owner").settings.updatePolicies({ approvalAdminThresholdMinor: BigInt(bPolicies!.threshold), autoRefundLateSuccess: bPolicies!.auto });
    expect(await tenantPolicies(e.b.tenant.id)).toEqual([bPolicies]);
    expect(await tenantPolicies(e.a.tenant.id)).toEqual([aPolicies]);
  },

  async "audit.find"(e) {
    const b = asB("admin");
    expect(ids(await b.audit.find({ entityId: e.a.merchants[0]!.id }))).toEqual([]);
    expect(ids(await b.audit.find({ actor: e.a.users.owner.email }))).toEqual([]);
    const all = await b.audit.find({ limit: 200 });
    const bAudit = new Set(await bIds("audit_log"));
    expect(ids(all).length).toBeGreaterThan(0);
    expect(ids(all).filter((id) => !bAudit.has(id))).toEqual([]);
    expectNoLeak(all);
    // A cursor made from A's newest audit row still pages through B's rows only.
    const aNewest = (await ownerQuery<{ id: string; created_at: Date }>(db.url, `SELECT id, created_at FROM audit_log WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`, [e.a.tenant.id]))[0]!;
    const cursor = Buffer.from(JSON.stringify([new Date(Date.now() + 60_000).toISOString(), aNewest.id])).toString("base64url");
    const paged = await b.audit.find({ cursor });
    expect(ids(paged).filter((id) => !bAudit.has(id))).toEqual([]);
    expectNoLeak(paged);
  },

  async "users.find"(e) {
    const b = asB("admin");
    expect(ids(await b.users.find({ merchantId: e.a.merchants[0]!.id }))).toEqual([]);
    expect(ids(await b.users.find({ q: "acme" }))).toEqual([]);
    const all = await b.users.find({ limit: 200 });
    const bUsers = new Set(await bIds("app_user"));
    expect(ids(all).length).toBeGreaterThan(5);
    expect(ids(all).filter((id) => !bUsers.has(id))).toEqual([]);
    expectNoLeak(all);
  },
  async "users.create"(e) {
    // The same email as A's owner is free in B (emails are unique per tenant) and says nothing
    // about A; a smuggled tenantId is ignored.
    const u = (await asB("admin").users.create({ email: e.a.users.owner.email, name: "Same email", role: "VIEWER", password: TEST_PASSWORD, tenantId: e.a.tenant.id } as never)) as { id: string };
    const rows = await ownerQuery<{ tenant_id: string }>(db.url, `SELECT tenant_id FROM app_user WHERE id = $1`, [u.id]);
    expect(rows).toEqual([{ tenant_id: e.b.tenant.id }]);
    // "acme" is part of that email. The attacks run in table order, so the finds above ran before this row existed.
    expectNoLeak(u, [e.a.users.owner.email, "acme"]);
  },
  async "users.changeRole"(e) {
    await expectNotFound(asB("owner").users.changeRole({ userId: e.a.users.admin.id, role: "VIEWER" }));
    await expectNotFound(asB("owner").users.changeRole({ userId: e.a.users.owner.id, role: "ADMIN" }));
  },
  async "users.setStatus"(e) {
    await expectNotFound(asB("owner").users.setStatus({ userId: e.a.users.owner.id, status: "DISABLED" }));
    await expectNotFound(asB("owner").users.setStatus({ userId: e.a.users.merchant1.id, status: "DISABLED" }));
  },
  async "users.resetPassword"(e) {
    await expectNotFound(asB("owner").users.resetPassword({ userId: e.a.users.owner.id, password: "Hijacked-password-1" }));
  },

  async "merchants.find"(e) {
    const b = asB("viewer");
    expect(ids(await b.merchants.find({ q: "Acme" }))).toEqual([]);
    expect(ids(await b.merchants.find({ q: e.a.merchants[0]!.creditCode }))).toEqual([]);
    const all = await b.merchants.find({ limit: 200 });
    const bMerchants = new Set(await bIds("merchant"));
    expect(ids(all).length).toBeGreaterThanOrEqual(2);
    expect(ids(all).filter((id) => !bMerchants.has(id))).toEqual([]);
    expectNoLeak(all);
  },
  async "merchants.get"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("viewer").merchants.get({ id: m.id }));
  },
  async "merchants.create"(e) {
    // A's credit code is free in B: no CONFLICT that would reveal A has such a merchant.
    const m = (await asB("operations").merchants.create({ ...merchantInput("Beta Copycat", { creditCode: e.a.merchants[0]!.creditCode }), tenantId: e.a.tenant.id } as never)) as { id: string };
    const rows = await ownerQuery<{ tenant_id: string }>(db.url, `SELECT tenant_id FROM merchant WHERE id = $1`, [m.id]);
    expect(rows).toEqual([{ tenant_id: e.b.tenant.id }]);
    expectNoLeak(m, [e.a.merchants[0]!.creditCode]);
  },
  async "merchants.update"(e) {
    await expectNotFound(asB("operations").merchants.update({ id: e.a.merchants[0]!.id, shortName: "Hijacked", status: "SUSPENDED", settlementAccountNumber: "6222999999999999" }));
  },
  async "merchants.archive"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("operations").merchants.archive({ id: m.id }));
  },
  async "merchants.findUsers"(e) {
    const b = asB("viewer");
    expect(ids(await b.merchants.findUsers({ merchantId: e.a.merchants[0]!.id }))).toEqual([]);
    // Control: the same call for B's merchant does list its user.
    expect(ids(await b.merchants.findUsers({ merchantId: e.b.merchants[0]!.id }))).toEqual([e.b.users.merchant1.id]);
  },
  async "merchants.createUser"(e) {
    await expectNotFound(
      asB("operations").merchants.createUser({ merchantId: e.a.merchants[0]!.id, email: "sneaky@beta.test", name: "Sneaky", role: "MERCHANT_ADMIN", password: TEST_PASSWORD }),
    );
  },

  async "stores.find"(e) {
    const b = asB("viewer");
    expect(ids(await b.stores.find({ merchantId: e.a.merchants[0]!.id }))).toEqual([]);
    expect(ids(await b.stores.find({ q: "Acme" }))).toEqual([]);
    const all = await b.stores.find({ limit: 200 });
    const bStores = new Set(await bIds("store"));
    expect(ids(all).length).toBeGreaterThanOrEqual(2);
    expect(ids(all).filter((id) => !bStores.has(id))).toEqual([]);
    expectNoLeak(all);
  },
  async "stores.get"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("viewer").stores.get({ id: m.storeId }));
  },
  async "stores.create"(e) {
    await expectNotFound(asB("operations").stores.create({ merchantId: e.a.merchants[0]!.id, name: "Trojan kiosk", address: "1 Beta Road" }));
  },
  async "stores.update"(e) {
    await expectNotFound(asB("operations").stores.update({ id: e.a.merchants[0]!.storeId, name: "Hijacked", status: "CLOSED" }));
  },

  async "calendar.find"(e) {
    const days = (await asB("viewer").calendar.find({ from: "2026-01-01", to: "2026-12-31" })) as Array<{ date: string; name: string }>;
    expect(days.map((d) => d.date)).toEqual(expect.arrayContaining(e.b.calendarDates));
    expect(days.filter((d) => e.a.calendarDates.includes(d.date))).toEqual([]);
    expectNoLeak(days);
  },
  async "calendar.upsert"(e) {
    // A has an override on this date; for B it is a new row, not an update of A's.
    const r = await asB("finance").calendar.upsert({ date: e.a.calendarDates[0]!, kind: "WORKDAY", name: "Beta override" });
    expect(r.change).toBe("created");
  },
  async "calendar.delete"(e) {
    await expectNotFound(asB("finance").calendar.delete({ date: e.a.calendarDates[1]! }));
  },
  async "calendar.import"(e) {
    const bDays = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM business_calendar_day WHERE tenant_id = $1 AND date BETWEEN '2026-01-01' AND '2026-12-31'`, [e.b.tenant.id]);
    const r = await asB("finance").calendar.import({ csv: "date,kind,name\n2026-11-11,HOLIDAY,Beta singles day\n", replaceYear: 2026 });
    expect(r).toMatchObject({ inserted: 1, updated: 0, deleted: bDays[0]!.n });
    expect(r.deleted).toBeGreaterThan(0);
  },

  async "ledger.findAccounts"(e) {
    const b = asB("finance");
    const all = (await b.ledger.findAccounts({})) as Array<{ id: string }>;
    const bAccounts = new Set(await bIds("ledger_account"));
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((a) => !bAccounts.has(a.id))).toEqual([]);
    expectNoLeak(all);
    // Per-merchant accounts carry the merchant id in their code.
    expect(await b.ledger.findAccounts({ q: e.a.merchants[0]!.id })).toEqual([]);
  },
  async "ledger.chartOfAccounts"(e) {
    const b = asB("finance");
    const bAccounts = new Set(await bIds("ledger_account"));
    // Every page B gets holds only B's accounts, and paging ends with all of them.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await b.ledger.chartOfAccounts({ cursor, limit: 7 })) as { items: Array<{ id: string }>; nextCursor: string | null };
      expectNoLeak(page);
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.filter((id) => !bAccounts.has(id))).toEqual([]);
    expect(new Set(seen)).toEqual(bAccounts);
    // A's account as the cursor continues nothing of A's (and nothing at all); A's merchant id finds nothing.
    expect(await b.ledger.chartOfAccounts({ cursor: e.a.ledger.bankAccountId })).toEqual({ items: [], nextCursor: null });
    expect(ids(await b.ledger.chartOfAccounts({ q: e.a.merchants[0]!.id }))).toEqual([]);
  },
  async "ledger.getAccount"(e) {
    await expectNotFound(asB("finance").ledger.getAccount({ id: e.a.ledger.bankAccountId }));
  },
  async "ledger.balanceAsOf"(e) {
    const b = asB("finance");
    await expectNotFound(b.ledger.balanceAsOf({ accountId: e.a.ledger.bankAccountId, businessDate: LEDGER_DATE }));
    await expectNotFound(b.ledger.balanceAsOf({ accountId: e.a.ledger.bankAccountId, at: new Date() }));
    // B's own account: what B's trial balance as of the date says (B's postings only), not A's.
    const mine = (await b.ledger.balanceAsOf({ accountId: e.b.ledger.bankAccountId, businessDate: LEDGER_DATE })) as { postedMinor: bigint };
    const tb = (await b.ledger.trialBalance({ asOf: LEDGER_DATE })) as { accounts: Array<{ accountId: string; balanceMinor: bigint }> };
    expect(mine.postedMinor).toBeGreaterThanOrEqual(10000n);
    expect(mine.postedMinor).toBe(tb.accounts.find((a) => a.accountId === e.b.ledger.bankAccountId)?.balanceMinor);
    expectNoLeak(mine);
  },
  async "ledger.statement"(e) {
    await expectNotFound(asB("finance").ledger.statement({ accountId: e.a.ledger.bankAccountId }));
  },
  async "ledger.getEntry"(e) {
    await expectNotFound(asB("finance").ledger.getEntry({ id: e.a.ledger.entryId }));
  },
  async "ledger.findEntries"(e) {
    const b = asB("finance");
    expect(ids(await b.ledger.findEntries({ causeId: e.a.ledger.approvedProposalId }))).toEqual([]);
    // The payment page lists a payment's entries by cause: A's payment has none for B.
    expect(ids(await b.ledger.findEntries({ causeId: e.a.payments.succeededId }))).toEqual([]);
    expect(ids(await b.ledger.findEntries({ causeId: e.b.payments.succeededId })).sort()).toEqual([...e.b.payments.entryIds].sort());
    const all = await b.ledger.findEntries({ limit: 200 });
    expect(ids(all).sort()).toEqual([e.b.ledger.entryId, ...e.b.payments.entryIds, ...memoEntryIds.get(e.b.tenant.id)!].sort());
    expectNoLeak(all);
  },
  async "ledger.trialBalance"(e) {
    const tb = (await asB("finance").ledger.trialBalance({})) as { accounts: Array<{ accountId: string }>; totals: Array<{ book: string; debitMinor: bigint }> };
    const bAccounts = new Set(await bIds("ledger_account"));
    expect(tb.accounts.filter((a) => !bAccounts.has(a.accountId))).toEqual([]);
    // Only B's own adjustment and its payment's margin (DIRECT: the payment itself is in the memo book): A's are not counted.
    expect(tb.totals.find((t) => t.book === "OWN")?.debitMinor).toBe(10000n + e.b.payments.marginMinor);
    expectNoLeak(tb);
  },
  async "ledger.businessDays"(e) {
    const days = (await asB("finance").ledger.businessDays({ from: "2026-01-01", to: "2026-01-10" })) as Array<{ businessDate: string; entries: number }>;
    expect(days.find((d) => d.businessDate === LEDGER_DATE)?.entries).toBe(1);
    expectNoLeak(days);
  },
  async "ledger.closeDay"(e) {
    // Closes B's day; A's same date stays open (the final snapshot checks A's business_day rows).
    const r = await asB("finance").ledger.closeDay({ businessDate: LEDGER_DATE, tenantId: e.a.tenant.id } as never);
    expect(r.status).toBe("CLOSED");
    const aDays = await ownerQuery(db.url, `SELECT 1 FROM business_day WHERE tenant_id = $1`, [e.a.tenant.id]);
    expect(aDays).toEqual([]);
  },
  async "proposals.find"(e) {
    const all = await asB("finance").proposals.find({ limit: 200 });
    const bProposals = new Set(await bIds("proposal"));
    expect(ids(all).length).toBeGreaterThanOrEqual(2);
    expect(ids(all).filter((id) => !bProposals.has(id))).toEqual([]);
    expectNoLeak(all);
  },
  async "proposals.get"(e) {
    await expectNotFound(asB("finance").proposals.get({ id: e.a.ledger.pendingProposalId }));
    await expectNotFound(asB("finance").proposals.get({ id: e.a.ledger.approvedProposalId }));
  },
  async "proposals.create"(e) {
    const before = (await bIds("proposal")).length;
    const b = asB("finance");
    const a = e.a.ledger;
    // Adjusting A's accounts, half of them, or reversing A's entry: A's ids do not exist in B.
    await expectNotFound(b.proposals.create({ kind: "ledger.adjustment", payload: adjustmentPayload(a.bankAccountId, a.equityAccountId, "steal"), reason: "hostile" }));
    await expectNotFound(b.proposals.create({ kind: "ledger.adjustment", payload: adjustmentPayload(e.b.ledger.bankAccountId, a.equityAccountId, "steal"), reason: "hostile" }));
    await expectNotFound(b.proposals.create({ kind: "ledger.reversal", payload: { entryId: a.entryId, businessDate: "2026-01-08", description: "undo A" }, reason: "hostile" }));
    expect((await bIds("proposal")).length).toBe(before);
  },
  async "proposals.decide"(e) {
    await expectNotFound(asB("admin").proposals.decide({ id: e.a.ledger.pendingProposalId, decision: "APPROVE" }));
    await expectNotFound(asB("owner").proposals.decide({ id: e.a.ledger.pendingProposalId, decision: "REJECT", note: "no" }));
  },
  async "proposals.cancel"(e) {
    await expectNotFound(asB("owner").proposals.cancel({ id: e.a.ledger.pendingProposalId }));
  },

  async "merchantPortal.profile"(e) {
    const p1 = (await asB("merchant1").merchantPortal.profile()) as { id: string };
    const p2 = (await asB("merchant2").merchantPortal.profile()) as { id: string };
    expect(p1.id).toBe(e.b.merchants[0]!.id);
    expect(p2.id).toBe(e.b.merchants[1]!.id);
    expectNoLeak([p1, p2]);
  },
  async "merchantPortal.stores"(e) {
    // The merchant comes from the session; a merchantId in the input (A's, or B's other one) is ignored.
    for (const target of [e.a.merchants[0]!.id, e.b.merchants[1]!.id]) {
      const page = (await asB("merchant1").merchantPortal.stores({ merchantId: target } as never)) as { items: Array<{ merchantId: string }> };
      expect(page.items.length).toBeGreaterThan(0);
      expect(page.items.filter((s) => s.merchantId !== e.b.merchants[0]!.id)).toEqual([]);
      expectNoLeak(page);
    }
  },

  async "merchantPortal.payments"(e) {
    // merchant2 (B's merchants[1]) never sees merchants[0]'s payments, whatever merchantId it sends.
    for (const target of [e.a.merchants[0]!.id, e.b.merchants[0]!.id]) {
      const page = await asB("merchant2").merchantPortal.payments({ merchantId: target });
      expect(page.items.filter((p) => e.b.payments.ids.includes(p.id))).toEqual([]);
      expectNoLeak(page);
    }
    const own = await asB("merchant1").merchantPortal.payments({ merchantId: e.a.merchants[0]!.id });
    expect(own.items.map((p) => p.id)).toEqual(expect.arrayContaining(e.b.payments.ids));
    // The provider's cost and margin and its channel account are not the merchant's to see.
    expect(own.items.flatMap((p) => Object.keys(p)).filter((k) => /cost|margin|channelAccount/i.test(k))).toEqual([]);
    expectNoLeak(own);
  },
  async "merchantPortal.payment"(e) {
    for (const id of e.a.payments.ids) await expectNotFound(asB("merchant1").merchantPortal.payment({ id }));
    for (const id of e.b.payments.ids) await expectNotFound(asB("merchant2").merchantPortal.payment({ id }));
    const own = await asB("merchant1").merchantPortal.payment({ id: e.b.payments.succeededId });
    expect(own.id).toBe(e.b.payments.succeededId);
    expect(Object.keys(own).filter((k) => /cost|margin|channelAccount|routing|registration/i.test(k))).toEqual([]);
    expectNoLeak(own);
  },
  async "merchantPortal.balances"() {
    const b = await asB("merchant2").merchantPortal.balances({ merchantId: env.a.merchants[0]!.id } as never);
    expect(b.mode).toBe("DIRECT");
    expectNoLeak(b);
  },
  async "merchantPortal.settlements"(e) {
    for (const [role, i] of [["merchant1", 0], ["merchant2", 1]] as const) {
      const page = await asB(role).merchantPortal.settlements({ merchantId: e.a.merchants[0]!.id } as never);
      expect(page.items.length).toBeGreaterThan(0);
      expect(page.items.filter((s) => s.merchantId !== e.b.merchants[i]!.id)).toEqual([]);
      expectNoLeak(page);
    }
  },
  async "merchantPortal.apiKeys"(e) {
    expect((await asB("merchant2").merchantPortal.apiKeys()).map((k) => k.id)).not.toContain(e.b.apiKey.id);
    const own = await asB("merchant1").merchantPortal.apiKeys();
    expect(own.map((k) => k.id)).toContain(e.b.apiKey.id);
    expect(stringify(own)).not.toContain(e.b.apiKey.secret);
    expectNoLeak(own);
  },
  async "merchantPortal.createApiKey"(e) {
    // Staff may not make keys; an administrator's key is always for its own merchant.
    expect(await failureCode(asB("merchant2").merchantPortal.createApiKey({ label: "staff key" }))).toBe("FORBIDDEN");
    const key = await asB("merchant1").merchantPortal.createApiKey({ label: "portal key", merchantId: e.a.merchants[0]!.id } as never);
    const rows = await ownerQuery<{ tenant_id: string; merchant_id: string }>(db.url, `SELECT tenant_id, merchant_id FROM merchant_api_key WHERE id = $1`, [key.id]);
    expect(rows).toEqual([{ tenant_id: e.b.tenant.id, merchant_id: e.b.merchants[0]!.id }]);
    expectNoLeak(key);
  },
  async "merchantPortal.revokeApiKey"(e) {
    await expectNotFound(asB("merchant1").merchantPortal.revokeApiKey({ id: e.a.apiKey.id }));
    expect(await failureCode(asB("merchant2").merchantPortal.revokeApiKey({ id: e.b.apiKey.id }))).toBe("FORBIDDEN");
    const [row] = await ownerQuery<{ status: string }>(db.url, `SELECT status FROM merchant_api_key WHERE id = $1`, [e.b.apiKey.id]);
    expect(row!.status).toBe("ACTIVE");
  },

  async "merchantPortal.webhookEndpoint"(e) {
    const own = await asB("merchant1").merchantPortal.webhookEndpoint({ merchantId: e.a.merchants[0]!.id } as never);
    expect(own?.id).toBe(e.b.webhooks.endpointId);
    expect(stringify(own)).not.toContain(e.b.webhooks.secret);
    const other = await asB("merchant2").merchantPortal.webhookEndpoint();
    expect(other?.id).not.toBe(e.b.webhooks.endpointId);
    expectNoLeak([own, other]);
  },
  async "merchantPortal.saveWebhookEndpoint"(e) {
    expect(await failureCode(asB("merchant2").merchantPortal.saveWebhookEndpoint({ url: "https://staff.example/hook" }))).toBe("FORBIDDEN");
    // An administrator's change is to its own merchant's endpoint, whatever merchantId it smuggles (same URL: other attacks use it).
    const saved = await asB("merchant1").merchantPortal.saveWebhookEndpoint({ url: e.b.webhooks.url, merchantId: e.a.merchants[0]!.id } as never);
    expect(saved.id).toBe(e.b.webhooks.endpointId);
    const rows = await ownerQuery<{ tenant_id: string; merchant_id: string }>(db.url, `SELECT tenant_id, merchant_id FROM webhook_endpoint WHERE id = $1`, [saved.id]);
    expect(rows).toEqual([{ tenant_id: e.b.tenant.id, merchant_id: e.b.merchants[0]!.id }]);
    expectNoLeak(saved);
  },
  async "merchantPortal.refunds"(e) {
    for (const id of e.a.payments.ids) await expectNotFound(asB("merchant1").merchantPortal.refunds({ id }));
    // Another merchant's payment in the same tenant: not found for merchant 2.
    for (const id of e.b.payments.ids) await expectNotFound(asB("merchant2").merchantPortal.refunds({ id }));
    const own = await asB("merchant1").merchantPortal.refunds({ id: e.b.payments.succeededId });
    expect(own.length).toBeGreaterThan(0);
    // The provider's figures stay with the provider.
    expect(Object.keys(own[0]!)).not.toContain("costReturnedMinor");
    expect(Object.keys(own[0]!)).not.toContain("marginClawbackMinor");
    expectNoLeak(own);
  },
  async "merchantPortal.refund"(e) {
    const before = await countEverything();
    // Staff may not refund; the administrator may not refund another tenant's payment (nor name another merchant).
    expect(await failureCode(asB("merchant2").merchantPortal.refund({ paymentId: e.b.payments.succeededId, amountMinor: 1n }))).toBe("FORBIDDEN");
    for (const id of e.a.payments.ids) await expectNotFound(asB("merchant1").merchantPortal.refund({ paymentId: id, amountMinor: 1n, merchantId: e.a.merchants[0]!.id } as never));
    expect(await countEverything()).toEqual(before);
    // The administrator's own payment: refunded through the channel, recorded as a portal refund.
    const own = await asB("merchant1").merchantPortal.refund({ paymentId: e.b.payments.succeededId, amountMinor: 3n, reason: "portal" });
    expect(own.status).toBe("SUCCEEDED");
    expect(Object.keys(own)).not.toContain("marginClawbackMinor");
    const [row] = await ownerQuery<{ origin: string; merchant_id: string }>(db.url, `SELECT origin, merchant_id FROM refund WHERE id = $1`, [own.id]);
    expect(row).toEqual({ origin: "PORTAL", merchant_id: e.b.merchants[0]!.id });
  },
  async "merchantPortal.devices"(e) {
    const own = await asB("merchant1").merchantPortal.devices({ merchantId: e.a.merchants[0]!.id } as never);
    expect(own.items.map((d) => d.id)).toEqual([deviceIds.get(e.b.tenant.id)!.id]);
    expect(Object.keys(own.items[0]!)).not.toContain("channelAccountId");
    expectNoLeak(own);
    // Merchant 2 has no device: none of merchant 1's.
    expect((await asB("merchant2").merchantPortal.devices({})).items).toEqual([]);
  },
  async "merchantPortal.rotateWebhookSecret"() {
    expect(await failureCode(asB("merchant2").merchantPortal.rotateWebhookSecret())).toBe("FORBIDDEN");
  },

  async "channels.types"() {
    const types = (await asB("viewer").channels.types()) as Array<{ type: string }>;
    expect(types.map((t) => t.type)).toContain("SANDBOX");
    expectNoLeak(types);
  },
  async "channels.list"(e) {
    const list = (await asB("viewer").channels.list()) as Array<{ id: string; _count: { registrations: number } }>;
    const bAccounts = new Set(await bIds("channel_account"));
    expect(list.map((a) => a.id).sort()).toEqual([e.b.channel.sandboxAccountId, e.b.channel.accountId].sort());
    expect(list.filter((a) => !bAccounts.has(a.id))).toEqual([]);
    // Registration counts are B's own.
    for (const account of list) {
      const n = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM merchant_channel_registration WHERE tenant_id = $1 AND channel_account_id = $2`, [e.b.tenant.id, account.id]);
      expect(account._count.registrations).toBe(n[0]!.n);
    }
    expectNoLeak(list);
  },
  async "channels.get"(e) {
    for (const id of [e.a.channel.accountId, e.a.channel.sandboxAccountId]) await expectNotFound(asB("owner").channels.get({ id }));
    // Control: B's own account is there, with its two versions.
    const own = (await asB("viewer").channels.get({ id: e.b.channel.accountId })) as { versions: unknown[] };
    expect(own.versions.length).toBe(2);
    expectNoLeak(own);
  },
  async "channels.health"(e) {
    for (const id of [e.a.channel.accountId, e.a.channel.sandboxAccountId]) await expectNotFound(asB("owner").channels.health({ id }));
    const own = (await asB("viewer").channels.health({ id: e.b.channel.accountId })) as { state: string; events: Array<{ id: string }> };
    expect(own.state).toBe("PAUSED");
    const bEvents = new Set(await bIds("channel_health_event"));
    expect(own.events.length).toBeGreaterThan(0);
    expect(own.events.filter((ev) => !bEvents.has(ev.id))).toEqual([]);
    expectNoLeak(own);
  },
  async "channels.notifications"(e) {
    const b = asB("viewer");
    expect(await b.channels.notifications({ channelAccountId: e.a.channel.accountId })).toEqual([]);
    expect(await b.channels.notifications({ channelAccountId: e.a.channel.sandboxAccountId })).toEqual([]);
    const all = (await b.channels.notifications({ limit: 200 })) as Array<{ id: string; eventId: string | null }>;
    const bNotifications = new Set(await bIds("channel_notification"));
    expect(all.map((n) => n.eventId)).toEqual([e.b.channel.notificationEventId]);
    expect(all.filter((n) => !bNotifications.has(n.id))).toEqual([]);
    expectNoLeak(all);
  },
  async "channels.create"(e) {
    // A smuggled tenant id is ignored: the account is B's.
    const input = { channelType: "SANDBOX", name: "Beta extra", params: {}, credentials: {}, tenantId: e.a.tenant.id } as never;
    const created = (await asB("admin").channels.create(input)) as { id: string };
    const rows = await ownerQuery<{ tenant_id: string }>(db.url, `SELECT tenant_id FROM channel_account WHERE id = $1`, [created.id]);
    expect(rows).toEqual([{ tenant_id: e.b.tenant.id }]);
    expectNoLeak(created);
  },
  async "channels.configure"(e) {
    for (const id of [e.a.channel.accountId, e.a.channel.sandboxAccountId]) {
      await expectNotFound(asB("admin").channels.configure({ id, params: {}, credentials: { notifySecret: "hijacked-secret" }, note: "hostile" }));
    }
  },
  async "channels.update"(e) {
    await expectNotFound(asB("admin").channels.update({ id: e.a.channel.accountId, settings: { priority: 0, costRatePpm: 0, settlementAccountNumber: "6222999999999999" } }));
  },
  async "channels.setEnabled"(e) {
    for (const id of [e.a.channel.accountId, e.a.channel.sandboxAccountId]) await expectNotFound(asB("admin").channels.setEnabled({ id, enabled: false, reason: "hostile" }));
  },
  async "channels.setHealth"(e) {
    // Resuming A's manually paused account, or pausing A's healthy one.
    await expectNotFound(asB("admin").channels.setHealth({ id: e.a.channel.accountId, state: "HEALTHY", reason: "hostile" }));
    await expectNotFound(asB("admin").channels.setHealth({ id: e.a.channel.sandboxAccountId, state: "PAUSED", reason: "hostile" }));
  },

  async "registrations.find"(e) {
    const b = asB("viewer");
    expect(ids(await b.registrations.find({ merchantId: e.a.merchants[0]!.id }))).toEqual([]);
    expect(ids(await b.registrations.find({ channelAccountId: e.a.channel.accountId }))).toEqual([]);
    expect(ids(await b.registrations.find({ channelAccountId: e.a.channel.sandboxAccountId }))).toEqual([]);
    const all = await b.registrations.find({ limit: 200 });
    const bRegistrations = new Set(await bIds("merchant_channel_registration"));
    expect(ids(all)).toContain(e.b.channel.registrationId);
    expect(ids(all).filter((id) => !bRegistrations.has(id))).toEqual([]);
    expectNoLeak(all);
  },
  async "registrations.create"(e) {
    const before = (await bIds("merchant_channel_registration")).length;
    const b = asB("operations");
    const [aM, bM] = [e.a.merchants[1]!, e.b.merchants[1]!];
    // A's merchant at B's account, B's merchant at A's account, A's at A's, B's merchant with A's store.
    await expectNotFound(b.registrations.create({ merchantId: aM.id, channelAccountId: e.b.channel.accountId, subMchId: "X1", status: "ACTIVE" }));
    await expectNotFound(b.registrations.create({ merchantId: bM.id, channelAccountId: e.a.channel.accountId, subMchId: "X2", status: "ACTIVE" }));
    await expectNotFound(b.registrations.create({ merchantId: aM.id, channelAccountId: e.a.channel.accountId, subMchId: "X3", status: "ACTIVE" }));
    await expectNotFound(b.registrations.create({ merchantId: bM.id, storeId: aM.storeId, channelAccountId: e.b.channel.accountId, subMchId: "X4", status: "ACTIVE" }));
    expect((await bIds("merchant_channel_registration")).length).toBe(before);
  },
  async "registrations.update"(e) {
    for (const id of [e.a.channel.registrationId, e.a.channel.sandboxRegistrationId]) {
      await expectNotFound(asB("operations").registrations.update({ id, subMchId: "HIJACKED-SUBMCH", status: "SUSPENDED" }));
    }
  },

  async "pricing.feeRules"(e) {
    const rules = (await asB("viewer").pricing.feeRules()) as Array<{ id: string; merchantId: string | null }>;
    const bRules = new Set(await bIds("fee_rule"));
    expect(rules.map((r) => r.id)).toContain(e.b.channel.feeRuleId);
    expect(rules.filter((r) => !bRules.has(r.id))).toEqual([]);
    expect(rules.filter((r) => r.merchantId !== null && !e.b.merchants.some((m) => m.id === r.merchantId))).toEqual([]);
    expectNoLeak(rules);
  },
  async "pricing.saveFeeRule"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("admin").pricing.saveFeeRule({ product: "WECHAT_QR", merchantId: m.id, feeRatePpm: 0 }));
  },
  async "pricing.deleteFeeRule"(e) {
    // Had B seen A's default rule it would get PRECONDITION (defaults cannot be deleted), not NOT_FOUND.
    for (const id of [e.a.channel.feeRuleId, e.a.channel.defaultFeeRuleId]) await expectNotFound(asB("admin").pricing.deleteFeeRule({ id }));
  },
  async "pricing.deleteProductRule"(e) {
    await expectNotFound(asB("admin").pricing.deleteProductRule({ id: e.a.channel.productRuleId }));
    expect(await ownerQuery(db.url, `SELECT 1 FROM product_rule WHERE id = $1`, [e.a.channel.productRuleId])).toHaveLength(1);
  },
  async "pricing.productRules"(e) {
    const rules = (await asB("viewer").pricing.productRules()) as Array<{ id: string; merchantId: string | null }>;
    const bRules = new Set(await bIds("product_rule"));
    expect(rules.map((r) => r.id)).toContain(e.b.channel.productRuleId);
    expect(rules.filter((r) => !bRules.has(r.id))).toEqual([]);
    expectNoLeak(rules);
  },
  async "pricing.saveProductRule"(e) {
    for (const m of e.a.merchants) {
      await expectNotFound(asB("admin").pricing.saveProductRule({ product: "ALIPAY_QR", orderType: "CONSUMPTION", merchantId: m.id, enabled: true }));
    }
  },
  async "pricing.merchantLimit"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("viewer").pricing.merchantLimit({ merchantId: m.id }));
    // Control: B's merchant has its own limit.
    const own = (await asB("viewer").pricing.merchantLimit({ merchantId: e.b.merchants[0]!.id })) as { merchantId: string } | null;
    expect(own?.merchantId).toBe(e.b.merchants[0]!.id);
    expectNoLeak(own);
  },
  async "pricing.saveMerchantLimit"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("admin").pricing.saveMerchantLimit({ merchantId: m.id, perTxnMaxMinor: 1n, dailyCountCap: 1 }));
    expect(await ownerQuery(db.url, `SELECT 1 FROM merchant_limit WHERE tenant_id = $1 AND merchant_id = $2`, [e.b.tenant.id, e.a.merchants[1]!.id])).toEqual([]);
  },

  // Rule sets are numbered per tenant: at first A has 1 SUPERSEDED, 2 PUBLISHED, 3 DRAFT and B has
  // 1 PUBLISHED, 2 DRAFT. The attacks below walk B through discard, publish and rollback by number;
  // every step changes B's rows only.
  async "routing.ruleSets"(e) {
    const sets = (await asB("viewer").routing.ruleSets()) as Array<{ tenantId: string; version: number; status: string; rules: Array<{ id: string }> }>;
    expect(sets.map((r) => [r.version, r.status])).toEqual([
      [2, "DRAFT"],
      [1, "PUBLISHED"],
    ]);
    expect(sets.filter((r) => r.tenantId !== e.b.tenant.id)).toEqual([]);
    expect(sets.flatMap((r) => r.rules.map((rule) => rule.id))).toEqual(e.b.routing.ruleIds);
    expectNoLeak(sets);
  },
  async "routing.ruleSet"(e) {
    const b = asB("viewer");
    // A's open draft's number: B has no such version.
    expect(e.a.routing.draftVersion).toBe(3);
    await expectNotFound(b.routing.ruleSet({ version: e.a.routing.draftVersion }));
    // Version 2 is A's published set and B's own draft: B gets its own.
    const own = (await b.routing.ruleSet({ version: 2 })) as { tenantId: string; status: string; note: string; rules: Array<{ id: string; name: string }> };
    expect([own.tenantId, own.status, own.note]).toEqual([e.b.tenant.id, "DRAFT", "Beta first draft"]);
    expect(own.rules.map((r) => [r.id, r.name])).toEqual([[e.b.routing.ruleIds[0], e.b.routing.ruleNames[0]]]);
    expectNoLeak(own);
  },
  async "routing.validate"(e) {
    const b = asB("viewer");
    const [aExtra, aSandbox] = [e.a.channel.accountId, e.a.channel.sandboxAccountId];
    type Issue = { code: string; severity: string; path: string; message: string };
    // A's accounts as targets are unknown accounts in B, reported exactly as ids that exist nowhere.
    const issues = (await b.routing.validate(probeDraft(aSandbox, aExtra))) as Issue[];
    expect(issues.filter((i) => i.severity === "ERROR").map((i) => [i.code, i.path])).toEqual([
      ["UNKNOWN_CHANNEL_ACCOUNT", "ruleSet.rules[0].targetChannelAccountIds[0]"],
      ["UNKNOWN_CHANNEL_ACCOUNT", "ruleSet.rules[1].targetChannelAccountIds[0]"],
    ]);
    expect(issues.map((i) => i.code)).not.toContain("FORCE_TARGET_LACKS_PRODUCT");
    const [x, y] = [randomUUID(), randomUUID()];
    const nowhere = (await b.routing.validate(probeDraft(x, y))) as Issue[];
    expect(normalised(issues, { [aSandbox]: "<excluded>", [aExtra]: "<forced>" })).toEqual(normalised(nowhere, { [x]: "<excluded>", [y]: "<forced>" }));
    // The ids B sent come back in the messages; nothing else of A's (A's account names least of all).
    expect(stringify(issues)).not.toContain(e.a.channel.accountName);
    expectNoLeak(issues, [aExtra, aSandbox, e.a.merchants[0]!.id]);
    // Control: aimed at B's own accounts the probe finds them, and the warning names B's account.
    const own = (await b.routing.validate(probeDraft(e.b.channel.sandboxAccountId, e.b.channel.accountId))) as Issue[];
    expect(own.filter((i) => i.severity === "ERROR")).toEqual([]);
    expect(own.find((i) => i.code === "FORCE_TARGET_LACKS_PRODUCT")?.message).toContain(e.b.channel.accountName);
  },
  async "routing.saveDraft"(e) {
    const b = asB("admin");
    const before = await bRuleSets();
    const r = await outcome(b.routing.saveDraft(probeDraft(e.a.channel.sandboxAccountId, e.a.channel.accountId)));
    expect(r.code).toBe("BAD_REQUEST");
    if (r.code !== "OK") {
      expect(r.error.cause).toMatchObject({ code: "RULE_SET_INVALID", params: { count: 2 } });
      expect(r.error.message).toContain("names channel account");
      expect(r.error.message).not.toContain(e.a.channel.accountName);
      expectNoLeak({ message: r.error.message, cause: r.error.cause }, [e.a.channel.sandboxAccountId, e.a.channel.accountId]);
    }
    expect(await bRuleSets()).toEqual(before);
    // B's own draft, with A's tenant id and A's draft version smuggled in, replaces B's version 2.
    const saved = await b.routing.saveDraft({ ...e.b.routing.draft, note: "Beta resaved", tenantId: e.a.tenant.id, version: e.a.routing.draftVersion } as never);
    expect(saved).toMatchObject({ version: 2 });
    expectNoLeak(saved);
    expect(await bRuleSets()).toEqual([
      { version: 1, status: "PUBLISHED", note: "default", ruleIds: [] },
      { version: 2, status: "DRAFT", note: "Beta resaved", ruleIds: e.b.routing.ruleIds },
    ]);
    await expectARuleSetsUnchanged();
  },
  async "routing.discardDraft"(e) {
    const b = asB("admin");
    await expectNotFound(b.routing.discardDraft({ version: e.a.routing.draftVersion }));
    // Version 2: B's draft is discarded, A's published version 2 stays.
    expect(await b.routing.discardDraft({ version: 2 })).toEqual({ version: 2 });
    expect((await bRuleSets()).map((r) => [r.version, r.status])).toEqual([[1, "PUBLISHED"]]);
    await expectARuleSetsUnchanged();
    // B opens its draft again (version 2 once more) for the attacks below.
    expect(await b.routing.saveDraft({ ...e.b.routing.draft, rules: [...e.b.routing.draft.rules] })).toMatchObject({ version: 2 });
  },
  async "routing.publish"(e) {
    const b = asB("admin");
    // A's open draft is not B's to publish.
    await expectNotFound(b.routing.publish({ version: e.a.routing.draftVersion }));
    expect(await b.routing.publish({ version: 2 })).toEqual({ version: 2 });
    expect((await bRuleSets()).map((r) => [r.version, r.status, r.ruleIds])).toEqual([
      [1, "SUPERSEDED", []],
      [2, "PUBLISHED", e.b.routing.ruleIds],
    ]);
    await expectARuleSetsUnchanged();
  },
  async "routing.rollback"(e) {
    const b = asB("admin");
    await expectNotFound(b.routing.rollback({ version: e.a.routing.draftVersion, note: "hostile" }));
    // Rolling back to version 2 copies B's version 2 (B's rule), not A's (A's rule), as B's version 3.
    expect(await b.routing.rollback({ version: 2, note: "Beta republished" })).toEqual({ version: 3 });
    expect((await bRuleSets()).map((r) => [r.version, r.status, r.ruleIds])).toEqual([
      [1, "SUPERSEDED", []],
      [2, "SUPERSEDED", e.b.routing.ruleIds],
      [3, "PUBLISHED", e.b.routing.ruleIds],
    ]);
    expect((await bRuleSets())[2]!.note).toBe("Beta republished");
    // A's version 3 is still A's open draft.
    await expectARuleSetsUnchanged();
  },
  async "routing.dryRun"(e) {
    const b = asB("viewer");
    const bDecisions = await bIds("routing_decision");
    expect(bDecisions.sort()).toEqual([...e.b.routing.decisionIds].sort());
    const bAccounts = new Set(await bIds("channel_account"));
    const probe = probeDraft(e.a.channel.sandboxAccountId, e.a.channel.accountId);
    // B's published set, B's version 3 (A's open draft's number) and a draft aimed at A's accounts.
    for (const input of [{ days: 7 }, { days: 90, version: e.a.routing.draftVersion }, { days: 7, draft: probe }]) {
      const report = await b.routing.dryRun(input);
      expect(report.requests, stringify(input)).toBe(bDecisions.length);
      expect(report.errors).toEqual([]);
      expect(report.currentVersion).toBe(3);
      expect(report.overall.accounts.length).toBeGreaterThan(0);
      expect(report.overall.accounts.filter((a) => !bAccounts.has(a.channelAccountId))).toEqual([]);
      expect(report.byRule.filter((r) => ![...e.b.routing.ruleIds, "probe-exclude", "probe-force"].includes(r.ruleId))).toEqual([]);
      expect(report.newlyNoRoute.filter((n) => !bDecisions.includes(n.historyId))).toEqual([]);
      expectNoLeak(report, "draft" in input ? [e.a.channel.sandboxAccountId, e.a.channel.accountId, e.a.merchants[0]!.id] : []);
    }
  },
  async "routing.decisions"(e) {
    const b = asB("viewer");
    const all = (await b.routing.decisions({ limit: 200 })) as Array<{ id: string; deviceId: string | null; merchantId: string }>;
    expect(all.map((d) => d.id).sort()).toEqual([...e.b.routing.decisionIds].sort());
    expect(all.map((d) => d.deviceId)).toContain(e.b.routing.deviceId);
    expect(all.filter((d) => !e.b.merchants.some((m) => m.id === d.merchantId))).toEqual([]);
    expectNoLeak(all);
    const noRoute = (await b.routing.decisions({ outcome: "NO_ROUTE" })) as Array<{ id: string }>;
    expect(noRoute.map((d) => d.id)).toEqual([e.b.routing.decisionIds[2]]);
  },
  async "routing.decision"(e) {
    for (const id of e.a.routing.decisionIds) await expectNotFound(asB("viewer").routing.decision({ id }));
    // Control: B's own decision on its device.
    const own = (await asB("viewer").routing.decision({ id: e.b.routing.decisionIds[0]! })) as { id: string; deviceId: string; tenantId: string };
    expect([own.id, own.deviceId, own.tenantId]).toEqual([e.b.routing.decisionIds[0], e.b.routing.deviceId, e.b.tenant.id]);
    expectNoLeak(own);
  },
  async "routing.preview"(e) {
    // The preview does not look the merchant up: in B's configuration A's merchant simply has no
    // registration, so NO_ROUTE / NO_REGISTRATION, exactly as for a merchant id that exists nowhere.
    type Preview = { decision: { outcome: string; reason?: { code: string }; chosen?: { channelAccountId: string }; trace: { candidates: unknown[] } } };
    const b = asB("viewer");
    const ask = (merchantId: string, storeId?: string) => b.routing.preview({ ...faceRequest(merchantId, 10_000n), ...(storeId ? { storeId } : {}) }) as Promise<Preview>;
    const nowhere = randomUUID();
    const blank = await ask(nowhere);
    for (const m of e.a.merchants) {
      const r = await ask(m.id);
      expect(r.decision.outcome).toBe("NO_ROUTE");
      expect(r.decision.reason?.code).toBe("NO_REGISTRATION");
      expect(r.decision.trace.candidates).toEqual([]);
      expect(normalised(r, { [m.id]: "<merchant>" })).toEqual(normalised(blank, { [nowhere]: "<merchant>" }));
      expectNoLeak(r, [m.id]);
    }
    // B's merchant at A's store: the same as at a store that exists nowhere (B's registrations cover every store).
    const atAStore = await ask(e.b.merchants[0]!.id, e.a.merchants[0]!.storeId);
    const atNoStore = await ask(e.b.merchants[0]!.id, nowhere);
    expect(atAStore.decision.outcome).toBe("ROUTED");
    expect(normalised(atAStore, { [e.a.merchants[0]!.storeId]: "<store>" })).toEqual(normalised(atNoStore, { [nowhere]: "<store>" }));
    expectNoLeak(atAStore, [e.a.merchants[0]!.storeId]);
    // Control: B's merchant routes to B's sandbox (B's extra account is paused).
    const own = await ask(e.b.merchants[0]!.id);
    expect(own.decision.chosen?.channelAccountId).toBe(e.b.channel.sandboxAccountId);
    expectNoLeak(own);
  },
  async "routing.issues"(e) {
    // DIRECT mode: B's merchant fee rule disagrees with B's registration rates. Every id the issues
    // name is B's (A's identical fee rule and registrations do not show up).
    const issues = await asB("viewer").routing.issues();
    // The rule's 0.25% against the sandbox's 0.38% and the extra account's 0.28%, and its fixed part.
    const own = issues.filter((i) => i.params.feeRuleId === e.b.channel.feeRuleId).map((i) => [i.code, i.params.channelRatePpm ?? null]);
    expect(own.sort()).toEqual([
      ["DIRECT_FEE_EXTRA_COMPONENT", null],
      ["DIRECT_FEE_RATE_MISMATCH", 2800],
      ["DIRECT_FEE_RATE_MISMATCH", 3800],
    ]);
    const bOwn = new Set((await Promise.all(["channel_account", "merchant_channel_registration", "merchant", "store", "fee_rule", "product_rule"].map((t) => bIds(t)))).flat());
    const named = stringify(issues).match(UUID) ?? [];
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((id) => !bOwn.has(id))).toEqual([]);
    expectNoLeak(issues);
  },
  async "routing.offer"(e) {
    const b = asB("viewer");
    const ask = (merchantId: string) => b.routing.offer({ merchantId, orderType: "CONSUMPTION", amountMinor: 10_000n });
    const blank = await ask(randomUUID());
    expect(blank.offered).toEqual([]);
    expect(blank.notOffered.length).toBeGreaterThan(0);
    expect(blank.notOffered.filter((p) => p.code !== "NO_REGISTRATION")).toEqual([]);
    // A's merchants are merchants nobody registered, in B: nothing offered, for the same reasons.
    for (const m of e.a.merchants) expect(await ask(m.id)).toEqual(blank);
    // Control: B's merchant is offered face payments.
    const own = await ask(e.b.merchants[0]!.id);
    expect(own.offered.map((p) => p.product)).toContain("WECHAT_FACE");
    expectNoLeak(own);
  },

  async "apiKeys.list"(e) {
    const b = asB("operations");
    expect(await b.apiKeys.list({ merchantId: e.a.merchants[0]!.id })).toEqual([]);
    const all = await b.apiKeys.list({});
    const bKeys = new Set(await bIds("merchant_api_key"));
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((k) => !bKeys.has(k.id))).toEqual([]);
    // Control: B's own key is listed, without its secret.
    expect(all.map((k) => k.keyId)).toContain(e.b.apiKey.keyId);
    expect(stringify(all)).not.toContain(e.b.apiKey.secret);
    expectNoLeak(all);
  },
  async "apiKeys.create"(e) {
    // A key for A's merchant would sign A's payments: A's merchant does not exist for B.
    for (const m of e.a.merchants) await expectNotFound(asB("operations").apiKeys.create({ merchantId: m.id, label: "sneaky" }));
    // A smuggled tenantId is ignored: the key is B's, for B's merchant.
    const own = await asB("operations").apiKeys.create({ merchantId: e.b.merchants[1]!.id, label: "Beta second", tenantId: e.a.tenant.id } as never);
    const rows = await ownerQuery<{ tenant_id: string; merchant_id: string }>(db.url, `SELECT tenant_id, merchant_id FROM merchant_api_key WHERE id = $1`, [own.id]);
    expect(rows).toEqual([{ tenant_id: e.b.tenant.id, merchant_id: e.b.merchants[1]!.id }]);
    expect(own.secret).toMatch(/^sk_/);
    expectNoLeak(own);
  },
  async "apiKeys.revoke"(e) {
    await expectNotFound(asB("admin").apiKeys.revoke({ id: e.a.apiKey.id }));
    const rows = await ownerQuery<{ status: string }>(db.url, `SELECT status FROM merchant_api_key WHERE id = $1`, [e.a.apiKey.id]);
    expect(rows).toEqual([{ status: "ACTIVE" }]);
  },

  // The payments run last: payments.createTest adds a payment (and a routing decision) to B.
  async "payments.find"(e) {
    const b = asB("viewer");
    const a0 = e.a.merchants[0]!;
    // Filters naming A's merchant, store, channel account, order number or device find nothing.
    for (const filter of [{ merchantId: a0.id }, { storeId: a0.storeId }, { channelAccountId: e.a.channel.sandboxAccountId }, { merchantOrderNo: e.a.payments.orderNos[0]! }, { deviceId: e.a.payments.deviceId }]) {
      expect(ids(await b.payments.find(filter)), stringify(filter)).toEqual([]);
    }
    const all = await b.payments.find({ limit: 500 });
    expect(ids(all).sort()).toEqual([...e.b.payments.ids].sort());
    expect(all.items.map((p) => [p.merchantName, p.storeName])).toEqual(all.items.map(() => [e.b.merchants[0]!.shortName, e.b.merchants[0]!.storeName]));
    expectNoLeak(all);
    // A cursor made from A's newest payment still pages through B's rows only.
    const aNewest = (await ownerQuery<{ id: string }>(db.url, `SELECT id FROM payment WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`, [e.a.tenant.id]))[0]!;
    const cursor = Buffer.from(JSON.stringify([new Date(Date.now() + 60_000).toISOString(), aNewest.id])).toString("base64url");
    const paged = await b.payments.find({ cursor, limit: 1 });
    expect(ids(paged).length).toBe(1);
    expect(ids(paged).filter((id) => !e.b.payments.ids.includes(id))).toEqual([]);
    expectNoLeak(paged);
    // Control: B's own filters work (its order number, its device).
    expect(ids(await b.payments.find({ merchantOrderNo: e.b.payments.orderNos[0]! }))).toEqual([e.b.payments.succeededId]);
    expect(ids(await b.payments.find({ deviceId: e.b.payments.deviceId, status: "PROCESSING" }))).toEqual([e.b.payments.processingId]);
  },
  async "payments.summary"(e) {
    const b = asB("viewer");
    const a0 = e.a.merchants[0]!;
    for (const filter of [{ merchantId: a0.id }, { storeId: a0.storeId }, { channelAccountId: e.a.channel.sandboxAccountId }, { deviceId: e.a.payments.deviceId }]) {
      expect(await b.payments.summary(filter), stringify(filter)).toEqual({ byStatus: [], count: 0 });
    }
    // B's amounts only (A's differ, so any of A's would change the sums).
    const own = await b.payments.summary({});
    const [success, paying] = e.b.payments.amountsMinor;
    expect(own.byStatus.map((r) => [r.status, r.count, r.amountMinor])).toEqual([
      ["PROCESSING", 1, paying],
      ["SUCCEEDED", 1, success],
    ]);
    expect(own.count).toBe(2);
    expectNoLeak(own);
  },
  async "payments.get"(e) {
    for (const id of e.a.payments.ids) await expectNotFound(asB("viewer").payments.get({ id }));
    // Control: B's own payment with the names of its merchant, store and channel account.
    const own = await asB("viewer").payments.get({ id: e.b.payments.succeededId });
    expect([own.id, own.status, own.merchantName, own.storeName, own.channelAccountId]).toEqual([
      e.b.payments.succeededId,
      "SUCCEEDED",
      e.b.merchants[0]!.shortName,
      e.b.merchants[0]!.storeName,
      e.b.channel.sandboxAccountId,
    ]);
    expectNoLeak(own);
  },
  async "payments.transitions"(e) {
    for (const id of e.a.payments.ids) await expectNotFound(asB("viewer").payments.transitions({ id }));
    const own = await asB("viewer").payments.transitions({ id: e.b.payments.succeededId });
    expect(own.map((x) => [x.fromStatus, x.toStatus, x.cause])).toEqual([
      [null, "PROCESSING", "CREATED"],
      ["PROCESSING", "SUCCEEDED", "CHANNEL_RESPONSE"],
    ]);
    expect(own[1]!.exchanges.map((x) => x.operation)).toEqual(["pay"]);
    expectNoLeak(own);
  },
  async "payments.query"(e) {
    // A's PROCESSING payment (and its success) are not B's to ask about: nothing reaches the
    // channel, and the final snapshot shows A's payment still PROCESSING with no new transition.
    for (const id of e.a.payments.ids) await expectNotFound(asB("operations").payments.query({ id }));
    await expectNotFound(asB("owner").payments.query({ id: e.a.payments.processingId }));
    // Control: B's own "user paying" payment is asked about (the sandbox settles it on the second query).
    const first = await asB("operations").payments.query({ id: e.b.payments.processingId });
    expect(first.status).toBe("PROCESSING");
    const second = await asB("operations").payments.query({ id: e.b.payments.processingId });
    expect(second.status).toBe("SUCCEEDED");
    expectNoLeak([first, second]);
  },
  async "payments.createTest"(e) {
    const b = asB("operations");
    const input = { product: "WECHAT_FACE" as const, amountMinor: 3_300n, subject: "Beta test" };
    const before = await bIds("payment");
    const decisionsBefore = await bIds("routing_decision");
    // A's merchants do not exist for B, and B's merchant at A's store is a store B does not have.
    for (const m of e.a.merchants) await expectNotFound(b.payments.createTest({ ...input, merchantId: m.id }));
    await expectNotFound(b.payments.createTest({ ...input, merchantId: e.b.merchants[0]!.id, storeId: e.a.merchants[0]!.storeId }));
    expect(await bIds("payment")).toEqual(before);
    expect((await bIds("routing_decision")).sort()).toEqual(decisionsBefore.sort());
    // A smuggled tenantId is ignored: the payment is B's, for B's merchant, through B's sandbox.
    const own = await b.payments.createTest({ ...input, merchantId: e.b.merchants[1]!.id, tenantId: e.a.tenant.id } as never);
    expect(own.status).toBe("SUCCEEDED");
    expect(own.merchantOrderNo).toMatch(/^TEST-\d{8}-[0-9A-F]{8}$/);
    const rows = await ownerQuery<{ tenant_id: string; merchant_id: string; channel_account_id: string }>(db.url, `SELECT tenant_id, merchant_id, channel_account_id FROM payment WHERE id = $1`, [own.id]);
    expect(rows).toEqual([{ tenant_id: e.b.tenant.id, merchant_id: e.b.merchants[1]!.id, channel_account_id: e.b.channel.sandboxAccountId }]);
    expectNoLeak(own);
  },
  // refunds and exceptions
  async "payments.refunds"(e) {
    for (const id of e.a.payments.ids) await expectNotFound(asB("viewer").payments.refunds({ id }));
    const own = await asB("viewer").payments.refunds({ id: e.b.payments.succeededId });
    expect(own.map((r) => r.id)).toContain(e.b.payments.refundId);
    expectNoLeak(own);
  },
  async "payments.refund"(e) {
    const before = await bIds("refund");
    for (const id of e.a.payments.ids) await expectNotFound(asB("operations").payments.refund({ paymentId: id, amountMinor: 100n, reason: "not ours" }));
    expect(await bIds("refund")).toEqual(before);
    // Control: B refunds its own payment (succeeds at once on the sandbox).
    const own = await asB("operations").payments.refund({ paymentId: e.b.payments.succeededId, amountMinor: 100n, reason: "Beta control", tenantId: e.a.tenant.id } as never);
    expect(own).toMatchObject({ status: "SUCCEEDED", paymentId: e.b.payments.succeededId });
    expectNoLeak(own);
  },
  async "payments.queryRefund"(e) {
    await expectNotFound(asB("operations").payments.queryRefund({ id: e.a.payments.refundId }));
    await expectNotFound(asB("owner").payments.queryRefund({ id: e.a.payments.succeededId }));
  },
  async "payments.resolveRefund"(e) {
    const input = { accountName: "Mallory", accountLast4: "6666", bankName: "Evil Bank", reference: "X-1" };
    await expectNotFound(asB("finance").payments.resolveRefund({ refundId: e.a.payments.refundId, ...input }));
    // B's own processing refund is not ABNORMAL: refused as such (the gate let it through).
    const r = await outcome(asB("finance").payments.resolveRefund({ refundId: e.b.payments.refundId, ...input }));
    expect(r.code).toBe("PRECONDITION_FAILED");
  },
  async "exceptions.find"(e) {
    const page = await asB("viewer").exceptions.find({});
    for (const item of page.items) expect(item.id).not.toBe(e.a.payments.refundId);
    expectNoLeak(page);
  },
  async "exceptions.resolve"(e) {
    await expectNotFound(asB("finance").exceptions.resolve({ id: e.a.payments.refundId, resolution: "not ours to close" }));
  },
  // statements
  async "statements.find"(e) {
    // A's channel account names no files for B; B's own list holds only B's (none in this suite).
    expect(await asB("viewer").statements.find({ channelAccountId: e.a.channel.accountId })).toEqual({ items: [], nextCursor: null });
    const own = await asB("viewer").statements.find({});
    for (const f of own.items) expect(f.channelAccountId).not.toBe(e.a.channel.accountId);
    expectNoLeak(own);
  },
  async "statements.fetches"(e) {
    // A's tries are A's: B sees only its own (none).
    await ownerQuery(db.url, `INSERT INTO statement_fetch_attempt (tenant_id, channel_account_id, bill_date, outcome, detail) VALUES ($1, $2, current_date - 1, 'NOT_AVAILABLE', 'A secret')`, [e.a.tenant.id, e.a.channel.accountId]);
    const seen = await asB("viewer").statements.fetches({});
    expect(seen.every((f) => f.channelAccountId !== e.a.channel.accountId)).toBe(true);
    expectNoLeak(seen);
    await ownerQuery(db.url, `DELETE FROM statement_fetch_attempt WHERE tenant_id = $1`, [e.a.tenant.id]);
  },
  async "statements.templates"(e) {
    const own = await asB("viewer").statements.templates();
    expect(own.map((t) => t.name)).toEqual([e.b.channel.templateName]);
    expectNoLeak(own);
  },
  async "statements.template"(e) {
    await expectNotFound(asB("viewer").statements.template({ id: e.a.channel.templateId }));
  },
  async "statements.proposeSupersede"(e) {
    // A's file waiting to replace A's statement of a day: B cannot propose it, and it stays without a proposal.
    const [file] = await ownerQuery<{ id: string }>(
      db.url,
      `INSERT INTO statement_file (tenant_id, channel_account_id, bill_date, bill_type, format, content_hash, file_name, byte_size, line_count, declared_count, declared_amount_minor, status, source, imported_by)
       VALUES ($1, $2, '2026-01-02', 'ALL', 'WECHAT_TRADE_BILL', repeat('b', 64), 'a.csv', 1, 0, 0, 0, 'PENDING_SUPERSEDE', 'CLI', 'attack') RETURNING id`,
      [e.a.tenant.id, e.a.channel.accountId],
    );
    await expectNotFound(asB("finance").statements.proposeSupersede({ fileId: file!.id }));
    expect(await ownerQuery(db.url, `SELECT proposal_id FROM statement_file WHERE id = $1`, [file!.id])).toEqual([{ proposal_id: null }]);
    await ownerQuery(db.url, `DELETE FROM statement_file WHERE id = $1`, [file!.id]);
  },
  async "statements.previewTemplate"() {
    // Reads nothing stored: B's preview of its own sample is B's computation.
    const p = await asB("finance").statements.previewTemplate({ definition: attackTemplate("hostile preview"), sampleBase64: ATTACK_SAMPLE });
    expect(p.computed).toMatchObject({ count: 2, amountMinor: 60n });
    expectNoLeak(p);
  },
  async "statements.saveTemplate"(e) {
    // A template of the same name as A's is B's own version 1 (names are per tenant); A's stays at 1.
    const saved = await asB("finance").statements.saveTemplate({ definition: attackTemplate(e.a.channel.templateName), sampleBase64: ATTACK_SAMPLE });
    expect(saved.version).toBe(1);
    expect(await ownerQuery(db.url, `SELECT version FROM statement_template WHERE tenant_id = $1`, [e.a.tenant.id])).toEqual([{ version: 1 }]);
    await ownerQuery(db.url, `DELETE FROM statement_template WHERE id = $1`, [saved.id]);
  },
  // the exception queue
  async "exceptionQueue.find"(e) {
    expect((await asB("viewer").exceptionQueue.find({ channelAccountId: e.a.channel.accountId, status: "ACTIVE" })).items).toEqual([]);
    const own = await asB("viewer").exceptionQueue.find({});
    expect(own.items.map((i) => i.id)).toEqual([e.b.payments.exceptionId]);
    expectNoLeak(own);
  },
  async "exceptionQueue.get"(e) {
    await expectNotFound(asB("viewer").exceptionQueue.get({ id: e.a.payments.exceptionId }));
    expectNoLeak(await asB("viewer").exceptionQueue.get({ id: e.b.payments.exceptionId }));
  },
  async "exceptionQueue.stats"() {
    const stats = await asB("viewer").exceptionQueue.stats({});
    expect(stats.openCount).toBe(1);
    expectNoLeak(stats);
  },
  async "exceptionQueue.transition"(e) {
    await expectNotFound(asB("finance").exceptionQueue.transition({ id: e.a.payments.exceptionId, to: "INVESTIGATING" }));
  },
  async "exceptionQueue.assign"(e) {
    await expectNotFound(asB("finance").exceptionQueue.assign({ ids: [e.a.payments.exceptionId], assigneeId: e.b.users.finance.id }));
    // A's user is no assignee for B, even on B's own exception.
    expect((await outcome(asB("finance").exceptionQueue.assign({ ids: [e.b.payments.exceptionId], assigneeId: e.a.users.finance.id }))).code).toBe("BAD_REQUEST");
  },
  async "exceptionQueue.comment"(e) {
    await expectNotFound(asB("finance").exceptionQueue.comment({ id: e.a.payments.exceptionId, body: "not ours" }));
  },
  async "exceptionQueue.propose"(e) {
    await expectNotFound(asB("finance").exceptionQueue.propose({ exceptionId: e.a.payments.exceptionId, action: "WRITE_OFF", note: "not ours", reason: "not ours to write off" }));
    await expectNotFound(asB("finance").exceptionQueue.propose({ exceptionId: e.a.payments.exceptionId, action: "ACCEPT_OURS", note: "not ours", evidence: "none", reason: "not ours" }));
    await expectNotFound(asB("finance").exceptionQueue.propose({ exceptionId: e.a.payments.exceptionId, action: "REFUND_CUSTOMER", note: "not ours", reason: "refund A's payer" }));
  },
  async "exceptionQueue.dayReadiness"() {
    expect(await asB("viewer").exceptionQueue.dayReadiness({ businessDate: EXCEPTION_CLOSE_DATE })).toEqual([]);
  },
  async "exceptionQueue.closeDay"(e) {
    expect((await asB("finance").exceptionQueue.closeDay({ businessDate: EXCEPTION_CLOSE_DATE })).status).toBe("CLOSED");
    expect(await ownerQuery(db.url, `SELECT 1 FROM business_day WHERE tenant_id = $1 AND business_date = $2`, [e.a.tenant.id, EXCEPTION_CLOSE_DATE])).toEqual([]);
  },
  async "exceptionQueue.sla"(e) {
    await ownerQuery(db.url, `INSERT INTO exception_sla (tenant_id, kind, hours) VALUES ($1, 'RECON_FEE', 7) ON CONFLICT DO NOTHING`, [e.a.tenant.id]);
    const seen = await asB("viewer").exceptionQueue.sla();
    expect(seen.find((r) => r.kind === "RECON_FEE")).toMatchObject({ hours: 120, custom: false });
    await ownerQuery(db.url, `DELETE FROM exception_sla WHERE tenant_id = $1 AND kind = 'RECON_FEE'`, [e.a.tenant.id]);
  },
  async "exceptionQueue.setSla"(e) {
    expect((await asB("finance").exceptionQueue.setSla({ kind: "RECON_AMOUNT", hours: 2 })).RECON_AMOUNT).toBe(2);
    expect(await ownerQuery(db.url, `SELECT 1 FROM exception_sla WHERE tenant_id = $1`, [e.a.tenant.id])).toEqual([]);
  },
  // wallets and payouts: B is DIRECT, so every one of these is refused before anything is read,
  // whatever ids it names (A's merchant, A's sandbox account); the overview says B's own mode.
  async "wallets.overview"() {
    const o = await asB("viewer").wallets.overview();
    expect(o).toEqual({ settlementMode: "DIRECT", payoutChannelAccounts: [], heldCount: 0, heldMinor: 0n });
    expectNoLeak(o);
  },
  async "wallets.find"(e) {
    await expectDirectRefusal(asB("viewer").wallets.find({ merchantId: e.a.merchants[0]!.id }));
  },
  async "wallets.get"() {
    await expectDirectRefusal(asB("viewer").wallets.get({ id: WALLETS_PROBE_ID }));
  },
  async "wallets.movements"() {
    await expectDirectRefusal(asB("viewer").wallets.movements({ id: WALLETS_PROBE_ID }));
  },
  async "wallets.transfers"(e) {
    await expectDirectRefusal(asB("viewer").wallets.transfers({ merchantId: e.a.merchants[0]!.id }));
  },
  async "wallets.payouts.find"(e) {
    await expectDirectRefusal(asB("viewer").wallets.payouts.find({ merchantId: e.a.merchants[0]!.id }));
  },
  async "wallets.payouts.get"() {
    await expectDirectRefusal(asB("viewer").wallets.payouts.get({ id: WALLETS_PROBE_ID }));
  },
  async "wallets.payouts.cancel"() {
    await expectDirectRefusal(asB("operations").wallets.payouts.cancel({ id: WALLETS_PROBE_ID, reason: "not ours" }));
  },
  async "wallets.payouts.query"() {
    await expectDirectRefusal(asB("operations").wallets.payouts.query({ id: WALLETS_PROBE_ID }));
  },
  async "wallets.payouts.markReturned"() {
    await expectDirectRefusal(asB("finance").wallets.payouts.markReturned({ id: WALLETS_PROBE_ID, reason: "not ours" }));
  },
  async "wallets.batches.find"() {
    await expectDirectRefusal(asB("viewer").wallets.batches.find({}));
  },
  async "wallets.batches.get"() {
    await expectDirectRefusal(asB("viewer").wallets.batches.get({ id: WALLETS_PROBE_ID }));
  },
  async "wallets.batches.gather"(e) {
    await expectDirectRefusal(asB("finance").wallets.batches.gather({ channelAccountId: e.a.channel.sandboxAccountId }));
  },
  async "wallets.batches.proposeRelease"() {
    await expectDirectRefusal(asB("finance").wallets.batches.proposeRelease({ batchId: WALLETS_PROBE_ID, reason: "not ours" }));
  },
  async "wallets.batches.downloadFile"() {
    await expectDirectRefusal(asB("finance").wallets.batches.downloadFile({ id: WALLETS_PROBE_ID }));
  },
  async "wallets.batches.send"() {
    await expectDirectRefusal(asB("finance").wallets.batches.send({ id: WALLETS_PROBE_ID }));
  },
  // webhooks
  async "webhooks.endpoint"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("viewer").webhooks.endpoint({ merchantId: m.id }));
    // Control: B's own endpoint, without its secret.
    const own = await asB("viewer").webhooks.endpoint({ merchantId: e.b.merchants[0]!.id });
    expect([own?.id, own?.url, own?.enabled]).toEqual([e.b.webhooks.endpointId, e.b.webhooks.url, true]);
    expect(stringify(own)).not.toContain(e.b.webhooks.secret);
    expectNoLeak(own);
  },
  async "webhooks.createEndpoint"(e) {
    // An endpoint for A's merchant would receive A's events: A's merchants do not exist for B.
    for (const m of e.a.merchants) await expectNotFound(asB("operations").webhooks.createEndpoint({ merchantId: m.id, url: "https://sneaky.example/hook" }));
    // A smuggled tenantId is ignored: the endpoint is B's, for B's merchant.
    const own = await asB("operations").webhooks.createEndpoint({ merchantId: e.b.merchants[1]!.id, url: "https://beta-second.example/hook", tenantId: e.a.tenant.id } as never);
    const rows = await ownerQuery<{ tenant_id: string; merchant_id: string }>(db.url, `SELECT tenant_id, merchant_id FROM webhook_endpoint WHERE id = $1`, [own.id]);
    expect(rows).toEqual([{ tenant_id: e.b.tenant.id, merchant_id: e.b.merchants[1]!.id }]);
    expect(own.secret).toMatch(/^whsec_/);
    expectNoLeak(own);
  },
  async "webhooks.updateEndpoint"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("admin").webhooks.updateEndpoint({ merchantId: m.id, url: "https://sneaky.example/hook" }));
    await expectNotFound(asB("admin").webhooks.updateEndpoint({ merchantId: e.a.merchants[0]!.id, enabled: false }));
    // Control: B's own endpoint goes off and on again.
    expect((await asB("admin").webhooks.updateEndpoint({ merchantId: e.b.merchants[0]!.id, enabled: false })).enabled).toBe(false);
    expect((await asB("admin").webhooks.updateEndpoint({ merchantId: e.b.merchants[0]!.id, enabled: true })).enabled).toBe(true);
  },
  async "webhooks.rotateSecret"(e) {
    await expectNotFound(asB("owner").webhooks.rotateSecret({ merchantId: e.a.merchants[0]!.id }));
    const rows = await ownerQuery<{ secret_version: number; previous_secret: string | null }>(db.url, `SELECT secret_version, previous_secret FROM webhook_endpoint WHERE id = $1`, [e.a.webhooks.endpointId]);
    expect(rows).toEqual([{ secret_version: 1, previous_secret: null }]);
    // Control: B's own secret rotates, the new one shown once.
    const own = await asB("owner").webhooks.rotateSecret({ merchantId: e.b.merchants[0]!.id });
    expect([own.id, own.secretVersion]).toEqual([e.b.webhooks.endpointId, 2]);
    expect(own.secret).not.toBe(e.b.webhooks.secret);
    expectNoLeak(own);
  },
  async "webhooks.find"(e) {
    const b = asB("viewer");
    for (const filter of [{ merchantId: e.a.merchants[0]!.id }, { objectId: e.a.payments.succeededId }, { objectId: e.a.payments.processingId }]) {
      expect(ids(await b.webhooks.find(filter)), stringify(filter)).toEqual([]);
    }
    const all = await b.webhooks.find({ limit: 200 });
    expect(ids(all).sort()).toEqual((await bIds("webhook_event")).sort());
    expect(ids(all)).toEqual(expect.arrayContaining(e.b.webhooks.eventIds));
    expectNoLeak(all);
    // A cursor made from A's newest event still pages through B's rows only.
    const aNewest = (await ownerQuery<{ id: string }>(db.url, `SELECT id FROM webhook_event WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`, [e.a.tenant.id]))[0]!;
    const cursor = Buffer.from(JSON.stringify([new Date(Date.now() + 60_000).toISOString(), aNewest.id])).toString("base64url");
    const paged = await b.webhooks.find({ cursor, limit: 1 });
    expect(ids(paged).length).toBe(1);
    const bEvents = await bIds("webhook_event");
    expect(ids(paged).filter((id) => !bEvents.includes(id))).toEqual([]);
    expectNoLeak(paged);
  },
  async "webhooks.forObject"(e) {
    for (const objectId of [e.a.payments.succeededId, e.a.payments.processingId, e.a.payments.refundId]) {
      expect(await asB("viewer").webhooks.forObject({ objectId })).toEqual([]);
    }
    // Control: B's succeeded payment has its events, the failed attempt included.
    const own = await asB("viewer").webhooks.forObject({ objectId: e.b.payments.succeededId });
    expect(own.map((x) => x.id)).toContain(e.b.webhooks.eventIds[0]);
    expect(own.find((x) => x.id === e.b.webhooks.eventIds[0])?.lastAttempt?.statusCode).toBe(500);
    expectNoLeak(own);
  },
  async "webhooks.get"(e) {
    for (const id of e.a.webhooks.eventIds) await expectNotFound(asB("viewer").webhooks.get({ id }));
    // The ids are real: A's own owner reads them on A's host.
    expect((await asA("owner").webhooks.get({ id: e.a.webhooks.eventIds[0]! })).attemptLog.map((x) => x.statusCode)).toEqual([500]);
    const own = await asB("viewer").webhooks.get({ id: e.b.webhooks.eventIds[0]! });
    expect([own.id, own.type, own.attemptLog.length]).toEqual([e.b.webhooks.eventIds[0], "payment.corrected", 1]);
    expectNoLeak(own);
  },
  async "webhooks.resend"(e) {
    // Nothing reaches A's merchant and no attempt is added to A's events (the final snapshot checks it too).
    for (const id of e.a.webhooks.eventIds) await expectNotFound(asB("operations").webhooks.resend({ id }));
    // Control: B's own event is sent again (nothing listens on its endpoint: a MANUAL attempt with the error).
    const own = await asB("operations").webhooks.resend({ id: e.b.webhooks.eventIds[0]! });
    expect([own.eventId, own.attempt.trigger]).toEqual([e.b.webhooks.eventIds[0], "MANUAL"]);
    expectNoLeak(own);
  },
  // settlement
  async "settlement.find"(e) {
    const mine = new Set(settlementIds.get(e.b.tenant.id));
    expect(ids(await asB("viewer").settlement.find({ merchantId: e.a.merchants[0]!.id }))).toEqual([]);
    const own = await asB("viewer").settlement.find({});
    expect(ids(own).filter((id) => !mine.has(id))).toEqual([]);
    expect(ids(own).length).toBeGreaterThan(0);
    expectNoLeak(own);
  },
  async "settlement.get"(e) {
    for (const id of settlementIds.get(e.a.tenant.id)!) await expectNotFound(asB("viewer").settlement.get({ id }));
    const own = await asB("viewer").settlement.get({ id: settlementIds.get(e.b.tenant.id)![0]! });
    expectNoLeak(own);
  },
  async "settlement.totals"(e) {
    const totals = await asB("viewer").settlement.totals({ to: "2026-01-31", days: 31 });
    // Only B's rows are counted: both sides have rows in January.
    const [bRows] = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM settlement WHERE tenant_id = $1`, [e.b.tenant.id]);
    expect(bRows!.n).toBeGreaterThan(0);
    expect(totals.reduce((n, t) => n + t.count, 0)).toBe(bRows!.n);
    expectNoLeak(totals);
  },
  async "settlement.statement"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("viewer").settlement.statement({ merchantId: m.id, from: "2026-01-01", to: "2026-01-31" }));
    const own = await asB("viewer").settlement.statement({ merchantId: e.b.merchants[0]!.id, from: "2026-01-01", to: "2026-01-31" });
    expect(own.merchant.id).toBe(e.b.merchants[0]!.id);
    expectNoLeak(own);
  },
  async "settlement.run"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("finance").settlement.run({ date: "2026-01-07", merchantId: m.id }));
    // A run of B's own books touches only B's merchants, whatever tenant it names.
    const own = await asB("finance").settlement.run({ date: "2026-01-08", tenantId: e.a.tenant.id } as never);
    const bMerchants = new Set(await bIds("merchant"));
    expect(own.outcomes.length).toBeGreaterThan(0);
    expect(own.outcomes.filter((o) => !bMerchants.has(o.merchantId))).toEqual([]);
    expectNoLeak(own);
  },
  async "settlement.confirmDirect"(e) {
    for (const id of settlementIds.get(e.a.tenant.id)!) await expectNotFound(asB("finance").settlement.confirmDirect({ id, channelSettledMinor: 1n }));
  },
  async "settlement.income"(e) {
    // B's margins by merchant and by channel account: only B's own keys, whatever month.
    const bMerchants = new Set(await bIds("merchant"));
    const bAccounts = new Set(await bIds("channel_account"));
    for (const month of [new Date().toISOString().slice(0, 7), "2026-01"]) {
      const byMerchant = await asB("finance").settlement.income({ month, by: "merchant" });
      expect(byMerchant.lines.filter((l) => !bMerchants.has(l.key))).toEqual([]);
      const byChannel = await asB("finance").settlement.income({ month, by: "channel" });
      expect(byChannel.lines.filter((l) => !bAccounts.has(l.key))).toEqual([]);
      expectNoLeak([byMerchant, byChannel]);
    }
  },
  async "settlement.settings"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("viewer").settlement.settings({ merchantId: m.id }));
    expectNoLeak(await asB("viewer").settlement.settings({ merchantId: e.b.merchants[0]!.id }));
  },
  async "settlement.updateSettings"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("owner").settlement.updateSettings({ merchantId: m.id, settlementCycle: "WEEKLY", reserveRatePpm: 1_000_000, reserveDays: 365 }));
  },
  async "settlement.policy"(e) {
    // B's count of open exceptions is B's own, whatever A has open.
    const own = await asB("viewer").settlement.policy();
    const [row] = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM exception WHERE tenant_id = $1 AND merchant_id IS NOT NULL AND status IN ('OPEN', 'INVESTIGATING', 'RESOLUTION_PROPOSED')`, [e.b.tenant.id]);
    expect(own.openExceptions).toBe(row!.n);
    expectNoLeak(own);
  },
  async "settlement.setPolicy"(e) {
    // The procedure takes no tenant: B's owner changes B's policy, never A's.
    const [before] = await ownerQuery<{ hold: boolean }>(db.url, `SELECT settlement_hold_on_exceptions AS hold FROM tenant WHERE id = $1`, [e.a.tenant.id]);
    await asB("owner").settlement.setPolicy({ holdOnExceptions: !before!.hold });
    const [after] = await ownerQuery<{ hold: boolean }>(db.url, `SELECT settlement_hold_on_exceptions AS hold FROM tenant WHERE id = $1`, [e.a.tenant.id]);
    expect(after!.hold).toBe(before!.hold);
    await asB("owner").settlement.setPolicy({ holdOnExceptions: false });
  },
  // devices
  async "devices.overview"() {
    const own = await asB("viewer").devices.overview();
    expect(Object.values(own.counts).reduce((n, c) => n + c, 0)).toBe((await bIds("device")).length);
    expectNoLeak(own);
  },
  async "devices.find"(e) {
    expect(ids(await asB("viewer").devices.find({ merchantId: e.a.merchants[0]!.id }))).toEqual([]);
    expect(ids(await asB("viewer").devices.find({ search: "ACME" }))).toEqual([]);
    const own = await asB("viewer").devices.find({});
    const mine = new Set(await bIds("device"));
    expect(ids(own).filter((id) => !mine.has(id))).toEqual([]);
    expect(ids(own).length).toBeGreaterThan(0);
    expectNoLeak(own);
  },
  async "devices.get"(e) {
    await expectNotFound(asB("viewer").devices.get({ id: deviceIds.get(e.a.tenant.id)!.id }));
    expectNoLeak(await asB("viewer").devices.get({ id: deviceIds.get(e.b.tenant.id)!.id }));
  },
  async "devices.daily"(e) {
    await expectNotFound(asB("viewer").devices.daily({ id: deviceIds.get(e.a.tenant.id)!.id, from: "2026-01-01", to: "2026-01-31" }));
  },
  async "devices.ranking"() {
    expectNoLeak(await asB("viewer").devices.ranking({ from: "2020-01-01", to: "2030-12-31", by: "device" }));
    expectNoLeak(await asB("viewer").devices.ranking({ from: "2020-01-01", to: "2030-12-31", by: "store" }));
  },
  async "devices.idle"() {
    expectNoLeak(await asB("viewer").devices.idle({ days: 1 }));
  },
  async "devices.import"() {
    // A's serial number is not "taken" for B: the preview reveals nothing of A.
    const preview = await asB("operations").devices.import({ csv: "serialNumber\nACMESN01\n", commit: false });
    expect(preview.errors).toEqual([]);
  },
  async "devices.assign"(e) {
    const aDevice = deviceIds.get(e.a.tenant.id)!.id;
    const own = await asB("operations").devices.assign({ ids: [aDevice], merchantId: e.b.merchants[0]!.id, storeId: e.b.merchants[0]!.storeId, channelAccountId: e.b.channel.sandboxAccountId });
    expect(own).toEqual({ updated: 0, refused: [{ id: aDevice, serialNumber: null, code: "DEVICE_NOT_FOUND" }] });
    expect(await failureCode(asB("operations").devices.assign({ ids: [deviceIds.get(e.b.tenant.id)!.id], merchantId: e.a.merchants[0]!.id, storeId: e.a.merchants[0]!.storeId, channelAccountId: e.a.channel.sandboxAccountId }))).toBe("NOT_FOUND");
  },
  async "devices.bulkAction"(e) {
    const aDevice = deviceIds.get(e.a.tenant.id)!.id;
    for (const action of ["SUSPEND", "RETURN", "RETIRE"] as const) {
      expect(await asB("operations").devices.bulkAction({ ids: [aDevice], action, reason: "hostile" })).toEqual({ updated: 0, refused: [{ id: aDevice, serialNumber: null, code: "DEVICE_NOT_FOUND" }] });
    }
  },
  async "devices.update"(e) {
    await expectNotFound(asB("operations").devices.update({ id: deviceIds.get(e.a.tenant.id)!.id, terminalNo: "HOSTILE" }));
  },
  async "devices.offline"(e) {
    // A's device, silent and stamped: B's list never shows it.
    await ownerQuery(db.url, `UPDATE device SET offline_since = now() WHERE tenant_id = $1 AND id = $2`, [e.a.tenant.id, deviceIds.get(e.a.tenant.id)!.id]);
    const seen = await asB("viewer").devices.offline({});
    expect(seen.map((d) => d.id)).not.toContain(deviceIds.get(e.a.tenant.id)!.id);
    expectNoLeak(seen);
    await ownerQuery(db.url, `UPDATE device SET offline_since = NULL WHERE tenant_id = $1 AND id = $2`, [e.a.tenant.id, deviceIds.get(e.a.tenant.id)!.id]);
  },
  async "devices.rebind"(e) {
    // A's device to B's own account: A's device is not found for B (and nothing of A's changes).
    await expectNotFound(asB("operations").devices.rebind({ id: deviceIds.get(e.a.tenant.id)!.id, channelAccountId: e.b.channel.accountId, reason: "hostile rebind" }));
  },
  async "devices.codes"() {
    expectNoLeak(await asB("viewer").devices.codes());
  },
  async "devices.createCode"(e) {
    for (const m of e.a.merchants) await expectNotFound(asB("operations").devices.createCode({ storeId: m.storeId }));
    await expectNotFound(asB("operations").devices.createCode({ serialNumber: "ACMESN01" }));
  },
  async "devices.configs"() {
    const own = await asB("viewer").devices.configs();
    expect(own.versions.every((v) => v.tenantId !== env.a.tenant.id)).toBe(true);
    expectNoLeak(own);
  },
  async "devices.createConfig"(e) {
    const created = await asB("operations").devices.createConfig({ values: { successText: "beta v2" }, tenantId: e.a.tenant.id } as never);
    expect(created.tenantId).toBe(e.b.tenant.id);
    expectNoLeak(created);
  },
  async "devices.settings"() {
    expectNoLeak(await asB("viewer").devices.settings());
  },
  async "devices.updateSettings"(e) {
    await asB("owner").devices.updateSettings({ offlineAfterSeconds: 600, relocationMeters: 500, incentiveMinAmountMinor: 1n, tenantId: e.a.tenant.id } as never);
    const [aRow] = await ownerQuery(db.url, `SELECT * FROM device_fleet_settings WHERE tenant_id = $1`, [e.a.tenant.id]);
    expect(aRow).toBeUndefined();
  },
};

// wallets and payouts: an id no row has, and the refusal every wallets procedure but the overview
// gives a DIRECT provider (its queries are PRECONDITION_FAILED in the viewer sweep, not OK).
const WALLETS_PROBE_ID = "7a11e7a1-0000-4000-8000-00000000beef";
const CUSTODIAL_ONLY_QUERIES = new Set(["wallets.find", "wallets.get", "wallets.movements", "wallets.transfers", "wallets.payouts.find", "wallets.payouts.get", "wallets.batches.find", "wallets.batches.get"]);
async function expectDirectRefusal(call: Promise<unknown>): Promise<void> {
  const r = await outcome(call);
  expect(r.code).toBe("PRECONDITION_FAILED");
  if (r.code !== "OK") {
    expect((r.error.cause as { code?: string } | undefined)?.code).toBe("NOT_AVAILABLE_IN_DIRECT_MODE");
    expectNoLeak({ message: r.error.message });
  }
}

// ---------------------------------------------------------------------------------------------

// The flat map of "router.procedure" paths that tRPC keeps on every router.
const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>;
const paths = Object.keys(procedures).sort();
const typeOf = (path: string) => procedures[path]!._def.type;
const withRung = (r: Rung) => paths.filter((p) => rungs[p] === r);
const tenantPaths = () => paths.filter((p) => rungs[p] !== "platform");

describe("the attack table", () => {
  it("covers every procedure of appRouter (a new procedure needs an attack, a rung and a sample input)", () => {
    expect(paths.length).toBeGreaterThan(30);
    const missing = paths.flatMap((p) => [
      ...(attacks[p] ? [] : [`${p}: no attack`]),
      ...(rungs[p] ? [] : [`${p}: no rung`]),
      ...(sampleInputs[p] ? [] : [`${p}: no sample input`]),
    ]);
    const stale = [...new Set([...Object.keys(attacks), ...Object.keys(rungs), ...Object.keys(sampleInputs)])].filter((p) => !procedures[p]);
    expect(missing).toEqual([]);
    expect(stale, "entries for procedures that no longer exist").toEqual([]);
  });

  it("aims at real rows: A's own owner reads the ids used below on A's host", async () => {
    const a = asA("owner");
    for (const m of env.a.merchants) {
      expect(((await a.merchants.get({ id: m.id })) as { id: string }).id).toBe(m.id);
      expect(((await a.stores.get({ id: m.storeId })) as { id: string }).id).toBe(m.storeId);
    }
    expect(ids(await a.users.find({ merchantId: env.a.merchants[0]!.id }))).toEqual([env.a.users.merchant1.id]);
    const days = (await a.calendar.find({ from: "2026-01-01", to: "2026-12-31" })) as Array<{ date: string }>;
    expect(days.map((d) => d.date)).toEqual(expect.arrayContaining(env.a.calendarDates));
    expect(ids(await a.audit.find({ entityId: env.a.merchants[0]!.id })).length).toBeGreaterThan(0);
    const ch = env.a.channel;
    const account = (await a.channels.get({ id: ch.accountId })) as { id: string; name: string; versions: Array<{ version: number; credentialKeys: string[] }> };
    expect([account.id, account.name]).toEqual([ch.accountId, ch.accountName]);
    expect(account.versions.map((v) => [v.version, v.credentialKeys])).toEqual([[2, ["notifySecret"]], [1, ["notifySecret"]]]);
    expect(((await a.channels.get({ id: ch.sandboxAccountId })) as { id: string }).id).toBe(ch.sandboxAccountId);
    expect(((await a.channels.health({ id: ch.accountId })) as { state: string; reason: string }).reason).toBe(ch.healthReason);
    const regs = (await a.registrations.find({ channelAccountId: ch.accountId })) as { items: Array<{ id: string; subMchId: string }> };
    expect(regs.items.map((r) => [r.id, r.subMchId])).toEqual([[ch.registrationId, ch.subMchId]]);
    expect(ids(await a.registrations.find({ merchantId: env.a.merchants[0]!.id }))).toEqual(expect.arrayContaining([ch.registrationId, ch.sandboxRegistrationId]));
    const fees = (await a.pricing.feeRules()) as Array<{ id: string }>;
    expect(fees.map((f) => f.id)).toEqual(expect.arrayContaining([ch.feeRuleId, ch.defaultFeeRuleId]));
    expect(((await a.pricing.productRules()) as Array<{ id: string }>).map((r) => r.id)).toContain(ch.productRuleId);
    expect(((await a.pricing.merchantLimit({ merchantId: env.a.merchants[0]!.id })) as { perTxnMaxMinor: bigint }).perTxnMaxMinor).toBe(500_000n);
    const notes = (await a.channels.notifications({ channelAccountId: ch.accountId })) as Array<{ eventId: string; outTradeNo: string; version: number }>;
    expect(notes.map((n) => [n.eventId, n.outTradeNo, n.version])).toEqual([[ch.notificationEventId, ch.notificationOutTradeNo, 2]]);
    // The secrets are sealed: neither A's own console nor the stored row shows them.
    expect(ch.notifySecrets.filter((secret) => stringify(account).includes(secret))).toEqual([]);
    const stored = await ownerQuery(db.url, `SELECT * FROM channel_account_version WHERE tenant_id = $1`, [env.a.tenant.id]);
    expect(stored.length).toBe(3);
    expect(ch.notifySecrets.filter((secret) => stringify(stored).includes(secret))).toEqual([]);
    // Routing: A's rule sets (its open draft is version 3) and its stored decisions.
    const rs = env.a.routing;
    const sets = (await a.routing.ruleSets()) as Array<{ version: number; status: string }>;
    expect(sets.map((r) => [r.version, r.status])).toEqual([
      [3, "DRAFT"],
      [2, "PUBLISHED"],
      [1, "SUPERSEDED"],
    ]);
    const draft = await a.routing.ruleSet({ version: rs.draftVersion });
    expect(draft.rules.map((r) => [r.id, r.name, r.targetChannelAccountIds])).toEqual(rs.ruleIds.map((id, i) => [id, rs.ruleNames[i], [ch.accountId]]));
    const decisions = (await a.routing.decisions({ limit: 200 })) as Array<{ id: string; deviceId: string | null }>;
    expect(decisions.map((d) => d.id).sort()).toEqual([...rs.decisionIds].sort());
    expect(decisions.map((d) => d.deviceId)).toContain(rs.deviceId);
    for (const id of rs.decisionIds) expect(((await a.routing.decision({ id })) as { id: string }).id).toBe(id);
    // A's merchants do route in A's own preview, so B's NO_ROUTE for them is B's view of them.
    for (const m of env.a.merchants) {
      const p = (await a.routing.preview(faceRequest(m.id, 10_000n))) as { decision: { outcome: string } };
      expect(p.decision.outcome).toBe("ROUTED");
    }
    // A's configuration issues name A's merchant fee rule (B's must not).
    expect((await a.routing.issues()).filter((i) => i.params.feeRuleId === ch.feeRuleId).length).toBeGreaterThan(0);
    // And A's own validation names A's account when the probe forces it (B's must not).
    const probe = (await a.routing.validate(probeDraft(ch.sandboxAccountId, ch.accountId))) as Array<{ code: string; message: string }>;
    expect(probe.find((i) => i.code === "FORCE_TARGET_LACKS_PRODUCT")?.message).toContain(ch.accountName);
    // A's API key, listed on A's host (never with its secret).
    const aKeys = await a.apiKeys.list({ merchantId: env.a.merchants[0]!.id });
    expect(aKeys.map((k) => [k.id, k.keyId, k.status])).toEqual([[env.a.apiKey.id, env.a.apiKey.keyId, "ACTIVE"]]);
    expect(stringify(aKeys)).not.toContain(env.a.apiKey.secret);
    // A's payments, read (never queried: that would move them) on A's host.
    const pay = env.a.payments;
    expect(ids(await a.payments.find({ merchantId: env.a.merchants[0]!.id })).sort()).toEqual([...pay.ids].sort());
    expect(ids(await a.payments.find({ merchantOrderNo: pay.orderNos[0]! }))).toEqual([pay.succeededId]);
    expect(ids(await a.payments.find({ deviceId: pay.deviceId })).length).toBe(2);
    expect(ids(await a.payments.find({ channelAccountId: ch.sandboxAccountId, status: "PROCESSING" }))).toEqual([pay.processingId]);
    expect((await a.payments.summary({ storeId: env.a.merchants[0]!.storeId })).count).toBe(2);
    for (const id of pay.ids) {
      const p = await a.payments.get({ id });
      expect([p.id, p.merchantName, p.storeName, p.channelAccountName]).toEqual([id, env.a.merchants[0]!.shortName, env.a.merchants[0]!.storeName, expect.any(String)]);
      expect((await a.payments.transitions({ id })).length).toBe(2);
    }
    expect(ids(await a.ledger.findEntries({ causeId: pay.succeededId })).sort()).toEqual([...pay.entryIds].sort());
    // And the leak detector does detect A's data.
    expect(() => expectNoLeak(days)).toThrow();
  });
});

describe("tenant B's users on B's host, aimed at tenant A", () => {
  for (const path of Object.keys(attacks)) {
    it(path, async () => {
      await attacks[path]!(env);
    });
  }
});

describe("sessions, hosts and roles", () => {
  it("B's session cookie sent to A's host is UNAUTHORIZED for every tenant procedure", async () => {
    const wrong: string[] = [];
    for (const path of tenantPaths()) {
      for (const role of ["owner", "merchant1"] as const) {
        const r = await outcome(callPath(callerAs({ host: env.a.host, session: env.b.tokens[role] }), path, sampleInputs[path]!(env.a)));
        if (r.code !== "UNAUTHORIZED") wrong.push(`${path} as B ${role}: ${r.code}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("a platform session token is not a tenant session (UNAUTHORIZED on the tenant host)", async () => {
    const wrong: string[] = [];
    for (const path of tenantPaths()) {
      const r = await outcome(callPath(callerAs({ host: env.b.host, session: env.platformToken }), path, sampleInputs[path]!(env.b)));
      if (r.code !== "UNAUTHORIZED") wrong.push(`${path}: ${r.code}`);
    }
    expect(wrong).toEqual([]);
  });

  it("a merchant user of B gets FORBIDDEN from every console procedure", async () => {
    expect(withRung("console").length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const path of withRung("console")) {
      for (const role of ["merchant1", "merchant2"] as const) {
        const r = await outcome(callPath(asB(role), path, sampleInputs[path]!(env.b)));
        if (r.code !== "FORBIDDEN") wrong.push(`${path} as ${role}: ${r.code}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("console staff get FORBIDDEN from the merchant portal; signed-in procedures serve both", async () => {
    for (const path of withRung("merchant")) {
      expect(await failureCode(callPath(asB("owner"), path, sampleInputs[path]!(env.b))), path).toBe("FORBIDDEN");
    }
    for (const role of ["viewer", "merchant2"] as const) {
      expect(((await asB(role).account.me()) as { userId: string }).userId).toBe(env.b.users[role].id);
    }
  });

  it("a viewer can read the console but every console mutation is FORBIDDEN", async () => {
    const wrong: string[] = [];
    for (const path of withRung("console")) {
      const r = await outcome(callPath(asB("viewer"), path, sampleInputs[path]!(env.b)));
      // Listing API keys is for those who may manage them (merchants.write), not for viewers.
      const expected = typeOf(path) === "mutation" ? "FORBIDDEN" : path === "audit.find" || path === "users.find" || path === "apiKeys.list" ? "FORBIDDEN" : CUSTODIAL_ONLY_QUERIES.has(path) ? "PRECONDITION_FAILED" : "OK";
      if (r.code !== expected) wrong.push(`${path}: ${r.code}, expected ${expected}`);
    }
    expect(wrong).toEqual([]);
  });

  it("console roles without a mutation's permission get FORBIDDEN, and nothing at all is written", async () => {
    const roles = { owner: "OWNER", admin: "ADMIN", operations: "OPERATIONS", finance: "FINANCE", viewer: "VIEWER" } as const;
    const before = await countEverything();
    const bBefore = await snapshotTenant(env.b.tenant.id);
    const wrong: string[] = [];
    let refused = 0;
    for (const [path, permission] of Object.entries(mutationPermissions)) {
      expect(procedures[path], `${path} is not a procedure`).toBeDefined();
      expect(typeOf(path), path).toBe("mutation");
      for (const [role, userRole] of Object.entries(roles)) {
        if ((PERMISSIONS[permission] as readonly string[]).includes(userRole)) continue;
        refused += 1;
        const r = await outcome(callPath(asB(role as Role), path, sampleInputs[path]!(env.b)));
        if (r.code !== "FORBIDDEN") wrong.push(`${path} as ${role}: ${r.code}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(refused).toBeGreaterThan(20);
    expect(await countEverything()).toEqual(before);
    expect(await snapshotTenant(env.b.tenant.id)).toEqual(bBefore);
  });

  it("merchant portal procedures only ever return the merchant user's own merchant", async () => {
    for (const [role, i] of [["merchant1", 0], ["merchant2", 1]] as const) {
      const own = env.b.merchants[i]!;
      const profile = (await asB(role).merchantPortal.profile()) as { id: string };
      expect(profile.id).toBe(own.id);
      const stores = (await asB(role).merchantPortal.stores({ limit: 200 })) as { items: Array<{ id: string; merchantId: string }> };
      expect(stores.items.map((s) => s.merchantId)).toEqual(stores.items.map(() => own.id));
      expect(stores.items.map((s) => s.id)).toContain(own.storeId);
    }
  });

  it("platform procedures: NOT_FOUND on a tenant host, UNAUTHORIZED with a tenant session on the platform host", async () => {
    const platform = withRung("platform");
    expect(platform.length).toBeGreaterThanOrEqual(5);
    const wrong: string[] = [];
    for (const path of platform) {
      const input = sampleInputs[path]!(env.a);
      const cases: Array<[string, Caller, string]> = [
        ["tenant host, B session", asB("owner"), "NOT_FOUND"],
        ["tenant host, platform session", callerAs({ host: env.b.host, platformSession: env.platformToken }), "NOT_FOUND"],
        ["platform host, B session cookie", callerAs({ host: PLATFORM_HOST, session: env.b.tokens.owner }), "UNAUTHORIZED"],
        ["platform host, B token as platform cookie", callerAs({ host: PLATFORM_HOST, platformSession: env.b.tokens.owner }), "UNAUTHORIZED"],
        ["platform host, no session", callerAs({ host: PLATFORM_HOST }), "UNAUTHORIZED"],
      ];
      for (const [label, caller, expected] of cases) {
        const r = await outcome(callPath(caller, path, input));
        if (r.code !== expected) wrong.push(`${path} (${label}): ${r.code}, expected ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
    // Control: the platform session does work where it belongs.
    const me = (await callerAs({ host: PLATFORM_HOST, platformSession: env.platformToken }).platform.me()) as { email: string };
    expect(me.email).toBe("ops@platform.test");
  });

  it("tenant procedures on the platform host or an unknown tenant's host are NOT_FOUND", async () => {
    const wrong: string[] = [];
    for (const path of tenantPaths()) {
      for (const host of [PLATFORM_HOST, tenantHost("nobody")]) {
        const r = await outcome(callPath(callerAs({ host, session: env.b.tokens.owner }), path, sampleInputs[path]!(env.b)));
        if (r.code !== "NOT_FOUND") wrong.push(`${path} on ${host}: ${r.code}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("CSRF: a mutation without Origin or from another origin", () => {
  const badOrigins: Array<string | null> = [null, "http://evil.example", "http://acme.localhost:3000", "http://beta.localhost:4000", "null", "not a url"];

  it("is FORBIDDEN for every mutation, and nothing at all is written", async () => {
    const mutations = paths.filter((p) => typeOf(p) === "mutation");
    expect(mutations.length).toBeGreaterThan(15);
    const before = await countEverything();
    const bBefore = await snapshotTenant(env.b.tenant.id);
    const wrong: string[] = [];
    for (const path of mutations) {
      for (const origin of badOrigins) {
        const caller =
          rungs[path] === "platform"
            ? callerAs({ host: PLATFORM_HOST, platformSession: env.platformToken, origin })
            : callerAs({ host: env.b.host, session: env.b.tokens[rungs[path] === "merchant" ? "merchant1" : "owner"], origin });
        const r = await outcome(callPath(caller, path, sampleInputs[path]!(env.b)));
        if (r.code !== "FORBIDDEN") wrong.push(`${path} with Origin ${String(origin)}: ${r.code}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await countEverything()).toEqual(before);
    expect(await snapshotTenant(env.b.tenant.id)).toEqual(bBefore);
  });

  it("the same mutation with the host's own Origin goes through (the check is not refusing everything)", async () => {
    const r = await callerAs({ host: env.b.host, session: env.b.tokens.viewer, origin: `http://${env.b.host}` }).account.setLocale({ locale: "en" });
    expect(r).toEqual({ locale: "en" });
    // Queries need no Origin (they change nothing).
    expect(await outcome(callerAs({ host: env.b.host, session: env.b.tokens.viewer, origin: null }).account.me())).toMatchObject({ code: "OK" });
  });
});

describe("after every attack", () => {
  it("tenant A's rows are exactly as they were (read as the owner, without RLS)", async () => {
    const after = await snapshotTenant(env.a.tenant.id);
    expect(after.merchant!.length).toBe(2);
    expect(after.business_calendar_day!.length).toBeGreaterThanOrEqual(4);
    // The approved adjustment, the succeeded payment's entries and the memo trades settlement settled.
    expect(after.journal_entry!.length).toBe(1 + env.a.payments.entryIds.length + memoEntryIds.get(env.a.tenant.id)!.length);
    expect(after.proposal!.length).toBe(2);
    // The channel rows are in it: both accounts (three credential versions), the registrations,
    // the merchant's fee rule, product rule and limit, the pause and the notification.
    expect(after.channel_account!.length).toBe(2);
    expect(after.channel_account_version!.length).toBe(3);
    expect(after.merchant_channel_registration!.length).toBe(3);
    expect(after.merchant_limit!.length).toBe(1);
    expect(after.channel_health_event!.length).toBe(1);
    expect(after.channel_notification!.length).toBe(1);
    expect(after.fee_rule!.some((r) => String(r).includes(env.a.channel.feeRuleId))).toBe(true);
    expect(after.product_rule!.some((r) => String(r).includes(env.a.channel.productRuleId))).toBe(true);
    // The routing rows: three rule set versions (the open draft 3 among them), three decisions and
    // the two payments' decisions.
    expect(after.routing_rule_set!.length).toBe(3);
    expect(after.routing_decision!.length).toBe(5);
    // The payments: the success and the one still PROCESSING (B's queries did not move it), with their transitions.
    expect(after.payment!.length).toBe(2);
    expect(after.payment!.filter((r) => String(r).includes('"status":"PROCESSING"')).length).toBe(1);
    expect(after.payment_transition!.length).toBe(4);
    expect(after.merchant_api_key!.length).toBe(1);
    expect(after.routing_rule_set!.filter((r) => String(r).includes(env.a.routing.ruleIds[1]!)).length).toBe(1);
    expect(after).toEqual(aBefore);
  });

  it("A is still ACTIVE, its sessions still work, and no tenant was created", async () => {
    const me = (await asA("owner").account.me()) as { userId: string };
    expect(me.userId).toBe(env.a.users.owner.id);
    const tenants = await ownerQuery<{ slug: string; status: string }>(db.url, `SELECT slug, status FROM tenant ORDER BY slug`);
    expect(tenants).toEqual([
      { slug: "acme", status: "ACTIVE" },
      { slug: "beta", status: "ACTIVE" },
    ]);
  });
});
