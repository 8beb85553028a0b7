import { saveStatementTemplate } from "@/server/core/clearing/templates";
import type { makeTenant } from "./tenants";

// An acquirer's daily CSV read by a finance template on the sandbox account (reconciliation tests
// craft their statement lines with it): yuan, refunds positive with a kind column (消费 / 退货), a
// status column, and a footer with the count and the net total.

export const yuan = (minor: bigint) => `${minor / 100n}.${String(minor % 100n).padStart(2, "0")}`;

/** The file: its header, the rows, the footer. */
export const csv = (rows: string[][]) => {
  const net = rows.reduce((s, r) => s + (r[3] === "退货" ? -1n : 1n) * BigInt(r[1]!.replace(".", "")), 0n);
  return Buffer.from(["商户订单号,金额,手续费,类型,交易时间,退款单号,状态", ...rows.map((r) => r.join(",")), `${rows.length},${yuan(net)}`].join("\n") + "\n");
};

/** A sale of a payment of ours, with the channel's fee. */
export const sale = (p: { outTradeNo: string; amountMinor: bigint }, fee: bigint) => [p.outTradeNo, yuan(p.amountMinor), yuan(fee), "消费", "2026-11-01 10:00:00", "", "SUCCESS"];

/** A refund of a trade, with the channel's status word. */
export const back = (outTradeNo: string, r: { outRefundNo: string; amountMinor: bigint }, status: string) => [outTradeNo, yuan(r.amountMinor), "0.00", "退货", "2026-11-01 11:00:00", r.outRefundNo, status];

/** The template that reads the file, saved with a sample of it. */
export const acquirerTemplate = (t: Awaited<ReturnType<typeof makeTenant>>, sample: Buffer) =>
  t.run((tx) =>
    saveStatementTemplate(tx, t.ctx, {
      definition: {
        name: "Acquirer CSV",
        encoding: "utf-8",
        layout: { kind: "delimited", delimiter: "," },
        headerLines: 1,
        footerLines: 1,
        columns: { outTradeNo: "商户订单号", outRefundNo: "退款单号", occurredAt: "交易时间", amount: "金额", fee: "手续费", status: "状态", kind: { by: "COLUMN", column: "类型", payment: ["消费"], refund: ["退货"] } },
        amountUnit: "YUAN",
        dateFormat: "YYYY-MM-DD HH:mm:ss",
        signConvention: "REFUNDS_POSITIVE_BY_KIND",
        summary: { line: "LAST_FOOTER", countColumn: 0, amountColumn: 1 },
      },
      sampleBase64: sample.toString("base64"),
    }),
  );
