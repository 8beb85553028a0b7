import { openException } from "@/server/core/payments/exceptions";
import { authorizedTenantId, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { monthRange } from "./cycle";

// The acquirer's profit-share (分润) statement against the margin we computed (issue 8). Each line
// of an imported PROFIT_SHARE file names a month, the acquirer's merchant number (our
// registration's sub-merchant id at that channel account) and our share. Ours is the margin the
// payment and refund templates booked for that merchant at that channel account in that month,
// net of claw-backs — read from the daily statistics, whose margin is exactly that. Every line
// ends in one outcome: MATCHED, DIFFERENCE (an exception: more than we computed is 长款, less is
// 短款) or UNKNOWN_SUB_MERCHANT (an exception: a share for a merchant number we cannot place, 长款);
// a merchant we computed a margin for that the file does not list is PLATFORM_ONLY (an exception,
// 短款). Each outcome is a reconciliation item of the file, as for a payment statement, so the file
// shows its outcomes and its exceptions are worked in the queue like any difference (accept ours
// with evidence, write off); the file is then marked reconciled. Re-running a file raises nothing twice.

export const PROFIT_SHARE_EXCEPTION = "RECON_PROFIT_SHARE";

export interface ProfitShareOutcome {
  lineId: string | null;
  lineNo: number | null;
  month: string;
  subMerchant: string | null;
  merchantId: string | null;
  theirsMinor: bigint | null;
  oursMinor: bigint | null;
  outcome: "MATCHED" | "DIFFERENCE" | "UNKNOWN_SUB_MERCHANT" | "PLATFORM_ONLY";
}

export interface ProfitShareSummary {
  readonly fileId: string;
  readonly reconciled: boolean;
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly differences: Readonly<Record<string, number>>;
  readonly outcomes: ProfitShareOutcome[];
}

export async function reconcileProfitShareFile(ctx: TenantContext, fileId: string): Promise<ProfitShareSummary> {
  return withTenantTx(authorizedTenantId(ctx.tenantId), async (tx) => {
    const file = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: fileId }, select: { id: true, channelAccountId: true, billDate: true } });
    if (!file) throw new Error(`statement file ${fileId} not found`);
    const lines = await tx.statementLine.findMany({ where: { tenantId: ctx.tenantId, fileId, kind: "PROFIT_SHARE" }, orderBy: { lineNo: "asc" }, select: { id: true, lineNo: true, subMerchant: true, amountMinor: true, raw: true } });
    const registrations = await tx.merchantChannelRegistration.findMany({ where: { tenantId: ctx.tenantId, channelAccountId: file.channelAccountId, subMchId: { not: null } }, select: { merchantId: true, subMchId: true } });
    const merchantOf = new Map(registrations.map((r) => [r.subMchId!, r.merchantId]));
    const subOf = new Map(registrations.map((r) => [r.merchantId, r.subMchId!]));
    const months = [...new Set(lines.map((l) => String((l.raw as { month?: string }).month ?? "")))].filter((m) => /^\d{4}-\d{2}$/.test(m));

    // Ours: margin per merchant and month at this channel account, from the daily statistics.
    const ours = new Map<string, bigint>();
    for (const month of months) {
      const { from, to } = monthRange(month);
      const rows = await tx.$queryRaw<Array<{ merchant_id: string; margin: bigint | null }>>`
        SELECT merchant_id, sum(margin_minor)::bigint AS margin FROM payment_daily_stat
         WHERE tenant_id = ${ctx.tenantId}::uuid AND channel_account_id = ${file.channelAccountId}::uuid
           AND business_date BETWEEN ${from}::date AND ${to}::date
         GROUP BY merchant_id`;
      for (const r of rows) ours.set(`${month}|${r.merchant_id}`, BigInt(r.margin ?? 0n));
    }

    const outcomes: ProfitShareOutcome[] = [];
    const seen = new Set<string>();
    for (const l of lines) {
      const month = String((l.raw as { month?: string }).month ?? "");
      const merchantId = l.subMerchant ? (merchantOf.get(l.subMerchant) ?? null) : null;
      if (!merchantId) {
        outcomes.push({ lineId: l.id, lineNo: l.lineNo, month, subMerchant: l.subMerchant, merchantId: null, theirsMinor: l.amountMinor, oursMinor: null, outcome: "UNKNOWN_SUB_MERCHANT" });
        continue;
      }
      seen.add(`${month}|${merchantId}`);
      const oursMinor = ours.get(`${month}|${merchantId}`) ?? 0n;
      const diff = l.amountMinor - oursMinor;
      outcomes.push({ lineId: l.id, lineNo: l.lineNo, month, subMerchant: l.subMerchant, merchantId, theirsMinor: l.amountMinor, oursMinor, outcome: diff === 0n ? "MATCHED" : "DIFFERENCE" });
    }
    // Margins we booked that the acquirer's statement does not pay.
    for (const [key, oursMinor] of ours) {
      if (seen.has(key) || oursMinor === 0n) continue;
      const [month, merchantId] = key.split("|") as [string, string];
      outcomes.push({ lineId: null, lineNo: null, month, subMerchant: subOf.get(merchantId) ?? null, merchantId, theirsMinor: null, oursMinor, outcome: "PLATFORM_ONLY" });
    }
    await recordItems(tx, ctx, file, outcomes);
    await tx.statementFile.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: fileId } }, data: { reconciledAt: new Date() } });
    const byOutcome: Record<string, number> = {};
    const differences: Record<string, number> = {};
    for (const o of outcomes) {
      const bucket = o.outcome === "MATCHED" ? "MATCHED" : "DIFFERENCE";
      byOutcome[bucket] = (byOutcome[bucket] ?? 0) + 1;
      if (o.outcome !== "MATCHED") differences[o.outcome === "DIFFERENCE" ? "AMOUNT" : o.outcome] = (differences[o.outcome === "DIFFERENCE" ? "AMOUNT" : o.outcome] ?? 0) + 1;
    }
    return { fileId, reconciled: true, byOutcome, differences, outcomes };
  });
}

