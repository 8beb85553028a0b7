import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importStatement } from "@/server/core/clearing/import";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { createTestPayment } from "@/server/core/payments/test-payment";
import { todayIn } from "@/server/core/wallets/mode";
import { withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { checkLedgerInvariants, codeOf } from "@/server/testing/ledger";
import { runSettlement, updateSettlementSettings } from "./service";

// DIRECT settlement confirmed from the channel's settlement statement to merchants
// (MERCHANT_SETTLEMENT): the statement before the run and after it, a planted difference, a
// merchant the statement does not pay, an unknown sub-merchant, and a custodial tenant refused.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("direct_statements");
  useTestKeyring();
});
afterAll(async () => db?.drop());

const yuan = (minor: bigint) => `${minor / 100n}.${(minor % 100n).toString().padStart(2, "0")}`;
const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The statement in its layout: one line per [sub-merchant, paid, fee]. */
function statement(date: string, rows: Array<[string, bigint, bigint]>): Buffer {
  const lines = rows.map(([sub, paid, fee], i) => [date, sub, "商户", "1", yuan(paid + fee), yuan(fee), yuan(paid), `ST${date.replaceAll("-", "")}${String(i).padStart(5, "0")}`, "6222020200001234"].join(","));
  const sum = (f: (r: [string, bigint, bigint]) => bigint) => rows.reduce((s, r) => s + f(r), 0n);
  return Buffer.from(
    [
      "结算日期,商户编号,商户名称,结算笔数,交易金额(元),手续费(元),结算金额(元),结算流水号,入账账户",
      ...lines,
      `合计,,,${rows.length},${yuan(sum(([, p, f]) => p + f))},${yuan(sum(([, , f]) => f))},${yuan(sum(([, p]) => p))},,`,
    ].join("\n"),
    "utf8",
  );
}

async function directTenant(slug: string, names: string[]) {
  const t: TestTenant = await makeTenant(slug, { mode: "DIRECT" });
  const ctx: TenantContext = ownerContext(t);
  const [sandbox] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [t.id]);
  const merchants: Array<{ id: string; sub: string; owed: bigint }> = [];
  for (const [i, name] of names.entries()) {
    const id = await withTenantTx(t.id, async (tx) => {
      const m = await createMerchant(tx, ctx, merchantInput(name));
      await updateSettlementSettings(tx, ctx, { merchantId: m.id, settlementCycle: "D1" });
      return m.id;
    });
    const sub = `19000001${String(i).padStart(2, "0")}`;
    await ownerQuery(db.url, `UPDATE merchant_channel_registration SET sub_mch_id = $3 WHERE tenant_id = $1 AND merchant_id = $2 AND channel_account_id = $4`, [t.id, id, sub, sandbox!.id]);
    for (const amountMinor of [12_800n, 3_300n]) await createTestPayment(ctx, { merchantId: id, amountMinor, product: "WECHAT_FACE", subject: "直连" });
    const [owed] = await ownerQuery<{ owed: string }>(db.url, `SELECT sum(amount_minor - fee_minor)::text AS owed FROM payment WHERE tenant_id = $1 AND merchant_id = $2 AND status = 'SUCCEEDED'`, [t.id, id]);
    merchants.push({ id, sub, owed: BigInt(owed!.owed) });
  }
  const tz = (await ownerQuery<{ time_zone: string }>(db.url, `SELECT time_zone FROM tenant WHERE id = $1`, [t.id]))[0]!.time_zone;
  return { t, ctx, sandbox: sandbox!.id, merchants, date: nextDay(todayIn(tz)) };
}

