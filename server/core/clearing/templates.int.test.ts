import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchant } from "@/server/core/merchants/service";
import { createTestPayment } from "@/server/core/payments/test-payment";
import { run as cli } from "@/server/cli/main";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { codeOf } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { importStatement } from "./import";
import { seedDemoTemplate } from "./demo";
import { getStatementTemplate, listStatementTemplates, previewStatementTemplate, previewBlocker, saveStatementTemplate } from "./templates";

// Finance-defined templates against a real database: saved as versions (a save whose preview
// disagrees with the sample's own summary is refused), then used to import an acquirer's file we
// have no parser for, which is stored with the version that read it and reconciled like any
// channel's bill. And by the CLI, by name.

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_templates");
});
afterAll(async () => db?.drop());

/** An acquirer's CSV: yuan, refunds positive with a kind column, a footer with the count and net total. */
const definition = (over: Record<string, unknown> = {}) => ({
  name: "Lakala daily CSV",
  encoding: "utf-8",
  layout: { kind: "delimited", delimiter: "," },
  headerLines: 1,
  footerLines: 1,
  columns: { outTradeNo: "商户订单号", outRefundNo: "退款单号", occurredAt: "交易时间", amount: "金额", fee: "手续费", kind: { by: "COLUMN", column: "类型", payment: ["消费"], refund: ["退货"] } },
  amountUnit: "YUAN",
  dateFormat: "YYYY-MM-DD HH:mm:ss",
  signConvention: "REFUNDS_POSITIVE_BY_KIND",
  summary: { line: "LAST_FOOTER", countColumn: 0, amountColumn: 1 },
  ...over,
});

const csv = (rows: Array<[string, string, string, string, string, string]>, footer: [string, string]) =>
  Buffer.from(["商户订单号,金额,手续费,类型,交易时间,退款单号", ...rows.map((r) => r.join(",")), footer.join(",")].join("\n") + "\n");

const yuan = (minor: bigint) => `${minor / 100n}.${String(minor % 100n).padStart(2, "0")}`;

