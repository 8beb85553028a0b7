import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchant } from "@/server/core/merchants/service";
import { openException } from "@/server/core/payments/exceptions";
import { createRefund } from "@/server/core/payments/refunds";
import "@/server/core/payments/register";
import { createPayment } from "@/server/core/payments/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { makeTenant } from "@/server/testing/tenants";
import { getEntry, postEntry } from "./service";
import { accounts, adjustment } from "./templates";

// A journal entry's cause, as the entry page links it: a payment to its page, a refund to its
// payment's page, a reconciliation item to the exception it raised, a proposal to its page, a
// settlement to the settlements list; a cause without a page (or an id that is not one) gets none.

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("ledger_entry_cause");
});
afterAll(async () => db?.drop());

describe("getEntry's causeLink", () => {
  it("payment, refund (its payment), recon item (its exception), proposal, settlement, and none for the rest", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Cause Noodles")));
    const payment = await createPayment(t.ctx, { merchantId: m!.id, merchantOrderNo: `ORD-${Date.now()}`, amountMinor: 10_000n, product: "WECHAT_FACE", elements: { faceCode: "FACE-CODE-123" }, deviceId: "DEV-1", subject: "Lunch" });
    expect(payment.status).toBe("SUCCEEDED");
    const refund = await createRefund(t.ctx, { paymentId: payment.id, merchantRefundNo: `RF-${Date.now()}`, amountMinor: 1_000n, reason: "returned", origin: "CONSOLE" });
    expect(refund.status).toBe("SUCCEEDED");
    const entryOf = (causeType: string, causeId: string) => t.run((tx) => tx.journalEntry.findFirstOrThrow({ where: { tenantId: t.tenantId, causeType, causeId }, select: { id: true } }));
    const linkOf = async (entryId: string) => (await t.run((tx) => getEntry(tx, t.ctx, entryId))).causeLink;

    expect(await linkOf((await entryOf("payment", payment.id)).id)).toEqual({ page: "payment", id: payment.id });
    expect(await linkOf((await entryOf("refund", refund.id)).id)).toEqual({ page: "payment", id: payment.id });

    // Entries with a cause of each other kind, posted as the modules would.
    const item = randomUUID();
    const exception = await t.run((tx) => openException(tx, t.ctx, { kind: "RECON_AMOUNT", causeType: "recon_item", causeId: item, amountMinor: 5n, businessDate: "2026-11-27", details: {} }));
    const post = (causeType: string, causeId: string) =>
      t.run((tx) => postEntry(tx, t.ctx, adjustment([{ account: accounts.ownerEquity, amountMinor: 5n }, { account: accounts.unclaimedFunds, amountMinor: -5n }]), { businessDate: "2026-11-27", idempotencyKey: randomUUID(), causeType, causeId }));
    const proposalId = randomUUID();
    const settlementId = randomUUID();
    const cases: Array<[string, string, unknown]> = [
      ["recon_item", item, { page: "exception", id: exception.id }],
      // A reconciliation item that raised no exception: nothing to open.
      ["recon_item", randomUUID(), null],
      ["proposal", proposalId, { page: "proposal", id: proposalId }],
      ["settlement", settlementId, { page: "settlements", id: null }],
      ["payout", settlementId, { page: "payout", id: settlementId }],
      ["demo", settlementId, { page: "wallet", id: settlementId }],
      // A refund id that is no refund of this tenant's: no link (not a guess).
      ["refund", randomUUID(), null],
      ["statement_line", randomUUID(), null],
      ["transfer", randomUUID(), null],
      ["platform_fee", "2026-11", null],
      ["payment", "not-a-uuid", null],
    ];
    for (const [causeType, causeId, expected] of cases) {
      const e = await post(causeType, causeId);
      expect(await linkOf(e.entryId), `${causeType} ${causeId}`).toEqual(expected);
    }
    // Another tenant's refund id does not lead to its payment.
    const other = await makeTenant({ mode: "CUSTODIAL" });
    const foreign = await withTenantTx(other.tenantId, (tx) =>
      postEntry(tx, other.ctx, adjustment([{ account: accounts.ownerEquity, amountMinor: 5n }, { account: accounts.unclaimedFunds, amountMinor: -5n }]), { businessDate: "2026-11-27", idempotencyKey: "foreign", causeType: "refund", causeId: refund.id }),
    );
    expect((await withTenantTx(other.tenantId, (tx) => getEntry(tx, other.ctx, foreign.entryId))).causeLink).toBeNull();
  });
});
