import { describe, expect, it } from "vitest";
import { conditionsEmpty, conditionsMatch, effectiveAmountRange, presentElements } from "./eligibility";
import { M1, M2, request } from "./test-fixtures";

describe("effectiveAmountRange", () => {
  it("takes the stricter end of the connector's and the account's ranges; null means no own limit", () => {
    const connector = { minAmountMinor: 1n, maxAmountMinor: 5_000_000n };
    expect(effectiveAmountRange(connector, {})).toEqual({ minAmountMinor: 1n, maxAmountMinor: 5_000_000n });
    expect(effectiveAmountRange(connector, { minAmountMinor: 100n, maxAmountMinor: null })).toEqual({ minAmountMinor: 100n, maxAmountMinor: 5_000_000n });
    expect(effectiveAmountRange(connector, { minAmountMinor: 0n, maxAmountMinor: 9_000_000n })).toEqual({ minAmountMinor: 1n, maxAmountMinor: 5_000_000n });
    expect(effectiveAmountRange(connector, { maxAmountMinor: 200_000n })).toEqual({ minAmountMinor: 1n, maxAmountMinor: 200_000n });
  });
});

describe("conditions", () => {
  it("match on every present field and treat empty lists as no condition", () => {
    const req = request({ merchantId: M1, storeId: "s1", amountMinor: 100n, metadata: { scene: "canteen" } });
    expect(conditionsMatch({}, req)).toBe(true);
    expect(conditionsMatch({ merchantIds: [] }, req)).toBe(true);
    expect(conditionsMatch({ merchantIds: [M2, M1], storeIds: ["s1"], minAmountMinor: 100n, maxAmountMinor: 100n }, req)).toBe(true);
    expect(conditionsMatch({ merchantIds: [M2] }, req)).toBe(false);
    expect(conditionsMatch({ metadata: { scene: "canteen", lane: "1" } }, req)).toBe(false);
    // Inherited properties are not metadata.
    expect(conditionsMatch({ metadata: { toString: "x" } }, request())).toBe(false);
    expect(conditionsEmpty({ merchantIds: [], metadata: {} })).toBe(true);
    expect(conditionsEmpty({ maxAmountMinor: 0n })).toBe(false);
  });

  it("counts a device id as the DEVICE element", () => {
    expect(presentElements(request({ elements: ["FACE_CODE"], deviceId: "d" }))).toEqual(["FACE_CODE", "DEVICE"]);
    expect(presentElements(request({ elements: ["FACE_CODE"] }))).toEqual(["FACE_CODE"]);
  });
});