describe("DIRECT settlement from the channel's settlement statement", () => {
  it("a statement imported before the run confirms at the run: exact, short by 10 fen, not listed; an unknown sub-merchant is an exception", async () => {
    const { t, ctx, sandbox, merchants, date } = await directTenant("direct-stmt-a", ["准时商户", "少付商户", "漏付商户"]);
    const [exact, short, unlisted] = merchants as [(typeof merchants)[0], (typeof merchants)[0], (typeof merchants)[0]];
    const bytes = statement(date, [
      [exact.sub, exact.owed, 50n],
      [short.sub, short.owed - 10n, 50n],
      ["1999999999", 777n, 3n],
    ]);
    const first = await importStatement(ctx, { channelAccountId: sandbox, billDate: date, format: "MERCHANT_SETTLEMENT", fileName: "settle.csv", bytes, source: "CLI" });
    expect(first.outcome).toBe("IMPORTED");
    // The run has not happened: nothing to confirm yet, only the unknown sub-merchant is raised.
    expect(first.reconciliation?.byOutcome).toEqual({ UNKNOWN_SUB_MERCHANT: 1, NO_SETTLEMENT: 2 });
    expect(first.reconciliation?.differences).toEqual({ UNKNOWN_SUB_MERCHANT: 1 });

    const run = await runSettlement(ctx, { date });
    const byMerchant = new Map(run.outcomes.map((o) => [o.merchantId, o.status]));
    expect([byMerchant.get(exact.id), byMerchant.get(short.id), byMerchant.get(unlisted.id)]).toEqual(["CONFIRMED", "DIFFERENCE", "DIFFERENCE"]);
    const exceptions = await ownerQuery<{ merchant_id: string | null; amount_minor: string; details: { diffType?: string; direction?: string } }>(
      db.url,
      `SELECT merchant_id, amount_minor::text, details FROM exception WHERE tenant_id = $1 AND kind = 'SETTLEMENT_DIFFERENCE' ORDER BY amount_minor`,
      [t.id],
    );
    expect(exceptions.map((e) => [e.merchant_id, e.amount_minor, e.details.direction])).toEqual(
      expect.arrayContaining([
        [short.id, "10", "SHORTAGE"],
        [unlisted.id, String(unlisted.owed), "SHORTAGE"],
        [null, "777", "OVERAGE"],
      ]),
    );
    expect(exceptions).toHaveLength(3);
    // The memo book: what each merchant is still owed is exactly what the channel did not pay.
    const due = async (m: string) => (await withTenantTx(t.id, (tx) => getBalanceByRef(tx, ctx, accounts.memoDue(m)))).postedMinor;
    expect([await due(exact.id), await due(short.id), await due(unlisted.id)]).toEqual([0n, 10n, unlisted.owed]);

    // The same file again is a no-op; running the date again changes nothing.
    expect((await importStatement(ctx, { channelAccountId: sandbox, billDate: date, format: "MERCHANT_SETTLEMENT", fileName: "settle.csv", bytes, source: "CLI" })).outcome).toBe("ALREADY_IMPORTED");
    expect((await runSettlement(ctx, { date })).outcomes.every((o) => o.replayed)).toBe(true);
    expect(await ownerQuery(db.url, `SELECT 1 FROM exception WHERE tenant_id = $1`, [t.id])).toHaveLength(3);
    const audits = await ownerQuery<{ after: { statementFileIds?: string[] } }>(db.url, `SELECT after FROM audit_log WHERE tenant_id = $1 AND action = 'settlement.confirm'`, [t.id]);
    expect(audits.map((a) => a.after.statementFileIds)).toEqual([[first.fileId], [first.fileId], [first.fileId]]);
    await checkLedgerInvariants(db.url, t.id, ctx);
  });

  it("a statement imported after the run confirms at once; a custodial tenant's is refused and nothing is stored", async () => {
    const { t, ctx, sandbox, merchants, date } = await directTenant("direct-stmt-b", ["后到商户"]);
    const [m] = merchants as [(typeof merchants)[0]];
    const run = await runSettlement(ctx, { date });
    expect(run.outcomes[0]).toMatchObject({ status: "EXPECTED", netMinor: m.owed });
    const imported = await importStatement(ctx, { channelAccountId: sandbox, billDate: date, format: "MERCHANT_SETTLEMENT", fileName: "late.csv", bytes: statement(date, [[m.sub, m.owed, 9n]]), source: "UPLOAD" });
    expect(imported.reconciliation?.byOutcome).toEqual({ CONFIRMED: 1 });
    const [row] = await ownerQuery<{ status: string; channel_settled_minor: string }>(db.url, `SELECT status, channel_settled_minor::text FROM settlement WHERE tenant_id = $1 AND merchant_id = $2`, [t.id, m.id]);
    expect(row).toEqual({ status: "CONFIRMED", channel_settled_minor: String(m.owed) });
    await checkLedgerInvariants(db.url, t.id, ctx);

    const c = await makeTenant("direct-stmt-c", { mode: "CUSTODIAL", licence: "Z-TEST-DIRECT-STMT" });
    const [cs] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [c.id]);
    const refused = importStatement(ownerContext(c), { channelAccountId: cs!.id, billDate: date, format: "MERCHANT_SETTLEMENT", fileName: "x.csv", bytes: statement(date, [["1900000100", 100n, 1n]]), source: "UPLOAD" });
    expect(await codeOf(refused)).toBe("NOT_AVAILABLE_IN_CUSTODIAL_MODE");
    expect(await ownerQuery(db.url, `SELECT 1 FROM statement_file WHERE tenant_id = $1`, [c.id])).toEqual([]);
  });
});
