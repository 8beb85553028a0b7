import { describe, expect, it } from "vitest";
import { formatError } from "./format-error.testing";
import { parseDetailLine, renderPayoutFile } from "@/server/core/payouts/file";
import { encodeGbk } from "@/server/simulators/bank/gbk";
import { parseBankCredit, parseBankPayoutResult } from "./bank-files";

const utf8 = (text: string) => Buffer.from(text, "utf8");

describe("the bank credit file (SWYCRD01)", () => {
  const credits = [
    "H,SWYCRD01,6222020200001234567,20240106,CNY",
    "C,20240106,6217****0001,财付通支付科技有限公司,123456,B20240106000001,WX结算 20240105",
    'C,20240106,6225880212345678,"Alipay, Settlement",1,B20240106000002,"ref ""A-1"""',
    "T,2,123457",
  ];

  it("reads one CREDIT line per credit, masks a full account, and checks the trailer", () => {
    const parsed = parseBankCredit(utf8(credits.join("\n") + "\n"));
    expect(parsed.format).toBe("BANK_CREDIT");
    expect(parsed.billDate).toBe("2024-01-06");
    expect(parsed.account).toBe("6222***********4567");
    expect(parsed.lines).toEqual([
      {
        lineNo: 2,
        kind: "CREDIT",
        status: "CREDIT",
        occurredAt: "2024-01-06T00:00:00+08:00",
        account: "6217****0001",
        amountMinor: 123_456n,
        settleableMinor: 123_456n,
        feeMinor: 0n,
        raw: { valueDate: "20240106", counterpartyAccount: "6217****0001", counterpartyName: "财付通支付科技有限公司", bankSerialNo: "B20240106000001", memo: "WX结算 20240105" },
      },
      {
        lineNo: 3,
        kind: "CREDIT",
        status: "CREDIT",
        occurredAt: "2024-01-06T00:00:00+08:00",
        account: "6225********5678",
        amountMinor: 1n,
        settleableMinor: 1n,
        feeMinor: 0n,
        raw: { valueDate: "20240106", counterpartyAccount: "6225********5678", counterpartyName: "Alipay, Settlement", bankSerialNo: "B20240106000002", memo: 'ref "A-1"' },
      },
    ]);
    expect(parsed.declared).toEqual({ count: 2, amountMinor: 123_457n });
    expect(parsed.computed).toEqual(parsed.declared);
  });

  it("reads the same file in GBK, or in UTF-8 with a BOM and CRLF, with blank lines", () => {
    const expected = parseBankCredit(utf8(credits.join("\n"))).lines;
    expect(parseBankCredit(encodeGbk(credits.join("\r\n") + "\r\n")).lines).toEqual(expected);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(credits.join("\r\n") + "\r\n\r\n")]);
    expect(parseBankCredit(bom).lines).toEqual(expected);
    const blank = [...credits.slice(0, 2), "", ...credits.slice(2)].join("\n");
    expect(parseBankCredit(utf8(blank)).lines.map((l) => l.lineNo)).toEqual([2, 4]);
  });

  it("refuses a file whose trailer disagrees with its lines", () => {
    const wrongTotal = formatError(() => parseBankCredit(utf8([...credits.slice(0, 3), "T,2,123456"].join("\n"))));
    expect(wrongTotal).toMatchObject({ code: "TOTALS_MISMATCH", lineNo: 4 });
    expect(wrongTotal.message).toBe("line 4: the trailer states 2 credits totalling 123456 fen, the file has 2 totalling 123457");
    expect(formatError(() => parseBankCredit(utf8([...credits.slice(0, 2), "T,2,123457"].join("\n"))))).toMatchObject({ code: "TOTALS_MISMATCH", lineNo: 3 });
  });

  it("refuses a file cut short, lines after the trailer, and malformed credits, naming the line", () => {
    expect(formatError(() => parseBankCredit(utf8(credits.slice(0, 3).join("\n") + "\n")))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(formatError(() => parseBankCredit(utf8([...credits, credits[1]].join("\n"))))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 5 });
    const bad = (line: string) => formatError(() => parseBankCredit(utf8([credits[0], line, "T,1,100"].join("\n"))));
    expect(bad("C,20240106,6217****0001,X,-100,B1,")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    expect(bad("C,20240106,6217****0001,X,1.00,B1,")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    expect(bad("C,20240231,6217****0001,X,100,B1,")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    expect(bad("C,20240106,6217****0001,X,100,B1")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    expect(bad('C,20240106,6217****0001,"X,100,B1,')).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    expect(bad("D,20240106,6217****0001,X,100,B1,")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    const twice = formatError(() => parseBankCredit(utf8([credits[0], credits[1], credits[1], "T,2,246912"].join("\n"))));
    expect(twice).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(twice.message).toMatch(/listed twice \(first on line 2\)/);
  });

  it("refuses what is not a credit file, or not text", () => {
    expect(formatError(() => parseBankCredit(utf8("date,amount\n2024-01-06,100\n")))).toMatchObject({ code: "NOT_A_STATEMENT", lineNo: 1 });
    expect(formatError(() => parseBankCredit(Buffer.alloc(0)))).toMatchObject({ code: "NOT_A_STATEMENT" });
    expect(formatError(() => parseBankCredit(Buffer.from([0x48, 0x2c, 0x81, 0x20, 0xff])))).toMatchObject({ code: "ENCODING" });
    expect(formatError(() => parseBankCredit(utf8(credits[0]!.replace("CNY", "USD"))))).toMatchObject({ code: "UNSUPPORTED", lineNo: 1 });
  });
});

describe("the bank's payout result file (SWYRES01)", () => {
  // The outgoing payout file, as our batch release renders it; the result answers it payout by payout.
  const BATCH = "0f9e8d7c-6b5a-4c3d-9e2f-112233445566";
  const outgoing = renderPayoutFile(BATCH, new Date("2026-03-01T16:30:05Z"), [
    { outPayoutNo: "PO20260302AAAAAAAAAAAAAAAA", accountNumber: "6222020200001234", accountName: "张三", bankCode: "ICBC", amountMinor: 12_345n, memo: "W order-1" },
    { outPayoutNo: "PO20260302BBBBBBBBBBBBBBBB", accountNumber: "6212260200000000", accountName: "李四", bankCode: "CMB", amountMinor: 500n, memo: "W order-2" },
    { outPayoutNo: "PO20260302CCCCCCCCCCCCCCCC", accountNumber: "6212260200009999", accountName: "王五", bankCode: "CMB", amountMinor: 1n, memo: "S ref-3" },
  ]);
  const sent = outgoing
    .split("\n")
    .filter((l) => l.startsWith("D"))
    .map(parseDetailLine);

  const left = (s: string, w: number) => s + " ".repeat(w - [...s].length);
  const num = (n: bigint | number, w: number) => String(n).padStart(w, "0");
  const header = `HSWYRES01${BATCH.replaceAll("-", "")}20260302093000CNY`;
  type Result = "SUCCEEDED" | "FAILED" | "RETURNED";
  const detail = (i: number, result: Result, code = "", reason = "", account?: string) => {
    const p = sent[i]!;
    return [
      "D",
      num(p.lineNo, 6),
      left(p.outPayoutNo, 32),
      left(account ?? p.accountNumber.replace(/^(\d{4})\d+(\d{4})$/, "$1********$2"), 30),
      num(p.amountMinor, 15),
      left(result, 9),
      "20260302091500",
      left(`BK${i}`, 32),
      left(code, 8),
      left(reason, 60),
    ].join("");
  };
  const trailer = (count: number, total: bigint, s: [number, bigint], f: [number, bigint], r: [number, bigint]) =>
    `T${num(count, 8)}${num(total, 18)}${num(s[0], 8)}${num(s[1], 18)}${num(f[0], 8)}${num(f[1], 18)}${num(r[0], 8)}${num(r[1], 18)}`;
  const details = [detail(0, "SUCCEEDED"), detail(1, "FAILED", "61", "收款账号无效"), detail(2, "RETURNED", "RT", "退汇 账户已销户")];
  const goodTrailer = trailer(3, 12_846n, [1, 12_345n], [1, 500n], [1, 1n]);
  const resultFile = (...lines: string[]) => utf8(lines.join("\n") + "\n");

  it("has the widths it documents, counted in characters", () => {
    expect([...header].length).toBe(58);
    for (const d of details) expect([...d].length).toBe(207);
    expect([...goodTrailer].length).toBe(105);
  });

  it("reads one PAYOUT_RESULT per payout, by our payout number, with the bank's verdict", () => {
    const parsed = parseBankPayoutResult(resultFile(header, ...details, goodTrailer));
    expect(parsed.format).toBe("BANK_PAYOUT_RESULT");
    expect(parsed.batchId).toBe(BATCH);
    expect(parsed.billDate).toBe("2026-03-02");
    expect(parsed.lines[0]).toEqual({
      lineNo: 2,
      kind: "PAYOUT_RESULT",
      status: "SUCCEEDED",
      occurredAt: "2026-03-02T09:15:00+08:00",
      outPayoutNo: "PO20260302AAAAAAAAAAAAAAAA",
      payoutStatus: "SUCCEEDED",
      account: "6222********1234",
      amountMinor: 12_345n,
      settleableMinor: 12_345n,
      feeMinor: 0n,
      raw: { fileLineNo: "000001", account: "6222********1234", bankSerialNo: "BK0", reasonCode: "", reason: "" },
    });
    expect(parsed.lines.map((l) => [l.outPayoutNo, l.payoutStatus, l.failureReason])).toEqual([
      ["PO20260302AAAAAAAAAAAAAAAA", "SUCCEEDED", undefined],
      ["PO20260302BBBBBBBBBBBBBBBB", "FAILED", "61 收款账号无效"],
      ["PO20260302CCCCCCCCCCCCCCCC", "RETURNED", "RT 退汇 账户已销户"],
    ]);
    expect(parsed.declared).toEqual({ count: 3, amountMinor: 12_846n });
    expect(parsed.computed).toEqual(parsed.declared);
  });

  it("masks an account printed in full, and reads lines whose trailing spaces were trimmed", () => {
    const full = detail(0, "SUCCEEDED", "", "", "6222020200001234").trimEnd();
    const parsed = parseBankPayoutResult(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8([header, full, trailer(1, 12_345n, [1, 12_345n], [0, 0n], [0, 0n])].join("\r\n"))]));
    expect(parsed.lines[0]).toMatchObject({ account: "6222********1234", raw: { account: "6222********1234" } });
  });

  it("refuses a trailer that disagrees in total or per result", () => {
    const total = formatError(() => parseBankPayoutResult(resultFile(header, ...details, trailer(3, 12_845n, [1, 12_345n], [1, 500n], [1, 1n]))));
    expect(total).toMatchObject({ code: "TOTALS_MISMATCH", lineNo: 5 });
    const perResult = formatError(() => parseBankPayoutResult(resultFile(header, ...details, trailer(3, 12_846n, [2, 12_845n], [0, 0n], [1, 1n]))));
    expect(perResult.code).toBe("TOTALS_MISMATCH");
    expect(perResult.message).toBe(
      "line 5: the trailer disagrees with the lines: SUCCEEDED: 2 totalling 12845 fen stated, 1 totalling 12345 in the file; FAILED: 0 totalling 0 fen stated, 1 totalling 500 in the file",
    );
  });

  it("refuses a missing trailer, unknown results, duplicates and misshapen lines, naming the line", () => {
    expect(formatError(() => parseBankPayoutResult(resultFile(header, ...details)))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 4 });
    const pending = details[0]!.slice(0, 84) + left("PENDING", 9) + details[0]!.slice(93);
    expect(formatError(() => parseBankPayoutResult(resultFile(header, pending, goodTrailer)))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    const twice = formatError(() => parseBankPayoutResult(resultFile(header, details[0]!, details[0]!, goodTrailer)));
    expect(twice).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(twice.message).toMatch(/has a result twice \(first on line 2\)/);
    expect(formatError(() => parseBankPayoutResult(resultFile(header, `${details[0]!}X`, goodTrailer)))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    const badAmount = details[0]!.slice(0, 69) + "00000000001234X" + details[0]!.slice(84);
    expect(formatError(() => parseBankPayoutResult(resultFile(header, badAmount, goodTrailer)))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    expect(formatError(() => parseBankPayoutResult(resultFile(header, ...details, goodTrailer, details[0]!)))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 6 });
  });

  it("refuses what is not a result file: our own outgoing payout file, say", () => {
    expect(formatError(() => parseBankPayoutResult(utf8(outgoing)))).toMatchObject({ code: "NOT_A_STATEMENT", lineNo: 1 });
    expect(formatError(() => parseBankPayoutResult(resultFile(header.replace(BATCH.replaceAll("-", ""), "x".repeat(32)), goodTrailer)))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 1 });
  });
});
