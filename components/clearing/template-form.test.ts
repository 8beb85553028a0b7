import { describe, expect, it } from "vitest";
import { ZStatementTemplate, type TStatementTemplate } from "@/server/core/clearing/parsers/template";
import { emptyForm, fromDefinition, splitValues, toDefinition } from "./template-form";

// The editor's form is text; these check that what it sends is the definition the person meant
// (positions as numbers, names as text, lists split) and that a saved version loads back unchanged.

const csv: TStatementTemplate = {
  name: "Bank of Example",
  encoding: "utf-8",
  layout: { kind: "delimited", delimiter: ",", quote: '"' },
  headerLines: 1,
  footerLines: 1,
  columns: { outTradeNo: "order_no", amount: "amount", fee: 2, occurredAt: "time", kind: { by: "COLUMN", column: "type", payment: ["SALE"], refund: ["REFUND", "退款"] } },
  amountUnit: "YUAN",
  dateFormat: "YYYY-MM-DD HH:mm:ss",
  signConvention: "REFUNDS_POSITIVE_BY_KIND",
  summary: { line: "LAST_FOOTER", countColumn: 0, amountColumn: 1 },
};

const fixed: TStatementTemplate = {
  name: "定长",
  encoding: "gbk",
  layout: { kind: "fixed", widths: [{ field: "1", start: 0, length: 4 }, { field: "amt", start: 4, length: 10 }] },
  headerLines: 0,
  footerLines: 0,
  columns: { outTradeNo: "1", amount: "amt", kind: { by: "SIGN" } },
  amountUnit: "FEN",
  dateFormat: "YYYYMMDDHHmmss",
  signConvention: "REFUNDS_NEGATIVE",
};

describe("template form", () => {
  it("loads a saved definition and sends it back unchanged", () => {
    for (const d of [csv, fixed]) {
      const sent = toDefinition(fromDefinition(d));
      expect(sent).toEqual(d);
      expect(ZStatementTemplate.parse(sent)).toEqual(d);
    }
  });

  it("reads digits as a position in a delimited file and as a field name in a fixed-width one", () => {
    const f = { ...emptyForm(), name: "x", columns: { ...emptyForm().columns, amount: " 3 ", fee: "手续费" } };
    expect(toDefinition(f).columns).toEqual({ amount: 3, fee: "手续费", kind: { by: "SIGN" } });
    const w = { ...f, layout: "fixed" as const, widths: [{ field: "3", start: "0", length: "5" }, { field: "", start: "", length: "" }] };
    expect(toDefinition(w)).toMatchObject({ layout: { kind: "fixed", widths: [{ field: "3", start: 0, length: 5 }] }, columns: { amount: "3" } });
  });

  it("leaves what is not a number as typed, for the server to name", () => {
    const f = { ...emptyForm(), headerLines: "one", footerLines: "" };
    expect(toDefinition(f)).toMatchObject({ headerLines: "one", footerLines: 0 });
  });

  it("splits kind values on ASCII and full-width commas", () => {
    expect(splitValues("SALE, 消费，PAY ,, ")).toEqual(["SALE", "消费", "PAY"]);
  });
});
