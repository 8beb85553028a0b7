import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { translator } from "@/i18n/translate";
import { accountName, baseCode, causeHref, causeLabel, causeLinkLabel, kindLabel, ledgerErrorMessage, statementKindOptions } from "./labels";

const en = translator("en");
const zh = translator("zh-CN");

// Every journal_entry.kind the code can write, and every proposal kind (they share kindLabel).
// Gathered by grep over server/core/** and the ledger's SQL functions:
//  - `draft("…")` in server/core/ledger/templates.ts: every entry posted through postEntry /
//    postEntries (payments, refunds, wallets and their demo seeding, payouts, settlement, clearing,
//    platform fee, proposals' adjustments);
//  - holds (createHold): `kind: "refund.hold"` and `kind: "payout.hold"` in templates.ts;
//  - hold resolutions: ledger_resolve_hold (prisma/migrations/20261129000000_ledger_lock_order)
//    writes `<kind>.release` and, posting, `<kind>.post`, <kind> being what postHold / voidHold
//    pass — refund.hold_post (post) and refund.void (void) in payments/refunds.ts, payout.release
//    (post) in payouts/release.ts, payout.cancel (void) in payouts/service.ts — or `hold`;
//  - ledger_expire_holds writes `hold.expire`; ledger_reverse_entry (20261127100000_ledger) always
//    `reversal`, whoever reverses (proposals, refunds, clearing);
//  - registerProposalKind("…") in server/core/**/proposal-kinds.ts and clearing/resolutions.ts.
// Devices and the day close write none. The last test below re-reads the sources so that a kind
// added later without a label fails here.
const WRITTEN_KINDS = [
  "payment.fee_at_source",
  "payment.fee_billed_monthly",
  "refund",
  "refund.completion",
  "refund.merchant_debt",
  "wallet.recharge_cost",
  "wallet.recharge",
  "wallet.transfer",
  "recon.channel_cost_correction",
  "recon.amount_correction",
  "settlement.make_available",
  "settlement.reserve_hold",
  "settlement.reserve_release",
  "settlement.debt_recovery",
  "payout.bank_success",
  "payout.bank_failure",
  "payout.returned",
  "recon.overage",
  "recon.shortage",
  "recon.write_off_shortage",
  "recon.write_off_overage",
  "funds.bank_credit",
  "memo.payment",
  "memo.refund",
  "memo.settled",
  "income.margin",
  "income.margin_clawback",
  "income.platform_fee",
  "adjustment",
  "refund.hold",
  "payout.hold",
  "refund.hold_post.release",
  "refund.hold_post.post",
  "refund.void.release",
  "payout.release.release",
  "payout.release.post",
  "payout.cancel.release",
  "hold.release",
  "hold.post",
  "hold.expire",
  "reversal",
  "ledger.adjustment",
  "ledger.reversal",
  "payment.correction",
  "recon.write_off",
  "recon.resolve",
  "statement.supersede",
  "payout.batch_release",
] as const;

const CJK = /[\u4e00-\u9fff]/;

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((f) => f.isFile() && f.name.endsWith(".ts") && !f.name.endsWith(".test.ts"))
    .map((f) => readFileSync(path.join(f.parentPath, f.name), "utf8"));
}