describe("statement templates", () => {
  it("saves versions; a preview that disagrees with the sample's summary stops the save; an invalid definition names its field", async () => {
    const t = await makeTenant();
    const sample = csv([["A-1", "10.00", "0.06", "消费", "2026-11-01 10:00:00", ""], ["A-1", "2.50", "0.01", "退货", "2026-11-01 11:00:00", "R-1"]], ["2", "7.50"]);
    const sampleBase64 = sample.toString("base64");

    const preview = previewStatementTemplate({ definition: definition(), sampleBase64 });
    expect(preview.errorCount).toBe(0);
    expect(preview.computed).toMatchObject({ count: 2, amountMinor: 750n, feeMinor: 5n });
    expect(preview.declared).toEqual({ count: 2, amountMinor: 750n });

    // Read as fen, the sample's decimals are a problem on every line and the preview says why: not saved.
    const asFen = previewStatementTemplate({ definition: definition({ amountUnit: "FEN" }), sampleBase64 });
    expect(asFen.hints.map((h) => h.code)).toContain("YUAN_READ_AS_FEN");
    await expect(t.run((tx) => saveStatementTemplate(tx, t.ctx, { definition: definition({ amountUnit: "FEN" }), sampleBase64 }))).rejects.toThrow(/Not saved: the sample has \d+ problems \(first: line 2: the amount "10.00" has decimals, but the template reads whole fen\)/);
    // Refunds read as payments: the lines add up to 12.50, the footer says 7.50.
    const noKind = definition({ signConvention: "REFUNDS_NEGATIVE", columns: { ...definition().columns, kind: { by: "COLUMN", column: "类型", payment: ["消费", "退货"] } } });
    expect(await codeOf(t.run((tx) => saveStatementTemplate(tx, t.ctx, { definition: noKind, sampleBase64 })))).toBe("TEMPLATE_PREVIEW_FAILS");
    await expect(t.run((tx) => saveStatementTemplate(tx, t.ctx, { definition: definition({ summary: { line: "LAST_FOOTER" } }) }))).rejects.toThrow(/summary: a summary needs a count column, an amount column or both/);
    expect(await ownerQuery(db.url, `SELECT 1 FROM statement_template WHERE tenant_id = $1`, [t.tenantId])).toEqual([]);

    const v1 = await t.run((tx) => saveStatementTemplate(tx, t.ctx, { definition: definition(), sampleBase64, note: "first" }));
    expect(v1).toMatchObject({ name: "Lakala daily CSV", version: 1, note: "first", createdBy: t.owner.email });
    // The same definition again is not a version (jsonb reorders keys; still the same).
    expect(await codeOf(t.run((tx) => saveStatementTemplate(tx, t.ctx, { definition: definition(), sampleBase64 })))).toBe("TEMPLATE_UNCHANGED");
    const v2 = await t.run((tx) => saveStatementTemplate(tx, t.ctx, { definition: definition({ columns: { ...definition().columns, channelTradeNo: "商户订单号" } }), sampleBase64, note: "trade no" }));
    expect(v2.version).toBe(2);

    const list = await t.run((tx) => listStatementTemplates(tx, t.ctx));
    expect(list).toEqual([expect.objectContaining({ id: v2.id, version: 2, versions: 2, files: 0 })]);
    const got = await t.run((tx) => getStatementTemplate(tx, t.ctx, v1.id));
    expect(got.versions.map((v) => [v.version, v.note])).toEqual([[2, "trade no"], [1, "first"]]);
    const audit = await ownerQuery<{ action: string }>(db.url, `SELECT action FROM audit_log WHERE tenant_id = $1 AND entity_type = 'statement_template'`, [t.tenantId]);
    expect(audit.map((a) => a.action)).toEqual(["statement_template.save", "statement_template.save"]);

    // Another tenant neither sees nor reads it.
    const other = await makeTenant();
    expect(await other.run((tx) => listStatementTemplates(tx, other.ctx))).toEqual([]);
    expect(await codeOf(other.run((tx) => getStatementTemplate(tx, other.ctx, v1.id)))).toBe("NOT_FOUND");
  });

  it("imports a file through a template: stored whole with its version, reconciled against our payments; refused whole when it does not add up; by the CLI by name", async () => {
    const t = await makeTenant();
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Template Noodles"))))!;
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const paid = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 12_300n, product: "WECHAT_QR", subject: "template" });
    expect(paid.status).toBe("SUCCEEDED");
    const [{ d: billDate, cost }] = (await ownerQuery<{ d: string; cost: string }>(db.url, `SELECT business_date::text AS d, cost_minor::text AS cost FROM payment WHERE id = $1`, [paid.id])) as [{ d: string; cost: string }];
    const rows: Array<[string, string, string, string, string, string]> = [
      [paid.outTradeNo, yuan(12_300n), yuan(BigInt(cost)), "消费", "2026-11-01 10:00:00", ""],
      ["NOT-OURS-1", "5.00", "0.03", "消费", "2026-11-01 10:05:00", ""],
    ];
    const file = csv(rows, ["2", yuan(12_800n)]);
    const v1 = await t.run((tx) => saveStatementTemplate(tx, t.ctx, { definition: definition(), sampleBase64: file.toString("base64") }));

    // A template file without its template, or a template with another format, is refused.
    expect(await codeOf(importStatement(t.ctx, { channelAccountId: sandbox.id, billDate, format: "TEMPLATE", fileName: "lakala.csv", bytes: file, source: "UPLOAD" }))).toBe("STATEMENT_TEMPLATE_REQUIRED");
    expect(await codeOf(importStatement(t.ctx, { channelAccountId: sandbox.id, billDate, format: "WECHAT_TRADE_BILL", templateId: v1.id, fileName: "lakala.csv", bytes: file, source: "UPLOAD" }))).toBe("INVALID_REQUEST");
    // A file whose footer disagrees with its lines: refused with the line, nothing stored.
    const wrong = csv(rows, ["2", "999.00"]);
    await expect(importStatement(t.ctx, { channelAccountId: sandbox.id, billDate, templateId: v1.id, fileName: "wrong.csv", bytes: wrong, source: "UPLOAD" })).rejects.toThrow(/line 4: the summary states a total of 99900 fen, the lines add up to 12800/);
    expect(await ownerQuery(db.url, `SELECT 1 FROM statement_file WHERE tenant_id = $1`, [t.tenantId])).toEqual([]);

    const imported = await importStatement(t.ctx, { channelAccountId: sandbox.id, billDate, templateId: v1.id, fileName: "lakala.csv", bytes: file, source: "UPLOAD" });
    expect(imported).toMatchObject({ outcome: "IMPORTED", format: "TEMPLATE", lines: 2, declared: { count: 2, amountMinor: 12_800n } });
    expect(imported.reconciliation?.byOutcome).toEqual({ MATCHED: 1, DIFFERENCE: 1 });
    expect(imported.reconciliation?.differences).toEqual({ CHANNEL_ONLY: 1 });
    const [stored] = await ownerQuery<{ format: string; template_id: string; n: number }>(
      db.url,
      `SELECT f.format, f.template_id, (SELECT count(*)::int FROM statement_line l WHERE l.file_id = f.id) AS n FROM statement_file f WHERE f.tenant_id = $1`,
      [t.tenantId],
    );
    expect(stored).toEqual({ format: "TEMPLATE", template_id: v1.id, n: 2 });
    expect((await t.run((tx) => listStatementTemplates(tx, t.ctx)))[0]).toMatchObject({ files: 1 });
    // The version that read a file cannot go while the file is there (even for the owner role).
    await expect(ownerQuery(db.url, `DELETE FROM statement_template WHERE id = $1`, [v1.id])).rejects.toThrow(/foreign key/);

    // The CLI names the template; the next day's file, its newest version.
    await t.run((tx) => saveStatementTemplate(tx, t.ctx, { definition: definition({ columns: { ...definition().columns, channelTradeNo: "商户订单号" } }) }));
    const dir = mkdtempSync(path.join(tmpdir(), "tpl-"));
    // A quote and a backslash in a field reach the line's raw columns as printed.
    const next = csv([["NOT-OURS-2", "1.00", "0.00", "消费", "2026-11-02 09:00:00", 'x"y\\z']], ["1", "1.00"]);
    writeFileSync(path.join(dir, "next.csv"), next);
    const out = (await cli(["recon", "import", "--tenant", t.slug, "--channel-account", sandbox.id, "--date", "2026-11-02", "--file", path.join(dir, "next.csv"), "--template", "Lakala daily CSV"])) as { outcome: string; format: string };
    expect(out).toMatchObject({ outcome: "IMPORTED", format: "TEMPLATE" });
    const versions = await ownerQuery<{ version: number }>(db.url, `SELECT t.version FROM statement_file f JOIN statement_template t ON t.id = f.template_id WHERE f.tenant_id = $1 ORDER BY f.created_at`, [t.tenantId]);
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    const [raw] = await ownerQuery<{ raw: Record<string, string> }>(db.url, `SELECT l.raw FROM statement_line l JOIN statement_file f ON f.id = l.file_id WHERE f.tenant_id = $1 AND f.bill_date = '2026-11-02'`, [t.tenantId]);
    expect(raw!.raw).toEqual({ 商户订单号: "NOT-OURS-2", 金额: "1.00", 手续费: "0.00", 类型: "消费", 交易时间: "2026-11-02 09:00:00", 退款单号: 'x"y\\z' });
    await expect(cli(["recon", "import", "--tenant", t.slug, "--channel-account", sandbox.id, "--date", "2026-11-03", "--file", path.join(dir, "next.csv"), "--template", "No such"])).rejects.toThrow(/No statement template is called "No such"/);
  });

  it("the demo's templates are valid and read a file of their shape", async () => {
    const t = await makeTenant();
    const en = await t.run((tx) => seedDemoTemplate(tx, t.ctx, false));
    const zh = await t.run((tx) => seedDemoTemplate(tx, t.ctx, true));
    expect([en.version, zh.version]).toEqual([1, 1]);
    const sample = Buffer.from(["Order no,Amount,Fee,Type,Time,Refund no,Merchant no", "D-1,12.00,0.07,SALE,2026-11-01 10:00:00,,1900000109", "D-1,2.00,0.01,REFUND,2026-11-01 11:00:00,DR-1,1900000109", "2,10.00"].join("\n"));
    const p = previewStatementTemplate({ definition: en.definition, sampleBase64: sample.toString("base64") });
    expect(previewBlocker(p)).toBeNull();
    expect(p.computed).toMatchObject({ count: 2, amountMinor: 1_000n });
  });
});
