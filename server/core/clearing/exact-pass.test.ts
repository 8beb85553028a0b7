import { describe, expect, it } from "vitest";
import { ExactPass } from "./exact-pass";

describe("the exact pass", () => {
  it("classifies every line once and counts what is missing", () => {
    const pass = new ExactPass();
    ["P1,100,CNY", "P2,200,CNY", "P3,-50,CNY", "P4,400,CNY"].forEach((l, i) => pass.addOurs(l, i + 1));
    expect(["P2,200,CNY,x", "P1,101,CNY", "X9,5,CNY", "P3,-50", "P3,-50"].map((l, i) => pass.matchLine(l, i + 1))).toEqual(["MATCHED", "AMOUNT", "EXTRA", "MATCHED", "EXTRA"]);
    expect(pass.finish()).toEqual({ matched: 2, amountDiff: 1, missing: 1, extra: 2, duplicate: 1 });
  });
  it("refuses an amount that is not whole fen, and a record of ours twice", () => {
    const pass = new ExactPass();
    expect(() => pass.addOurs("P1,1.00,CNY", 7)).toThrow("line 7");
    pass.addOurs("P1,100");
    expect(() => pass.addOurs("P1,100", 9)).toThrow("twice");
  });
});
