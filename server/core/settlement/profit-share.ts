import { openException } from "@/server/core/payments/exceptions";
import { authorizedTenantId, withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { monthRange } from "./cycle";

// The acquirer's profit-share (分润) statement against the margin we computed (issue 8). Each line
// of an imported PROFIT_SHARE file names a month, the acquirer's merchant number (our
// registration's sub-merchant id at that channel account) and our share. Ours is the margin the
// payment and refund templates booked for that merchant at that channel account in that month,
// net of claw-backs — read from the daily statistics, whose margin is exactly that. Every line
// ends in one outcome: MATCHED, DIFFERENCE (an exception: more than we computed is 长款, less is
// 短款) or UNKNOWN_SUB_MERCHANT (an exception); a merchant we computed a margin for that the file
// does not list is PLATFORM_ONLY (an exception). Re-running a file raises nothing twice.

export const PROFIT_SHARE_EXCEPTION = "RECON_PROFIT_SHARE";

export interface ProfitShareOutcome {
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
    const file = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: fileId }, select: { id: true, channelAccountId: true } });
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
        outcomes.push({ lineNo: l.lineNo, month, subMerchant: l.subMerchant, merchantId: null, theirsMinor: l.amountMinor, oursMinor: null, outcome: "UNKNOWN_SUB_MERCHANT" });
        await openException(tx, ctx, {
          kind: PROFIT_SHARE_EXCEPTION,
          causeType: "statement_line",
          causeId: l.id,
          amountMinor: l.amountMinor < 0n ? -l.amountMinor : l.amountMinor,
          businessDate: `${month}-01`,
          details: { diffType: "UNKNOWN_SUB_MERCHANT", month, subMerchant: l.subMerchant, theirsMinor: l.amountMinor.toString() },
        });
        continue;
      }
      seen.add(`${month}|${merchantId}`);
      const oursMinor = ours.get(`${month}|${merchantId}`) ?? 0n;
      const diff = l.amountMinor - oursMinor;
      outcomes.push({ lineNo: l.lineNo, month, subMerchant: l.subMerchant, merchantId, theirsMinor: l.amountMinor, oursMinor, outcome: diff === 0n ? "MATCHED" : "DIFFERENCE" });
      if (diff !== 0n) {
        await openException(tx, ctx, {
          kind: PROFIT_SHARE_EXCEPTION,
          causeType: "statement_line",
          causeId: l.id,
          merchantId,
          amountMinor: diff < 0n ? -diff : diff,
          businessDate: `${month}-01`,
          details: { diffType: "AMOUNT", direction: diff > 0n ? "OVERAGE" : "SHORTAGE", month, subMerchant: l.subMerchant, theirsMinor: l.amountMinor.toString(), oursMinor: oursMinor.toString() },
        });
      }
    }
    // Margins we booked that the acquirer's statement does not pay.
    for (const [key, oursMinor] of ours) {
      if (seen.has(key) || oursMinor === 0n) continue;
      const [month, merchantId] = key.split("|") as [string, string];
      outcomes.push({ lineNo: null, month, subMerchant: subOf.get(merchantId) ?? null, merchantId, theirsMinor: null, oursMinor, outcome: "PLATFORM_ONLY" });
      await openException(tx, ctx, {
        kind: PROFIT_SHARE_EXCEPTION,
        causeType: "statement_file",
        // One per file, merchant and month: a stable id derived from them.
        causeId: await tx.$queryRaw<Array<{ id: string }>>`SELECT md5(${`${fileId}|${merchantId}|${month}`})::uuid::text AS id`.then((r) => r[0]!.id),
        merchantId,
        amountMinor: oursMinor < 0n ? -oursMinor : oursMinor,
        businessDate: `${month}-01`,
        details: { diffType: "PLATFORM_ONLY", direction: "SHORTAGE", month, fileId, oursMinor: oursMinor.toString() },
      });
    }
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
