import { postEntries } from "@/server/core/ledger/service";
import { walletRecharge } from "@/server/core/ledger/templates";
import { sendBatch } from "@/server/core/payouts/send";
import { gatherBatch, proposeRelease, requestWithdrawal } from "@/server/core/payouts/service";
import { decideProposal } from "@/server/core/proposals/service";
import { withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { todayIn } from "./mode";
import { createTransfer, createWallet } from "./service";

// Demo wallets for a CUSTODIAL demo tenant: three customers of its first merchant with opening
// balances (booked as recharges through the sandbox channel account, since recharge payments are
// another module's), a transfer, and withdrawals in every state the console shows — held, paid,
// failed back to the wallet, still in transit (the query job settles it), and a batch waiting for
// a second person's approval. Payouts go through the sandbox, whose results are immediate and
// chosen by the account number (…0000 fails, …8888 succeeds on the first query).

const USERS = [
  { externalUserId: "demo-alice", openingMinor: 500_000n },
  { externalUserId: "demo-bob", openingMinor: 120_000n },
  { externalUserId: "demo-carol", openingMinor: 80_000n },
] as const;

export async function seedDemoWallets(ctx: TenantContext): Promise<{ wallets: number; payouts: number }> {
  const setup = await withTenantTx(ctx.tenantId, async (tx) => {
    const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { settlementMode: true, timeZone: true } });
    if (tenant?.settlementMode !== "CUSTODIAL") return null;
    const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, status: "ACTIVE" }, orderBy: { createdAt: "asc" }, select: { id: true } });
    const sandbox = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, channelType: "SANDBOX", enabled: true }, select: { id: true } });
    const admin = await tx.user.findFirst({ where: { tenantId: ctx.tenantId, role: "ADMIN", status: "ACTIVE" }, select: { id: true, email: true } });
    if (!merchant || !sandbox) return null;
    const businessDate = todayIn(tenant.timeZone);
    const wallets: string[] = [];
    // Opening balances for every demo user in one transaction: lock ahead once the wallets exist.
    const opened: Array<{ walletId: string; openingMinor: bigint; externalUserId: string }> = [];
    for (const u of USERS) {
      const { wallet, created } = await createWallet(tx, ctx, { merchantId: merchant.id, externalUserId: u.externalUserId });
      wallets.push(wallet.id);
      if (created) opened.push({ walletId: wallet.id, openingMinor: u.openingMinor, externalUserId: u.externalUserId });
    }
    await postEntries(
      tx,
      ctx,
      opened.map((o) => ({
        draft: walletRecharge(sandbox.id, o.walletId, o.openingMinor),
        opts: { businessDate, idempotencyKey: `demo-recharge:${o.walletId}`, causeType: "demo", causeId: o.walletId, description: `Demo opening balance for ${o.externalUserId}` },
      })),
    );
    return { merchantId: merchant.id, sandboxId: sandbox.id, admin, wallets };
  });
  if (!setup) return { wallets: 0, payouts: 0 };
  const { merchantId, sandboxId, admin, wallets } = setup;
  const [alice, bob, carol] = wallets as [string, string, string];
  const tag = Date.now().toString(36).toUpperCase();
  let payouts = 0;
  try {
    await withTenantTx(ctx.tenantId, (tx) => createTransfer(tx, ctx, { merchantId, merchantTransferNo: `DEMO-T-${tag}`, fromWalletId: alice, toWalletId: bob, amountMinor: 25_000n }));
    const withdraw = (walletId: string, n: number, amountMinor: bigint, number: string, name: string) =>
      withTenantTx(ctx.tenantId, (tx) =>
        requestWithdrawal(tx, ctx, { merchantId, merchantWithdrawalNo: `DEMO-W-${tag}-${n}`, walletId, amountMinor, bankAccount: { name, number, bankCode: "ICBC" } }),
      ).then(() => (payouts += 1));
    // A released SEND batch: one paid, one failed (back to the wallet), one still in transit.
    await withdraw(alice, 1, 100_000n, "6222020200001234", "Alice Wang 王爱丽");
    await withdraw(bob, 2, 30_000n, "6222020200000000", "Bob Li 李博");
    await withdraw(carol, 3, 20_000n, "6222020200008888", "Carol Zhang 张可");
    const sent = await withTenantTx(ctx.tenantId, async (tx) => {
      const batch = await gatherBatch(tx, ctx, { channelAccountId: sandboxId, delivery: "SEND" });
      return proposeRelease(tx, ctx, { batchId: batch.id, reason: "Demo: today's withdrawals" });
    });
    if (admin && sent.proposalId) {
      const checker: TenantContext = { tenantId: ctx.tenantId, actor: { kind: "USER", userId: admin.id, email: admin.email, role: "ADMIN", merchantId: null } };
      const proposalId = sent.proposalId;
      await withTenantTx(ctx.tenantId, (tx) => decideProposal(tx, checker, { id: proposalId, decision: "APPROVE", note: "Demo approval" }));
      await sendBatch(ctx, sent.id);
    }
    // A FILE batch waiting for a second person's approval, and one withdrawal still held.
    await withdraw(alice, 4, 50_000n, "6212260200004321", "Alice Wang 王爱丽");
    await withTenantTx(ctx.tenantId, async (tx) => {
      const batch = await gatherBatch(tx, ctx, { channelAccountId: sandboxId, delivery: "FILE" });
      await proposeRelease(tx, ctx, { batchId: batch.id, reason: "Demo: file for the bank portal" });
    });
    await withdraw(bob, 5, 10_000n, "6222020200005678", "Bob Li 李博");
  } catch (error) {
    logger.warn({ tenantId: ctx.tenantId, err: (error as Error).message }, "demo wallets not fully made");
  }
  return { wallets: wallets.length, payouts };
}
