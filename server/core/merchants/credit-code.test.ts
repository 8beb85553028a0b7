import { describe, expect, it } from "vitest";
import { creditCodeCheckChar, isValidCreditCode, withCheckChar } from "./credit-code";

describe("unified social credit code", () => {
  it("accepts a published code and its check character", () => {
    // Tencent's Shenzhen entity, as printed on its business licence.
    expect(isValidCreditCode("9144030071526726XG")).toBe(true);
    expect(creditCodeCheckChar("9144030071526726X")).toBe("G");
  });
  it("refuses a single changed character, lowercase and wrong length", () => {
    expect(isValidCreditCode("9144030071526726XH")).toBe(false);
    expect(isValidCreditCode("9144030071526727XG")).toBe(false);
    expect(isValidCreditCode("9144030071526726xg")).toBe(false);
    expect(isValidCreditCode("9144030071526726X")).toBe(false);
  });
  it("refuses letters outside the alphabet (I, O, S, V, Z)", () => {
    expect(isValidCreditCode("9144030071526726IG")).toBe(false);
  });
  it("builds codes that validate", () => {
    expect(isValidCreditCode(withCheckChar("91310000MA1FL0000"))).toBe(true);
  });
});
