import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { createTestPayment } from "@/server/core/payments/test-payment";
import { decideProposal } from "@/server/core/proposals/service";
import { createUser } from "@/server/core/users/service";
import type { TenantContext } from "@/server/db/tenant-tx";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants, codeOf } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { dayCloseBlockers } from "./day-close";
import { importStatement } from "./import";
import { proposeSupersede } from "./supersede";
import { saveStatementTemplate } from "./templates";
import "./proposal-kinds";
import "@/server/core/payments/register";

// A different statement for a day that has one replaces it only through an approved proposal, and
// then the day is reconciled again: the replaced file's open differences are withdrawn (suspense
// reversed, exceptions closed), its pool released, and the new file reconciled from scratch — its
// lines are not repeats of the replaced file's. A replaced file with resolved differences is
// refused; a rejected file can be offered again.

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_supersede");
});
afterAll(async () => db?.drop());

const yuan = (minor: bigint) => `${minor / 100n}.${String(minor % 100n).padStart(2, "0")}`;
/** An acquirer's CSV (yuan, a footer with the count and the total) read by a template. */
const csv = (rows: Array<[string, bigint, bigint]>) =>
  Buffer.from(["商户订单号,金额,手续费", ...rows.map(([no, amount, fee]) => `${no},${yuan(amount)},${yuan(fee)}`), `${rows.length},${yuan(rows.reduce((s, r) => s + r[1], 0n))}`].join("\n") + "\n");

/** The template that reads `csv`'s files (yuan, refunds negative, a footer), saved with a sample. */
const templateFor = (t: Awaited<ReturnType<typeof makeTenant>>, name: string, sample: Buffer) =>
  t.run((tx) =>
    saveStatementTemplate(tx, t.ctx, {
      definition: {
        name,
        encoding: "utf-8",
        layout: { kind: "delimited", delimiter: "," },
        headerLines: 1,
        footerLines: 1,
        columns: { outTradeNo: "商户订单号", amount: "金额", fee: "手续费", kind: { by: "SIGN" } },
        amountUnit: "YUAN",
        dateFormat: "YYYY-MM-DD HH:mm:ss",
        signConvention: "REFUNDS_NEGATIVE",
        summary: { line: "LAST_FOOTER", countColumn: 0, amountColumn: 1 },
      },
      sampleBase64: sample.toString("base64"),
    }),
  );