/**
 * The outcomes as the file's reconciliation items (one per line; one per merchant and month the
 * file lacks), and an exception for each difference with its direction, caused by its item. Items
 * already there (the same file again) are kept, and their exceptions are not raised twice.
 */
async function recordItems(tx: Tx, ctx: TenantContext, file: { id: string; channelAccountId: string; billDate: Date }, outcomes: readonly ProfitShareOutcome[]): Promise<void> {
  const items = outcomes.map((o) => {
    const theirs = o.theirsMinor ?? 0n;
    const ours = o.oursMinor ?? 0n;
    const diffType = o.outcome === "DIFFERENCE" ? "AMOUNT" : o.outcome === "MATCHED" ? null : o.outcome;
    // Money: a share we did not compute is 长款 (an unknown merchant number's too), one we computed
    // and were not paid 短款.
    const diffMinor = o.outcome === "MATCHED" ? 0n : theirs - ours;
    const direction = o.outcome === "MATCHED" ? null : diffMinor > 0n ? "OVERAGE" : "SHORTAGE";
    return { o, itemKey: o.lineId ?? `platform:${o.merchantId}:${o.month}`, diffType, diffMinor, direction } as const;
  });
  if (items.length === 0) return;
  const col = <T,>(pick: (i: (typeof items)[number]) => T) => items.map(pick);
  await tx.$executeRaw`
    INSERT INTO recon_item (tenant_id, file_id, item_key, line_id, channel_account_id, bill_date, outcome, diff_type, direction, our_minor, their_minor, diff_minor, note)
    SELECT ${ctx.tenantId}::uuid, ${file.id}::uuid, u.item_key, u.line_id, ${file.channelAccountId}::uuid, ${file.billDate}::date,
           CASE WHEN u.direction IS NULL THEN 'MATCHED' ELSE 'DIFFERENCE' END, u.diff_type, u.direction, u.our_minor, u.their_minor, u.diff_minor, u.note
      FROM unnest(${col((i) => i.itemKey)}::text[], ${col((i) => i.o.lineId)}::uuid[], ${col((i) => i.diffType)}::text[], ${col((i) => i.direction)}::text[],
                  ${col((i) => i.o.oursMinor?.toString() ?? null)}::bigint[], ${col((i) => i.o.theirsMinor?.toString() ?? null)}::bigint[], ${col((i) => i.diffMinor.toString())}::bigint[],
                  ${col((i) => `profit share ${i.o.month}${i.o.subMerchant ? ` of ${i.o.subMerchant}` : ""}`)}::text[])
        AS u(item_key, line_id, diff_type, direction, our_minor, their_minor, diff_minor, note)
    ON CONFLICT (tenant_id, file_id, item_key) DO NOTHING`;
  const ids = new Map((await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, fileId: file.id }, select: { id: true, itemKey: true } })).map((r) => [r.itemKey, r.id]));
  for (const i of items) {
    if (!i.direction) continue;
    const { o } = i;
    await openException(tx, ctx, {
      kind: PROFIT_SHARE_EXCEPTION,
      causeType: "recon_item",
      causeId: ids.get(i.itemKey)!,
      ...(o.merchantId ? { merchantId: o.merchantId } : {}),
      amountMinor: i.diffMinor < 0n ? -i.diffMinor : i.diffMinor,
      businessDate: `${o.month}-01`,
      details: {
        diffType: i.diffType,
        direction: i.direction,
        month: o.month,
        fileId: file.id,
        lineId: o.lineId,
        subMerchant: o.subMerchant,
        channelAccountId: file.channelAccountId,
        ...(o.theirsMinor !== null ? { theirsMinor: o.theirsMinor.toString() } : {}),
        ...(o.oursMinor !== null ? { oursMinor: o.oursMinor.toString() } : {}),
      },
    });
  }
}
