import type { Prisma } from "@/server/db/generated/prisma/client";
import { lockAhead, postEntry } from "@/server/core/ledger/service";
import { accounts, overage, shortage } from "@/server/core/ledger/templates";
import { openException } from "@/server/core/payments/exceptions";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { recordEvent } from "./exceptions";

// A difference found against the 备付金 bank account (payout results, funds reconciliation), raised
// the way the exception queue expects (exceptions.ts raiseDifference does it for the clearing
// account): its exception with a CREATED event, and for a CUSTODIAL tenant its own suspense entry
// (Dr bank / Cr overage suspense for 长款, Dr shortage suspense / Cr bank for 短款), keyed
// `recon:<item>` and recorded on the exception, so a release reverses exactly that entry and
// Σ open items per direction stays the suspense balance. A difference that moves no money (no
// direction) is an exception only.

export interface BankDifference {
  readonly itemId: string;
  readonly diffType: string;
  readonly direction: "OVERAGE" | "SHORTAGE" | null;
  /** The money of the difference (≥ 0); for a difference without direction, the amount shown. */
  readonly amountMinor: bigint;
  readonly businessDate: string;
  readonly description: string;
  readonly details: Record<string, Prisma.InputJsonValue | null>;
}

export async function raiseBankDifference(tx: Tx, ctx: TenantContext, mode: "DIRECT" | "CUSTODIAL", d: BankDifference): Promise<{ exceptionId: string }> {
  const kind = `RECON_${d.diffType}`;
  const existing = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, kind, causeId: d.itemId }, select: { id: true } });
  if (existing) return { exceptionId: existing.id };
  const { id } = await openException(tx, ctx, {
    kind,
    causeType: "recon_item",
    causeId: d.itemId,
    amountMinor: d.amountMinor,
    businessDate: d.businessDate,
    details: { ...(d.direction ? { direction: d.direction } : {}), diffType: d.diffType, ...d.details },
  });
  await recordEvent(tx, ctx, id, { kind: "CREATED", to: "OPEN", body: d.description, data: { direction: d.direction, diffType: d.diffType, amountMinor: d.amountMinor } });
  if (mode !== "CUSTODIAL" || !d.direction || d.amountMinor === 0n) return { exceptionId: id };
  const bank = accounts.customerFundsBank;
  await lockAhead(tx, ctx, { refs: [bank, accounts.overageSuspense, accounts.shortageSuspense] });
  const posted = await postEntry(tx, ctx, d.direction === "OVERAGE" ? overage(bank, d.amountMinor) : shortage(bank, d.amountMinor), {
    businessDate: d.businessDate,
    idempotencyKey: `recon:${d.itemId}`,
    causeType: "recon_item",
    causeId: d.itemId,
    description: `${d.direction === "OVERAGE" ? "长款" : "短款"} ${d.diffType}: ${d.description}`.slice(0, 500),
  });
  await tx.exception.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { suspenseEntryId: posted.entryId } });
  return { exceptionId: id };
}