describe("statement supersede", () => {
  it("an approved supersede withdraws the replaced file's open differences and pool and reconciles the new file again; resolved differences refuse it; a rejected file can be offered again", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Supersede Noodles"))))!;
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const paid = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 12_300n, product: "WECHAT_QR", subject: "supersede" });
    const other = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 4_000n, product: "WECHAT_QR", subject: "supersede" });
    const costOf = async (id: string) => (await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id } }))).costMinor;
    const billDate = paid.businessDate.toISOString().slice(0, 10);
    const checker: TenantContext = await t.run(async (tx) => {
      const u = await createUser(tx, t.ctx, { email: `finance@${t.slug}.test`, name: "Finance", role: "FINANCE", password: "Test-password-1" });
      return { tenantId: t.tenantId, actor: { kind: "USER", userId: u!.id, email: u!.email, role: "FINANCE", merchantId: null } };
    });
    const overage = async () => (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.overageSuspense))).postedMinor;

    // The first file is wrong: one fen too much on one payment, the other payment missing.
    const wrong = csv([[paid.outTradeNo, 12_301n, await costOf(paid.id)]]);
    const template = await templateFor(t, "Supersede CSV", wrong);
    const imports = (fileName: string, bytes: Buffer) => importStatement(t.ctx, { channelAccountId: sandbox.id, billDate, templateId: template.id, fileName, bytes, source: "UPLOAD" });
    const first = await imports("wrong.csv", wrong);
    expect(first.reconciliation?.differences).toEqual({ AMOUNT: 1 });
    expect(first.reconciliation?.byOutcome).toMatchObject({ DIFFERENCE: 1, PENDING: 1 });
    expect(await overage()).toBe(1n);

    // While the wrong file's difference counts as resolved, replacing the file is refused (the new
    // file would raise it again) and nothing is stored.
    const [amountEx] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM exception WHERE tenant_id = $1 AND kind = 'RECON_AMOUNT'`, [t.tenantId]);
    await ownerQuery(db.url, `UPDATE exception SET status = 'RESOLVED', resolved_at = now() WHERE id = $1`, [amountEx!.id]);
    const right = csv([[paid.outTradeNo, 12_300n, await costOf(paid.id)], [other.outTradeNo, 4_000n, await costOf(other.id)]]);
    const refused = await codeOf(imports("right.csv", right));
    expect(refused).toBe("STATEMENT_DIFFERENCES_RESOLVED");
    expect(await t.run((tx) => tx.statementFile.count({ where: { tenantId: t.tenantId } }))).toBe(1);
    await ownerQuery(db.url, `UPDATE exception SET status = 'OPEN', resolved_at = NULL WHERE id = $1`, [amountEx!.id]);

    // The right file waits for a second person; rejected, it can be offered again.
    const pending = await imports("right.csv", right);
    expect(pending).toMatchObject({ outcome: "PENDING_SUPERSEDE" });
    await t.run((tx) => decideProposal(tx, checker, { id: pending.proposalId!, decision: "REJECT" }));
    expect((await t.run((tx) => tx.statementFile.findFirstOrThrow({ where: { tenantId: t.tenantId, id: pending.fileId } }))).status).toBe("REJECTED");
    const again = await imports("right.csv", right);
    expect(again).toMatchObject({ outcome: "PENDING_SUPERSEDE", fileId: pending.fileId });
    expect(again.proposalId).toBeTruthy();
    expect(again.proposalId).not.toBe(pending.proposalId);

    // Approved: the wrong file's difference is withdrawn with its suspense entry, its pool released.
    await t.run((tx) => decideProposal(tx, checker, { id: again.proposalId!, decision: "APPROVE" }));
    const files = await t.run((tx) => tx.statementFile.findMany({ where: { tenantId: t.tenantId }, orderBy: { createdAt: "asc" }, select: { id: true, status: true } }));
    expect(files.map((f) => f.status)).toEqual(["SUPERSEDED", "IMPORTED"]);
    expect(await overage()).toBe(0n);
    const withdrawn = await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, id: amountEx!.id } }));
    expect(withdrawn.status).toBe("RESOLVED");
    expect(withdrawn.resolution).toContain("replaced by right.csv");
    const oldItems = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: first.fileId }, select: { outcome: true } }));
    expect(oldItems.map((i) => i.outcome).sort()).toEqual(["RELEASED", "RELEASED"]);
    // Until the new file is reconciled, the day cannot close.
    expect((await t.run((tx) => dayCloseBlockers(tx, t.ctx, billDate))).map((b) => b.code)).toContain("STATEMENT_NOT_RECONCILED");

    // The outbox reconciles the new file: both payments match (neither is a repeat of the old file's lines).
    for (let i = 0; i < 50; i++) if ((await drainOutboxOnce(200)).claimed === 0) break;
    const newItems = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: again.fileId }, select: { outcome: true, paymentId: true } }));
    expect(newItems.map((i) => [i.outcome, i.paymentId]).sort()).toEqual([["MATCHED", other.id], ["MATCHED", paid.id]].sort());
    expect((await t.run((tx) => dayCloseBlockers(tx, t.ctx, billDate))).map((b) => b.code)).not.toContain("STATEMENT_NOT_RECONCILED");
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, status: { in: ["OPEN", "INVESTIGATING", "RESOLUTION_PROPOSED"] } } }))).toBe(0);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a file the CLI or the fetch job imported to replace a statement waits without a proposal until a person proposes it", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("CLI Noodles"))))!;
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const paid = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 12_300n, product: "WECHAT_QR", subject: "cli" });
    const billDate = paid.businessDate.toISOString().slice(0, 10);
    const { costMinor } = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: paid.id } }));
    const one = csv([[paid.outTradeNo, 12_301n, costMinor]]);
    const template = await templateFor(t, "CLI CSV", one);
    const system: TenantContext = { tenantId: t.tenantId, actor: { kind: "SYSTEM", name: "statement-fetch" } };
    await importStatement(system, { channelAccountId: sandbox.id, billDate, templateId: template.id, fileName: "one.csv", bytes: one, source: "JOB" });
    const later = await importStatement(system, { channelAccountId: sandbox.id, billDate, templateId: template.id, fileName: "two.csv", bytes: csv([[paid.outTradeNo, 12_300n, costMinor]]), source: "JOB" });
    expect(later).toMatchObject({ outcome: "PENDING_SUPERSEDE", proposalId: null });

    const proposal = await t.run((tx) => proposeSupersede(tx, t.ctx, later.fileId));
    expect((await t.run((tx) => tx.statementFile.findFirstOrThrow({ where: { tenantId: t.tenantId, id: later.fileId } }))).proposalId).toBe(proposal.id);
    expect(await codeOf(t.run((tx) => proposeSupersede(tx, t.ctx, later.fileId)))).toBe("SUPERSEDE_ALREADY_PROPOSED");
    const first = await t.run((tx) => tx.statementFile.findFirstOrThrow({ where: { tenantId: t.tenantId, fileName: "one.csv" } }));
    expect(await codeOf(t.run((tx) => proposeSupersede(tx, t.ctx, first.id)))).toBe("STATEMENT_NOT_PENDING");
  });
});
