import { connectorFor } from "@/server/channels/registry";
import { pointsAt, simulatorUrlsFromEnv } from "@/server/channels/simulator-accounts";
import { businessDate } from "@/server/core/calendar/rules";
import { connectorConfig } from "@/server/core/channels/accounts";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { importStatement, type ImportResult } from "./import";
import { saveStatementTemplate } from "./templates";

// A reconciliation day for the demo (`npm start`): the WeChat simulator's trade bill of today's
// demo payments, with differences injected at the simulator the way a real bill would carry them
// (an amount that differs, a higher fee, a trade we never made), imported as the fetch job would
// and reconciled, so the exception queue has open items to work. Without the simulators (or
// without a WeChat payment today) there is nothing to reconcile and nothing is done.

export async function seedDemoReconciliation(ctx: TenantContext, now = new Date()): Promise<ImportResult | null> {
  const url = simulatorUrlsFromEnv().WECHAT;
  if (!url) return null;
  const found = await withTenantTx(ctx.tenantId, async (tx) => {
    const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { timeZone: true } });
    const today = businessDate(now, tenant.timeZone);
    for (const a of await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId, channelType: "WECHAT", enabled: true }, select: { id: true } })) {
      const config = await connectorConfig(tx, ctx, a.id);
      if (!pointsAt(config.params, url)) continue;
      const payments = await tx.payment.findMany({ where: { tenantId: ctx.tenantId, channelAccountId: a.id, businessDate: new Date(`${today}T00:00:00Z`), status: "SUCCEEDED" }, orderBy: { createdAt: "asc" }, select: { outTradeNo: true } });
      const already = await tx.statementFile.count({ where: { tenantId: ctx.tenantId, channelAccountId: a.id, billDate: new Date(`${today}T00:00:00Z`) } });
      return { accountId: a.id, config, today, payments, already };
    }
    return null;
  });
  if (!found || found.already > 0) return null;
  const [first, second] = found.payments;
  const diffs = [
    ...(first ? [{ kind: "amount", outTradeNo: first.outTradeNo, deltaMinor: 100 }] : []),
    ...(second ? [{ kind: "fee", outTradeNo: second.outTradeNo, deltaMinor: 6 }] : []),
    { kind: "extra", amountMinor: 8_800 },
  ];
  try {
    const r = await fetch(`${url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate: found.today, diffs }) });
    if (!r.ok) throw new Error(`the simulator refused the differences (${r.status})`);
    const bill = await connectorFor("WECHAT").downloadStatement({ account: found.config }, { billDate: found.today, billType: "ALL" });
    return await importStatement(ctx, { channelAccountId: found.accountId, billDate: found.today, fileName: bill.fileName, bytes: bill.bytes, source: "JOB" });
  } catch (error) {
    logger.warn({ tenantId: ctx.tenantId, err: (error as Error).message }, "demo reconciliation day not seeded");
    return null;
  }
}

/**
 * A statement template for the demo (Statements → Templates): an acquirer's daily CSV in yuan,
 * refunds printed positive with a type column, and a footer with the count and net total.
 */
export async function seedDemoTemplate(tx: Tx, ctx: TenantContext, zh: boolean) {
  const h = zh
    ? { order: "商户订单号", refund: "退款单号", time: "交易时间", amount: "交易金额", fee: "手续费", type: "交易类型", sub: "商户编号", pay: "消费", back: "退货" }
    : { order: "Order no", refund: "Refund no", time: "Time", amount: "Amount", fee: "Fee", type: "Type", sub: "Merchant no", pay: "SALE", back: "REFUND" };
  return saveStatementTemplate(tx, ctx, {
    definition: {
      name: zh ? "拉卡拉日交易明细" : "Acquirer daily CSV",
      encoding: zh ? "gbk" : "utf-8",
      layout: { kind: "delimited", delimiter: "," },
      headerLines: 1,
      footerLines: 1,
      columns: { outTradeNo: h.order, outRefundNo: h.refund, occurredAt: h.time, amount: h.amount, fee: h.fee, subMerchant: h.sub, kind: { by: "COLUMN", column: h.type, payment: [h.pay], refund: [h.back] } },
      amountUnit: "YUAN",
      dateFormat: "YYYY-MM-DD HH:mm:ss",
      signConvention: "REFUNDS_POSITIVE_BY_KIND",
      summary: { line: "LAST_FOOTER", countColumn: 0, amountColumn: 1 },
    },
    note: zh ? "演示：收单机构的日交易明细" : "Demo: an acquirer's daily trade file",
  });
}
