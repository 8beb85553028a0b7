import { describe, expect, it } from "vitest";
import { translator } from "@/i18n/translate";
import { accountName, baseCode, kindLabel, ledgerErrorMessage } from "./labels";

const en = translator("en");
const zh = translator("zh-CN");

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
