import { businessDate } from "@/server/core/calendar/rules";
import type { TenantContext } from "@/server/db/tenant-tx";
import { withTenantTx } from "@/server/db/tenant-tx";
import { lockAhead } from "@/server/core/ledger/service";
import { differenceLockRefs } from "./exceptions";
import { expirePooledItem } from "./reconcile";

// The cross-day pool expiring by time (issue 6). reconcile.ts expires a pooled payment when the
// account's later bills come in without it; an account that receives no later bill at all (the
// channel stopped publishing, the fetch keeps failing, the account was disabled) would keep its
// items PENDING for ever. This job expires them once the last bill that could have shown them was
// due and a grace day has passed: a payment of bill date D (or sent back to the pool on D by a
// "wait" resolution) could appear on bills up to D + the tenant's pool days (recon_pool_days),
// published the morning after; so on D + pool days + 1 + POOL_EXPIRY_GRACE_DAYS it becomes the PLATFORM_ONLY
// 短款 the next-bill path would have posted (recordDifference: the exception and its suspense
// entry, posted on the day found, correcting D). Idempotent: only PENDING items are touched.

export const POOL_EXPIRY_GRACE_DAYS = 1;

const minusDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) - n * 86_400_000);

export async function expireCrossDayPool(ctx: TenantContext, now = new Date()): Promise<{ today: string; expired: number }> {
  return withTenantTx(ctx.tenantId, async (tx) => {
    const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true, timeZone: true, reconPoolDays: true } });
    const today = businessDate(now, tenant.timeZone);
    const cutoff = minusDays(today, tenant.reconPoolDays + 1 + POOL_EXPIRY_GRACE_DAYS);
    // Locked so a bill being reconciled at the same moment either releases an item or sees it expired, never both.
    const items = await tx.$queryRaw<Array<{ id: string; channel_account_id: string }>>`
      SELECT id, channel_account_id FROM recon_item
       WHERE tenant_id = ${ctx.tenantId}::uuid AND outcome = 'PENDING' AND diff_type = 'PLATFORM_ONLY'
         AND coalesce(pool_until, bill_date) <= ${cutoff}::date
       ORDER BY bill_date, id
       FOR UPDATE`;
    // The items may be of several channel accounts: every account their suspense entries post to is
    // locked first, in the ledger's one order (raising them one account after another would take
    // a later account's clearing below rows already held).
    if (tenant.settlementMode === "CUSTODIAL" && items.length > 0) {
      const refs = [];
      for (const accountId of new Set(items.map((i) => i.channel_account_id))) refs.push(...(await differenceLockRefs(tx, ctx, accountId)));
      await lockAhead(tx, ctx, { refs });
    }
    for (const { id } of items) {
      const item = await tx.reconItem.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id } });
      const base = (item.poolUntil ?? item.billDate).toISOString().slice(0, 10);
      await expirePooledItem(tx, ctx, tenant.settlementMode, item, today, `no later bill showed it by ${today} (pooled from ${base})`);
    }
    return { today, expired: items.length };
  });
}
