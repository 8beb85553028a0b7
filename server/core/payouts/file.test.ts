import { describe, expect, it } from "vitest";
import { parseDetailLine, payoutFileName, renderPayoutFile } from "./file";

// The payout file's fixed widths count characters, so a Chinese name shifts nothing.

const BATCH = "0f9e8d7c-6b5a-4c3d-9e2f-112233445566";
const AT = new Date("2026-03-01T16:30:05Z"); // 2026-03-02 00:30:05 in Beijing

describe("the payout file", () => {
  const lines = [
    { outPayoutNo: "PO20260302AAAAAAAAAAAAAAAA", accountNumber: "6222020200001234", accountName: "张三", bankCode: "ICBC", amountMinor: 12_345n, memo: "W order-1" },
    { outPayoutNo: "PO20260302BBBBBBBBBBBBBBBB", accountNumber: "621226020000777788889", accountName: "Li Si Trading 李四贸易有限公司", bankCode: "CMB", amountMinor: 1n, memo: `S ${"x".repeat(40)}` },
  ];
  const text = renderPayoutFile(BATCH, AT, lines);
  const rows = text.split("\n");

  it("has a header, one fixed-width line per payout and a trailer with count and total, LF-terminated", () => {
    expect(rows.length).toBe(5);
    expect(rows[4]).toBe("");
    expect(rows[0]).toBe("HSWYPAY010f9e8d7c6b5a4c3d9e2f11223344556620260302003005CNYFILE");
    expect([...rows[0]!].length).toBe(62);
    for (const r of rows.slice(1, 3)) expect([...r].length).toBe(186);
    expect(rows[3]).toBe("T00000002000000000000012346");
  });

  it("reads back what was written; memos are cut at 30 characters, names are not", () => {
    expect(parseDetailLine(rows[1]!)).toEqual({ lineNo: 1, ...lines[0] });
    expect(parseDetailLine(rows[2]!)).toMatchObject({ lineNo: 2, accountName: "Li Si Trading 李四贸易有限公司", accountNumber: "621226020000777788889", memo: `S ${"x".repeat(28)}` });
    expect(() => renderPayoutFile(BATCH, AT, [{ ...lines[0]!, accountName: "名".repeat(61) }])).toThrow(/accountName/);
    expect(() => renderPayoutFile(BATCH, AT, [{ ...lines[0]!, amountMinor: -1n }])).toThrow(/negative/);
  });

  it("is named by batch and Beijing date", () => {
    expect(payoutFileName(BATCH, AT)).toBe("PAYOUT_0F9E8D7C6B5A_20260302.txt");
  });
});
