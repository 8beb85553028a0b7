import type { TenantContext, Tx } from "@/server/db/tenant-tx";

// Suggested matches for a channel-only payment line: the likeliest payments of ours on the same
// channel account — same amount (required), near in time, similar reference — each with a
// confidence from 0 to 1. Payments already matched to a line are left out. Choosing one proposes
// a MATCH resolution (resolutions.ts).

const WINDOW_MS = 36 * 3_600_000;

/** Similarity of two references, 0..1: 1 − edit distance / longer length (case-insensitive). */
export function referenceSimilarity(a: string | null | undefined, b: string | null | undefined): number {
  if (!a || !b) return 0;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return 1;
  const prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (x[i - 1] === y[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return Math.max(0, 1 - prev[y.length]! / Math.max(x.length, y.length));
}

/** Confidence: amount equal is the gate (0.5), time proximity up to 0.3, reference similarity up to 0.2. */
export function confidence(input: { deltaMs: number; similarity: number }): number {
  const time = Math.max(0, 1 - Math.abs(input.deltaMs) / WINDOW_MS);
  return Math.round((0.5 + 0.3 * time + 0.2 * input.similarity) * 100) / 100;
}

export interface Suggestion {
  paymentId: string;
  merchantOrderNo: string;
  outTradeNo: string;
  status: string;
  amountMinor: bigint;
  at: Date;
  confidence: number;
}

export async function suggestMatches(tx: Tx, ctx: TenantContext, exceptionId: string, limit = 5): Promise<Suggestion[]> {
  const e = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, id: exceptionId }, select: { kind: true, causeId: true, status: true } });
  if (!e || (e.kind !== "RECON_CHANNEL_ONLY" && e.kind !== "RECON_UNKNOWN_SUB_MERCHANT") || e.status === "RESOLVED" || e.status === "WRITTEN_OFF") return [];
  const item = await tx.reconItem.findFirst({ where: { tenantId: ctx.tenantId, id: e.causeId }, select: { lineId: true, channelAccountId: true, billDate: true } });
  if (!item?.lineId) return [];
  const line = await tx.statementLine.findFirst({ where: { tenantId: ctx.tenantId, id: item.lineId }, select: { kind: true, amountMinor: true, occurredAt: true, outTradeNo: true } });
  if (!line || line.kind !== "PAYMENT") return [];
  const at = line.occurredAt ?? new Date(item.billDate.getTime() + 12 * 3_600_000);
  const candidates = await tx.payment.findMany({
    where: { tenantId: ctx.tenantId, channelAccountId: item.channelAccountId, amountMinor: line.amountMinor, createdAt: { gte: new Date(at.getTime() - WINDOW_MS), lte: new Date(at.getTime() + WINDOW_MS) } },
    select: { id: true, merchantOrderNo: true, outTradeNo: true, status: true, amountMinor: true, createdAt: true, paidAt: true },
    take: 200,
  });
  if (!candidates.length) return [];
  const taken = new Set(
    (await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, paymentId: { in: candidates.map((c) => c.id) }, OR: [{ outcome: "MATCHED" }, { diffType: { in: ["CHANNEL_ONLY", "UNKNOWN_SUB_MERCHANT", "AMOUNT", "FEE"] } }] }, select: { paymentId: true } })).map((r) => r.paymentId),
  );
  return candidates
    .filter((c) => !taken.has(c.id))
    .map((c) => {
      const when = c.paidAt ?? c.createdAt;
      return { paymentId: c.id, merchantOrderNo: c.merchantOrderNo, outTradeNo: c.outTradeNo, status: c.status, amountMinor: c.amountMinor, at: when, confidence: confidence({ deltaMs: when.getTime() - at.getTime(), similarity: referenceSimilarity(c.outTradeNo, line.outTradeNo) }) };
    })
    .sort((a, b) => b.confidence - a.confidence || a.paymentId.localeCompare(b.paymentId))
    .slice(0, limit);
}
