import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MOVEMENT_KIND_LABELS, movementKindLabel, statementCsv, type MerchantStatement } from "./statement";

// The merchant statement's words for its balance movements: every journal entry kind that can
// move a merchant's balance has a label in both languages (a hold's posting named by what resolved
// it), checked against the ledger templates and the hold resolutions the server writes, so a kind
// added later that reaches a merchant's statement without a label fails here.

const CJK = /[\u4e00-\u9fff]/;
const root = path.resolve(import.meta.dirname, "../../..");

// Kinds seen among a merchant's posted entries (CUSTODIAL payable, pending, reserve, receivable;
// DIRECT settlement due), hold postings included, and the manual ones.
const MERCHANT_KINDS = [
  "payment.fee_at_source",
  "payment.fee_billed_monthly",
  "refund",
  "refund.completion",
  "refund.merchant_debt",
  "refund.hold_post.post",
  "refund.hold_post.release",
  "refund.void.release",
  "settlement.make_available",
  "settlement.reserve_hold",
  "settlement.reserve_release",
  "settlement.debt_recovery",
  "payout.release.post",
  "payout.release.release",
  "payout.cancel.release",
  "payout.bank_failure",
  "payout.returned",
  "recon.amount_correction",
  "memo.payment",
  "memo.refund",
  "memo.settled",
  "adjustment",
  "reversal",
  "hold.post",
  "hold.release",
  "hold.expire",
] as const;

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((f) => f.isFile() && f.name.endsWith(".ts") && !f.name.endsWith(".test.ts"))
    .map((f) => readFileSync(path.join(f.parentPath, f.name), "utf8"));
}

const statement = (movements: MerchantStatement["movements"]): MerchantStatement => ({
  tenantName: "Huiyun",
  productName: "Huiyun Pay",
  merchant: { id: "8a1f2c3d-0000-4000-8000-000000000001", legalName: "Fresh Fruit Co., Ltd.", shortName: "Fresh Fruit" },
  mode: "CUSTODIAL",
  from: "2026-11-01",
  to: "2026-11-30",
  payments: [],
  refunds: [],
  movements,
  totals: { paymentsCount: 0, paymentsMinor: 0n, feesMinor: 0n, refundsCount: 0, refundsMinor: 0n, feesReturnedMinor: 0n, netMinor: 0n, movementsMinor: movements.reduce((s, m) => s + m.amountMinor, 0n) },
  openingMinor: 0n,
  closingMinor: movements.reduce((s, m) => s + m.amountMinor, 0n),
});

