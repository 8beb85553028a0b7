import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importStatement } from "@/server/core/clearing/import";
import { proposeResolution } from "@/server/core/clearing/resolutions";
import "@/server/core/clearing/proposal-kinds";
import { decideProposal } from "@/server/core/proposals/service";
import { createUser } from "@/server/core/users/service";
import type { TenantContext } from "@/server/db/tenant-tx";
import { incomeStatement } from "./income";
import { createMerchant } from "@/server/core/merchants/service";
import { createTestPayment } from "@/server/core/payments/test-payment";
import "@/server/core/devices/register";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";

// Profit-share (分润) reconciliation with a planted difference: the acquirer's monthly statement,
// in its CSV layout, against the margin the payments booked (from the daily statistics).

let db: TestDatabase;
let t: TestTenant;

beforeAll(async () => {
  db = await createTestDatabase("profit_share");
  useTestKeyring();
  t = await makeTenant("share-co");
});
afterAll(async () => db?.drop());

const yuan = (minor: bigint) => `${minor < 0n ? "-" : ""}${(minor < 0n ? -minor : minor) / 100n}.${((minor < 0n ? -minor : minor) % 100n).toString().padStart(2, "0")}`;

describe("profit-share reconciliation", () => {
  it("matches each merchant's month, reports a planted difference, an unknown merchant and a margin the file does not pay", async () => {
    const ctx = ownerContext(t);
    const ids = await withTenantTx(t.id, async (tx) => [
      (await createMerchant(tx, ctx, merchantInput("分润一"))).id,
      (await createMerchant(tx, ctx, merchantInput("分润二"))).id,
      (await createMerchant(tx, ctx, merchantInput("分润三"))).id,
    ]);
    const [sandbox] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [t.id]);
    for (const [i, m] of ids.entries()) {
      await ownerQuery(db.url, `UPDATE merchant_channel_registration SET sub_mch_id = $3 WHERE tenant_id = $1 AND merchant_id = $2 AND channel_account_id = $4`, [t.id, m, `8981000000${i}`, sandbox!.id]);
      for (const amountMinor of [100_000n, 50_000n]) await createTestPayment(ctx, { merchantId: m, amountMinor, product: "WECHAT_FACE", subject: "分润" });
    }
    for (let i = 0; i < 50; i++) if ((await drainOutboxOnce(200)).claimed === 0) break;
    const margins = await ownerQuery<{ merchant_id: string; margin: string; fee: string; n: number; amount: string; business_date: Date }>(
      db.url,
      `SELECT merchant_id, sum(margin_minor)::text AS margin, sum(fee_minor)::text AS fee, count(*)::int AS n, sum(amount_minor)::text AS amount, min(business_date) AS business_date
         FROM payment WHERE tenant_id = $1 AND status = 'SUCCEEDED' GROUP BY merchant_id`,
      [t.id],
    );
    const month = margins[0]!.business_date.toISOString().slice(0, 7);
    const byMerchant = new Map(margins.map((r) => [r.merchant_id, r]));
    expect(BigInt(byMerchant.get(ids[0]!)!.margin)).toBeGreaterThan(0n);
    // Merchant one exactly; merchant two 5 fen more than we booked; merchant three missing; an unknown merchant number.
    const rows = [
      [ids[0]!, "89810000000", 0n],
      [ids[1]!, "89810000001", 5n],
    ].map(([m, no, planted]) => {
      const r = byMerchant.get(m as string)!;
      return [month, no, "商户", String(r.n), yuan(BigInt(r.amount)), yuan(BigInt(r.fee)), yuan(BigInt(r.margin) + (planted as bigint))];
    });
    rows.push([month, "89819999999", "不认识", "1", "10.00", "0.04", "0.01"]);
    const sum = (i: number) => rows.reduce((s, r) => s + BigInt(Math.round(Number(r[i]) * 100)), 0n);
    const csv = [
      "账期,商户编号,商户名称,交易笔数,交易金额(元),手续费(元),分润金额(元)",
      ...rows.map((r) => r.join(",")),
      `合计,,,${rows.reduce((s, r) => s + Number(r[3]), 0)},${yuan(sum(4))},${yuan(sum(5))},${yuan(sum(6))}`,
    ].join("\n");

    const result = await importStatement(ctx, { channelAccountId: sandbox!.id, billDate: `${month}-01`, format: "PROFIT_SHARE", fileName: "fenrun.csv", bytes: Buffer.from(csv, "utf8"), source: "CLI" });
    expect(result.outcome).toBe("IMPORTED");
    expect(result.reconciliation).toMatchObject({ byOutcome: { MATCHED: 1, DIFFERENCE: 3 }, differences: { AMOUNT: 1, UNKNOWN_SUB_MERCHANT: 1, PLATFORM_ONLY: 1 } });
    const exceptions = await ownerQuery<{ merchant_id: string | null; amount_minor: string; details: { diffType: string; direction?: string } }>(
      db.url,
      `SELECT merchant_id, amount_minor::text, details FROM exception WHERE tenant_id = $1 AND kind = 'RECON_PROFIT_SHARE' ORDER BY amount_minor`,
      [t.id],
    );
    expect(exceptions.map((e) => [e.merchant_id, e.details.diffType, e.details.direction ?? null])).toEqual(
      expect.arrayContaining([
        [ids[1], "AMOUNT", "OVERAGE"],
        [null, "UNKNOWN_SUB_MERCHANT", "OVERAGE"],
        [ids[2], "PLATFORM_ONLY", "SHORTAGE"],
      ]),
    );
    expect(exceptions.find((e) => e.details.diffType === "AMOUNT")!.amount_minor).toBe("5");
    // The same file again changes nothing: no second set of exceptions.
    const again = await importStatement(ctx, { channelAccountId: sandbox!.id, billDate: `${month}-01`, format: "PROFIT_SHARE", fileName: "fenrun.csv", bytes: Buffer.from(csv, "utf8"), source: "CLI" });
    expect(again.outcome).toBe("ALREADY_IMPORTED");
    const [n] = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM exception WHERE tenant_id = $1 AND kind = 'RECON_PROFIT_SHARE'`, [t.id]);
    expect(n!.n).toBe(3);
    // Each outcome is an item of the file (the statement list counts them), and the file is reconciled.
    const items = await ownerQuery<{ outcome: string; diff_type: string | null; direction: string | null }>(db.url, `SELECT outcome, diff_type, direction FROM recon_item WHERE file_id = $1 ORDER BY outcome, diff_type`, [result.fileId]);
    expect(items.map((i) => [i.outcome, i.diff_type, i.direction])).toEqual([
      ["DIFFERENCE", "AMOUNT", "OVERAGE"],
      ["DIFFERENCE", "PLATFORM_ONLY", "SHORTAGE"],
      ["DIFFERENCE", "UNKNOWN_SUB_MERCHANT", "OVERAGE"],
      ["MATCHED", null, null],
    ]);
    expect((await ownerQuery<{ reconciled_at: Date | null }>(db.url, `SELECT reconciled_at FROM statement_file WHERE id = $1`, [result.fileId]))[0]!.reconciled_at).not.toBeNull();
    // A difference is worked in the queue like any other: the unknown merchant number, our record accepted by a second person.
    const [unknown] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM exception WHERE tenant_id = $1 AND kind = 'RECON_PROFIT_SHARE' AND details->>'diffType' = 'UNKNOWN_SUB_MERCHANT'`, [t.id]);
    const checker: TenantContext = await withTenantTx(t.id, async (tx) => {
      const u = await createUser(tx, ctx, { email: `finance@${t.slug}.test`, name: "Finance", role: "FINANCE", password: "Test-password-1" });
      return { tenantId: t.id, actor: { kind: "USER", userId: u!.id, email: u!.email, role: "FINANCE", merchantId: null } };
    });
    const proposal = await withTenantTx(t.id, (tx) => proposeResolution(tx, ctx, { exceptionId: unknown!.id, action: "ACCEPT_OURS", note: "not our merchant", evidence: "the acquirer confirmed a typo in its statement", reason: "acquirer's error" }));
    await withTenantTx(t.id, (tx) => decideProposal(tx, checker, { id: proposal.id, decision: "APPROVE" }));
    expect((await ownerQuery<{ status: string }>(db.url, `SELECT status FROM exception WHERE id = $1`, [unknown!.id]))[0]!.status).toBe("RESOLVED");

    // The month's income statement: every grouping adds up to the same totals, equal to the payments'.
    const totals = await Promise.all((["merchant", "channel", "product", "store", "device"] as const).map((by) => withTenantTx(t.id, (tx) => incomeStatement(tx, ctx, { month, by }))));
    const margin = margins.reduce((s, r) => s + BigInt(r.margin), 0n);
    const fee = margins.reduce((s, r) => s + BigInt(r.fee), 0n);
    for (const st of totals) expect(st.total).toMatchObject({ marginMinor: margin, feeMinor: fee, count: 6 });
    expect(totals[0]!.lines.map((l) => l.name).sort()).toEqual(["分润一", "分润三", "分润二"]);
    expect(totals[0]!.platformFeeMinor).toBeNull();
  });
});
