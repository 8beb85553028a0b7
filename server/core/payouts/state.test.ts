import { describe, expect, it } from "vitest";
import { assertBatchMove, assertPayoutMove, canMovePayout, outcomeOfBankStatus } from "./state";

describe("the payout state machine", () => {
  it("moves forward only, cancels only before release, returns only after success", () => {
    expect(canMovePayout("HELD", "BATCHED")).toBe(true);
    expect(canMovePayout("BATCHED", "HELD")).toBe(true);
    expect(canMovePayout("IN_TRANSIT", "CANCELLED")).toBe(false);
    expect(canMovePayout("FAILED", "RETURNED")).toBe(false);
    expect(canMovePayout("SUCCEEDED", "RETURNED")).toBe(true);
    expect(() => assertPayoutMove("SUCCEEDED", "FAILED")).toThrow(/cannot become FAILED/);
    expect(() => assertBatchMove("RELEASED", "REJECTED")).toThrow(/cannot become REJECTED/);
  });

  it("a bank's NOT_FOUND means resend, never a failure", () => {
    expect(outcomeOfBankStatus("NOT_FOUND")).toBe("RESEND");
    expect(outcomeOfBankStatus("PROCESSING")).toBe("WAIT");
    expect(outcomeOfBankStatus("RETURNED")).toBe("RETURNED");
  });
});