describe("merchant statement movement labels", () => {
  it("labels every kind a merchant reads, in both languages", () => {
    for (const kind of MERCHANT_KINDS) {
      const zh = movementKindLabel(kind, "zh-CN");
      const en = movementKindLabel(kind, "en");
      expect.soft(zh, kind).not.toBe(kind);
      expect.soft(en, kind).not.toBe(kind);
      expect.soft(zh, kind).toMatch(CJK);
      expect.soft(en, kind).not.toMatch(CJK);
    }
  });

  it("names a hold's posting and release by what resolved it", () => {
    expect(movementKindLabel("refund.hold_post.post", "zh-CN")).toBe("退款");
    expect(movementKindLabel("refund.hold_post.post", "en")).toBe("Refund");
    expect(movementKindLabel("payout.release.post", "zh-CN")).toBe("结算出款");
    expect(movementKindLabel("payout.release.post", "en")).toBe("Payout");
    expect(movementKindLabel("refund.void.release", "en")).toBe("Refund failed");
    expect(movementKindLabel("payout.cancel.release", "zh-CN")).toBe("出款撤销");
    // A kind with a label of its own resolved through a hold reads the same way.
    expect(movementKindLabel("refund.hold.post", "en")).toBe("Refund");
    expect(movementKindLabel("settlement.reserve_release", "zh-CN")).toBe("风险保证金释放");
    expect(movementKindLabel("recon.amount_correction", "en")).toBe("Amount corrected by reconciliation");
  });

  it("shows a kind it does not know as its code", () => {
    expect(movementKindLabel("income.something_new", "zh-CN")).toBe("income.something_new");
    expect(movementKindLabel("income.something_new.post", "en")).toBe("income.something_new.post");
    expect(movementKindLabel("post", "en")).toBe("post");
    // Not an inherited property of the table either.
    expect(movementKindLabel("constructor", "en")).toBe("constructor");
  });

  it("the list above holds every kind the ledger templates and hold resolutions write to a merchant's balance", () => {
    const templates = readFileSync(path.join(root, "server/core/ledger/templates.ts"), "utf8");
    const found = new Set<string>();
    // A template that names one of the merchant's balance accounts (or takes the payout's or refund's source, which can be one).
    const merchantAccount = /\b(merchantPending|merchantAvailable|merchantReserve|merchantReceivable|memoDue|refundFunding)\(|\bsource: AccountRef\b/;
    for (const chunk of templates.split(/\nexport function /).slice(1)) {
      if (!merchantAccount.test(chunk)) continue;
      for (const m of chunk.matchAll(/\bdraft\("([^"]+)"/g)) if (m[1]) found.add(m[1]);
      for (const m of chunk.matchAll(/\bkind: "([a-z_]+(?:\.[a-z_]+)+)"/g)) if (m[1]) found.add(`${m[1]}.post`);
    }
    // postHold / voidHold name the resolution: ledger_resolve_hold writes <kind>.release, and <kind>.post when posting.
    for (const src of sourcesUnder(path.join(root, "server/core"))) {
      for (const m of src.matchAll(/\b(postHold|voidHold)\([\s\S]{0,400}?\bkind: "([a-z_.]+)"/g)) {
        if (!m[2]) continue;
        found.add(`${m[2]}.release`);
        if (m[1] === "postHold") found.add(`${m[2]}.post`);
      }
    }
    expect(found.size).toBeGreaterThan(15);
    const listed: readonly string[] = MERCHANT_KINDS;
    expect([...found].filter((k) => !listed.includes(k) && k !== "refund.hold.post" && k !== "payout.hold.post")).toEqual([]);
    for (const k of found) expect.soft(movementKindLabel(k, "en"), k).not.toBe(k);
  });

  it("writes every label of its table in both languages", () => {
    for (const [kind, label] of Object.entries(MOVEMENT_KIND_LABELS)) {
      expect.soft(label["zh-CN"], kind).toMatch(CJK);
      expect.soft(label.en, kind).not.toMatch(CJK);
    }
  });
});

describe("merchant statement CSV", () => {
  it("writes each movement's kind in the merchant's words", () => {
    const s = statement([
      { date: "2026-11-02", kind: "payment.fee_at_source", description: "Payment SY1", amountMinor: 9_962n },
      { date: "2026-11-03", kind: "refund.hold_post.post", description: "Refund R1", amountMinor: -4_981n },
      { date: "2026-11-04", kind: "recon.amount_correction", description: null, amountMinor: 300n },
      { date: "2026-11-05", kind: "payout.release.post", description: "Payout P1", amountMinor: -5_000n },
      { date: "2026-11-06", kind: "payout.returned", description: "Payout P1 returned", amountMinor: 5_000n },
      { date: "2026-11-07", kind: "reversal", description: "Reversal of 3f1c", amountMinor: -300n },
    ]);
    const zh = statementCsv(s, "zh-CN").split("\r\n");
    expect(zh).toContain('2026-11-03,退款,Refund R1,"-49.81"');
    expect(zh).toContain("2026-11-04,对账金额调整,,3.00");
    expect(zh).toContain('2026-11-05,结算出款,Payout P1,"-50.00"');
    expect(zh).toContain("2026-11-06,退汇,Payout P1 returned,50.00");
    expect(zh).toContain('2026-11-07,冲正,Reversal of 3f1c,"-3.00"');
    const en = statementCsv(s, "en");
    expect(en).toContain('2026-11-03,Refund,Refund R1,"-49.81"');
    expect(en).toContain('2026-11-05,Payout,Payout P1,"-50.00"');
    expect(en).toContain("2026-11-04,Amount corrected by reconciliation,,3.00");
    // No raw entry kind is left among the movements.
    expect(en).not.toMatch(/hold_post|release\.post|amount_correction|fee_at_source/);
  });
});
