import { describe, expect, it } from "vitest";
import { actionsFor, type ResolvableDifference } from "./exception-actions";

const difference = (over: Partial<ResolvableDifference>): ResolvableDifference => ({ type: null, direction: null, payment: null, line: null, recon: null, ...over });
const succeeded = { status: "SUCCEEDED" };
const paymentLine = { kind: "PAYMENT" };

describe("the resolutions the exception page offers", () => {
  it("an AMOUNT 长款 of a succeeded payment: the channel's amount, ours, refunding the excess, or a write-off", () => {
    expect(actionsFor(difference({ type: "AMOUNT", direction: "OVERAGE", payment: succeeded, line: paymentLine }))).toEqual(["ACCEPT_CHANNEL", "ACCEPT_OURS", "REFUND_CUSTOMER", "WRITE_OFF"]);
  });

  it("an AMOUNT 短款: nothing to refund to the payer", () => {
    expect(actionsFor(difference({ type: "AMOUNT", direction: "SHORTAGE", payment: succeeded, line: paymentLine }))).toEqual(["ACCEPT_CHANNEL", "ACCEPT_OURS", "WRITE_OFF"]);
  });

  it("a refund's AMOUNT difference or a payment no longer succeeded: neither the channel's amount nor a customer refund", () => {
    expect(actionsFor(difference({ type: "AMOUNT", direction: "OVERAGE", payment: null, line: { kind: "REFUND" } }))).toEqual(["ACCEPT_OURS", "WRITE_OFF"]);
    expect(actionsFor(difference({ type: "AMOUNT", direction: "SHORTAGE", payment: { status: "CLOSED" }, line: paymentLine }))).toEqual(["ACCEPT_OURS", "WRITE_OFF"]);
  });

  it("a payment only the channel shows: match it to ours or refund its payer", () => {
    expect(actionsFor(difference({ type: "CHANNEL_ONLY", direction: "OVERAGE", line: paymentLine }))).toEqual(["ACCEPT_OURS", "MATCH", "REFUND_CUSTOMER", "WRITE_OFF"]);
    expect(actionsFor(difference({ type: "UNKNOWN_SUB_MERCHANT", direction: "OVERAGE", line: paymentLine }))).toEqual(["ACCEPT_OURS", "MATCH", "WRITE_OFF"]);
  });

  it("a payment of ours the channel never had: close it, accept ours, wait for a later file, or write off", () => {
    expect(actionsFor(difference({ type: "PLATFORM_ONLY", direction: "SHORTAGE", payment: succeeded, recon: { outcome: "DIFFERENCE" } }))).toEqual(["ACCEPT_CHANNEL", "ACCEPT_OURS", "WAIT", "WRITE_OFF"]);
  });
});