describe("ledger labels", () => {
  it("names accounts by their code's kind, per-owner accounts included", () => {
    expect(baseCode("merchant_funds_at_channel:3f1c")).toBe("merchant_funds_at_channel");
    expect(accountName(zh, { code: "fee_income", name: "Fee income" })).toBe("手续费收入");
    expect(accountName(en, { code: "merchant_settlement_due:3f1c", name: "x" })).toBe("Merchant settlement due");
    // A code a later module adds shows the name stored with the account.
    expect(accountName(zh, { code: "fx_gain", name: "FX gain" })).toBe("FX gain");
  });

  it("names entry kinds, and shows an unknown kind as its code", () => {
    expect(kindLabel(zh, "adjustment")).toBe("手工调账");
    expect(kindLabel(en, "reversal")).toBe("Reversing entry");
    expect(kindLabel(en, "recon.something_new")).toBe("recon.something_new");
    // An ending the ledger writes on an unknown kind is still unknown.
    expect(kindLabel(zh, "recon.something_new.post")).toBe("recon.something_new.post");
    expect(kindLabel(en, "post")).toBe("post");
  });

  it("names a hold's post and release by what resolved it", () => {
    expect(kindLabel(zh, "refund.hold_post.post")).toBe("退款成功（冻结转入账）");
    expect(kindLabel(zh, "refund.hold_post.release")).toBe("退款成功（解除冻结）");
    expect(kindLabel(en, "refund.void.release")).toBe("Refund failed (hold released)");
    expect(kindLabel(en, "payout.release.post")).toBe("Payout batch approved (posted from hold)");
    expect(kindLabel(zh, "payout.cancel.release")).toBe("代付撤销（解除冻结）");
    expect(kindLabel(zh, "hold.release")).toBe("解除冻结");
    // A kind with a label of its own resolved through a hold reads the same way.
    expect(kindLabel(en, "refund.hold.post")).toBe("Refund hold (posted from hold)");
  });

  it("labels every kind the code writes, in both languages", () => {
    for (const kind of WRITTEN_KINDS) {
      const zhLabel = kindLabel(zh, kind);
      const enLabel = kindLabel(en, kind);
      expect.soft(zhLabel, kind).not.toBe(kind);
      expect.soft(enLabel, kind).not.toBe(kind);
      expect.soft(zhLabel, kind).toMatch(CJK);
      expect.soft(enLabel, kind).not.toMatch(CJK);
      expect.soft(`${zhLabel} ${enLabel}`, kind).not.toMatch(/ledger\.|\{kind\}/);
    }
  });

  it("the list above holds every kind literal the server and the ledger's SQL write", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const found = new Set<string>();
    for (const src of sourcesUnder(path.join(root, "server/core"))) {
      for (const re of [/\bdraft\("([^"]+)"/g, /\bkind: "([a-z_]+(?:\.[a-z_]+)+)"/g, /registerProposalKind\("([^"]+)"/g, /_KIND = "([a-z_]+(?:\.[a-z_]+)+)"/g]) {
        for (const m of src.matchAll(re)) if (m[1]) found.add(m[1]);
      }
    }
    const migrations = path.join(root, "prisma/migrations");
    for (const dir of readdirSync(migrations, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      // Also catches ledger_resolve_hold's default (`COALESCE(p->>'kind', 'hold')`).
      const sql = readFileSync(path.join(migrations, dir.name, "migration.sql"), "utf8");
      for (const m of sql.matchAll(/'kind', '([a-z_.]+)'/g)) if (m[1]) found.add(m[1]);
    }
    expect(found.size).toBeGreaterThan(30);
    const written: readonly string[] = WRITTEN_KINDS;
    // A kind passed to postHold / voidHold is written with its ending (at least `.release`).
    const missing = [...found].filter((k) => !written.includes(k) && !written.includes(`${k}.release`));
    expect(missing).toEqual([]);
  });

  it("offers every entry kind as a statement filter, by label, and no proposal kind", () => {
    for (const t of [en, zh]) {
      const options = statementKindOptions(t);
      const values = options.map((o) => o.value);
      expect(new Set(values).size).toBe(values.length);
      for (const o of options) {
        expect.soft(o.label, o.value).not.toBe(o.value);
        expect.soft(o.label, o.value).not.toMatch(/ledger\.|\{kind\}/);
      }
      for (const proposalKind of ["ledger.adjustment", "ledger.reversal", "payment.correction", "recon.write_off", "recon.resolve", "statement.supersede", "payout.batch_release"]) {
        expect(values).not.toContain(proposalKind);
      }
      // Every kind an entry is written with is found by one choice: X itself, or X.post / X.release.
      const entryKinds = WRITTEN_KINDS.slice(0, WRITTEN_KINDS.indexOf("ledger.adjustment"));
      for (const kind of entryKinds) expect.soft(values.some((v) => kind === v || kind === `${v}.post` || kind === `${v}.release`), kind).toBe(true);
    }
    expect(statementKindOptions(en).find((o) => o.value === "refund.hold_post")?.label).toBe("Refund succeeded");
    expect(statementKindOptions(zh).find((o) => o.value === "adjustment")?.label).toBe("手工调账");
  });

  it("names every cause type the server writes and links the ones with a page", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const found = new Set<string>();
    for (const src of sourcesUnder(path.join(root, "server/core"))) for (const m of src.matchAll(/\bcauseType: "([a-z_]+)"/g)) if (m[1]) found.add(m[1]);
    expect([...found]).toEqual(expect.arrayContaining(["payment", "refund", "payout", "recon_item", "settlement", "statement_line", "proposal", "demo"]));
    for (const type of found) {
      expect.soft(causeLabel(zh, type), type).toMatch(CJK);
      expect.soft(causeLabel(en, type), type).not.toBe(type);
      expect.soft(causeLabel(en, type), type).not.toMatch(CJK);
    }
    expect(causeLabel(en, "something_new")).toBe("something_new");
    const id = "8a1f2c3d-0000-4000-8000-000000000001";
    expect(causeHref({ page: "payment", id })).toBe(`/payments/${id}`);
    expect(causeHref({ page: "payout", id })).toBe(`/payouts/${id}`);
    expect(causeHref({ page: "exception", id })).toBe(`/exceptions/${id}`);
    expect(causeHref({ page: "proposal", id })).toBe(`/ledger/adjustments/${id}`);
    expect(causeHref({ page: "wallet", id })).toBe(`/wallets/${id}`);
    expect(causeHref({ page: "settlements", id: null })).toBe("/settlements");
    expect(causeHref({ page: "elsewhere", id })).toBeNull();
    expect(causeLinkLabel(zh, "payment")).toBe("查看支付订单");
    expect(causeLinkLabel(en, "elsewhere")).toBeNull();
  });

  it("translates known domain codes and keeps the server's message otherwise", () => {
    const selfApproval = { message: "You cannot decide your own proposal; another person must", data: { domainCode: "SELF_APPROVAL" } };
    expect(ledgerErrorMessage(zh, selfApproval)).toBe("不能审批自己提交的申请，须由他人审批。");
    expect(ledgerErrorMessage(en, selfApproval)).toMatch(/^You cannot decide your own proposal/);
    const notReady = { message: "Reconciliation of 2025-01-02 is not approved", data: { domainCode: "DAY_NOT_READY" } };
    expect(ledgerErrorMessage(en, notReady)).toContain("Reconciliation of 2025-01-02 is not approved");
    expect(ledgerErrorMessage(en, new Error("boom"))).toBe("boom");
  });
});
