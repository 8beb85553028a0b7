import { describe, expect, it } from "vitest";
import type { ConnectorContext } from "../types";
import { sandboxConnector } from "./connector";

// The sandbox's payouts, by the account number's last four digits (see the connector's header).

const ctx: ConnectorContext = { account: { channelAccountId: "sbx-payout-test", version: 1, channelType: "SANDBOX", params: {}, credentials: {} } };
const payout = (outPayoutNo: string, accountNumber: string) =>
  sandboxConnector.payout!(ctx, { outPayoutNo, amountMinor: 100n, accountNumber, accountName: "张三", bankName: "ICBC" });

describe("sandbox payouts", () => {
  it("declares payouts and answers by the account's last four digits", async () => {
    expect(sandboxConnector.attributes.supportsPayout).toBe(true);
    expect((await payout("P1", "6222020200001234")).status).toBe("SUCCEEDED");
    expect(await payout("P2", "6222020200000000")).toMatchObject({ status: "FAILED", failure: { code: "SANDBOX_ACCOUNT_INVALID" } });
    expect((await payout("P3", "6222020200008888")).status).toBe("PROCESSING");
    expect((await sandboxConnector.queryPayout!(ctx, { outPayoutNo: "P3" })).status).toBe("SUCCEEDED");
    expect((await payout("P4", "6222020200009999")).status).toBe("PROCESSING");
    expect((await sandboxConnector.queryPayout!(ctx, { outPayoutNo: "P4" })).status).toBe("RETURNED");
    expect((await sandboxConnector.queryPayout!(ctx, { outPayoutNo: "nope" })).status).toBe("NOT_FOUND");
  });

  it("a repeated payout number is the same payout, and the account number is never recorded", async () => {
    const first = await payout("P5", "6222020200004321");
    const again = await payout("P5", "6222020200004321");
    expect(again.channelPayoutNo).toBe(first.channelPayoutNo);
    expect(JSON.stringify(first.exchanges)).not.toContain("6222020200004321");
    await expect(payout("P6", "12ab")).rejects.toThrow(/8 to 30 digits/);
  });
});
