import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { useDatabaseAndSimulators } from "@/server/testing/clearing";
import { ownerQuery } from "@/server/testing/db";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { expireCrossDayPool } from "./pool-expiry";

// The cross-day pool expiring by time, with pooled payments of several channel accounts at once:
// one transaction raises a 短款 for each, posting against each account's clearing. Test databases
// refuse a balance row locked below one already held (ledger.check_lock_order), so raising them
// account after account without locking every account first fails here most runs (whenever a later
// account's clearing sorts below the rows already held); locked first, it always passes.

const env = useDatabaseAndSimulators("clearing_pool_expiry");

describe("the cross-day pool's expiry job", () => {
  it("expires pooled payments of several channel accounts in one transaction, each a 短款 against its own clearing", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    await t.run((tx) => seedSimulatorChannels(tx, t.ctx, { WECHAT: env.wechat.url, BANK: env.bank.url }, { zh: false, custodial: true }));
    const channelAccounts = await t.run((tx) => tx.channelAccount.findMany({ where: { tenantId: t.tenantId }, select: { id: true }, orderBy: { id: "desc" } }));
    expect(channelAccounts.length).toBeGreaterThanOrEqual(3);
    // Each account's bill of 2026-11-20 pooled a payment of ours it did not show (what reconcile
    // leaves behind), and no later bill came.
    for (const [n, a] of channelAccounts.entries()) {
      const fileId = randomUUID();
      await ownerQuery(
        env.db.url,
        `INSERT INTO statement_file (tenant_id, id, channel_account_id, bill_date, bill_type, format, content_hash, file_name, byte_size, line_count, declared_count, declared_amount_minor, source, imported_by)
         VALUES ($1, $2, $3, '2026-11-20', 'ALL', 'WECHAT_TRADE_BILL', $4, 'bill.csv', 1, 0, 0, 0, 'UPLOAD', 'test')`,
        [t.tenantId, fileId, a.id, createHash("sha256").update(fileId).digest("hex")],
      );
      await ownerQuery(
        env.db.url,
        `INSERT INTO recon_item (tenant_id, file_id, item_key, channel_account_id, bill_date, outcome, diff_type, diff_minor, our_minor)
         VALUES ($1, $2, $3, $4, '2026-11-20', 'PENDING', 'PLATFORM_ONLY', $5, $6)`,
        [t.tenantId, fileId, `payment:${randomUUID()}`, a.id, -(100 * (n + 1)), 100 * (n + 1)],
      );
    }

    const expiry = await expireCrossDayPool(t.ctx, new Date("2026-11-28T04:00:00Z"));
    expect(expiry.expired).toBe(channelAccounts.length);
    const balance = async (ref: Parameters<typeof getBalanceByRef>[2]) => (await t.run((tx) => getBalanceByRef(tx, t.ctx, ref))).postedMinor;
    for (const [n, a] of channelAccounts.entries()) expect(await balance(accounts.clearing(a.id))).toBe(BigInt(-100 * (n + 1)));
    const total = channelAccounts.reduce((s, _a, n) => s + BigInt(100 * (n + 1)), 0n);
    expect(await balance(accounts.shortageSuspense)).toBe(total);
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "RECON_PLATFORM_ONLY", status: "OPEN" } }))).toBe(channelAccounts.length);
    await checkLedgerInvariants(env.db.url, t.tenantId, t.ctx);
  });

  it("waits the tenant's own pool days: a 10-day pool expires a week later than the default", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    await ownerQuery(env.db.url, `UPDATE tenant SET recon_pool_days = 10 WHERE id = $1`, [t.tenantId]);
    const account = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const fileId = randomUUID();
    await ownerQuery(
      env.db.url,
      `INSERT INTO statement_file (tenant_id, id, channel_account_id, bill_date, bill_type, format, content_hash, file_name, byte_size, line_count, declared_count, declared_amount_minor, source, imported_by)
       VALUES ($1, $2, $3, '2026-11-20', 'ALL', 'WECHAT_TRADE_BILL', $4, 'bill.csv', 1, 0, 0, 0, 'UPLOAD', 'test')`,
      [t.tenantId, fileId, account.id, createHash("sha256").update(fileId).digest("hex")],
    );
    await ownerQuery(
      env.db.url,
      `INSERT INTO recon_item (tenant_id, file_id, item_key, channel_account_id, bill_date, outcome, diff_type, diff_minor, our_minor) VALUES ($1, $2, $3, $4, '2026-11-20', 'PENDING', 'PLATFORM_ONLY', -700, 700)`,
      [t.tenantId, fileId, `payment:${randomUUID()}`, account.id],
    );
    // The default (1 day + the morning after + a grace day) would expire it on 11-23; ten days wait until 12-02.
    expect((await expireCrossDayPool(t.ctx, new Date("2026-11-28T04:00:00Z"))).expired).toBe(0);
    expect((await expireCrossDayPool(t.ctx, new Date("2026-12-02T04:00:00Z"))).expired).toBe(1);
    await checkLedgerInvariants(env.db.url, t.tenantId, t.ctx);
  });
});
