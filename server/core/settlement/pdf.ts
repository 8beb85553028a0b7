import path from "node:path";
import PDFDocument from "pdfkit";
import { movementKindLabel, statementLabels, yuan, type MerchantStatement, type StatementLocale } from "./statement";

// The statement as a PDF under the tenant's brand, in Chinese or English. The CJK font is bundled
// (assets/fonts: Noto Sans SC, SIL Open Font License, subset to the CJK Unified Ideographs block,
// Latin, punctuation and full-width forms) and embedded subset per document: nothing is downloaded.

export const FONT_PATH = path.resolve(process.cwd(), "assets", "fonts", "NotoSansSC-Regular.subset.ttf");
const MARGIN = 40;

export function statementPdf(s: MerchantStatement, locale: StatementLocale, brand: { primaryColor: string }): Promise<Buffer> {
  const L = statementLabels(locale);
  const doc = new PDFDocument({ size: "A4", margin: MARGIN, info: { Title: `${L.title} ${s.merchant.legalName} ${s.from} – ${s.to}`, Author: s.productName } });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  doc.registerFont("cjk", FONT_PATH);
  doc.font("cjk");
  const width = doc.page.width - 2 * MARGIN;

  // Header: the tenant's product name in its colour, then the title and the merchant.
  doc.rect(0, 0, doc.page.width, 6).fill(brand.primaryColor);
  doc.fillColor(brand.primaryColor).fontSize(18).text(s.productName, MARGIN, MARGIN);
  doc.fillColor("#111111").fontSize(14).text(L.title);
  doc.moveDown(0.5).fontSize(10).fillColor("#333333");
  doc.text(`${L.merchant}: ${s.merchant.legalName} (${s.merchant.shortName})`);
  doc.text(`${L.period}: ${s.from} – ${s.to}`);
  doc.text(L.mode[s.mode]);
  doc.moveDown(0.5).fontSize(11).fillColor("#111111");
  doc.text(`${L.opening}: ¥${yuan(s.openingMinor)}`);
  doc.text(`${L.closing}: ¥${yuan(s.closingMinor)}`);
  doc.text(`${L.payments}: ${s.totals.paymentsCount} · ¥${yuan(s.totals.paymentsMinor)} · ${L.fee} ¥${yuan(s.totals.feesMinor)}`);
  doc.text(`${L.refunds}: ${s.totals.refundsCount} · ¥${yuan(s.totals.refundsMinor)} · ${L.feeReturned} ¥${yuan(s.totals.feesReturnedMinor)}`);
  doc.text(`${L.net}: ¥${yuan(s.totals.netMinor)}`);

  const table = (title: string, head: string[], rows: string[][], widths: number[]) => {
    doc.moveDown(0.8).fontSize(12).fillColor(brand.primaryColor).text(title, MARGIN);
    doc.fontSize(8.5);
    const line = (cells: string[], color: string) => {
      if (doc.y > doc.page.height - MARGIN - 20) doc.addPage().font("cjk").fontSize(8.5);
      const y = doc.y;
      let x = MARGIN;
      cells.forEach((c, i) => {
        const w = widths[i]! * width;
        doc.fillColor(color).text(c, x, y, { width: w - 4, align: i >= cells.length - 2 && i > 1 ? "right" : "left", lineBreak: false, ellipsis: true });
        x += w;
      });
      doc.x = MARGIN;
      doc.y = y + 13;
    };
    line(head, "#666666");
    if (!rows.length) line(["—"], "#999999");
    for (const r of rows) line(r, "#111111");
  };
  table(L.payments, [L.date, L.type, L.reference, L.amount, L.fee], s.payments.map((p) => [p.date, p.kind, p.reference, yuan(p.amountMinor), yuan(p.feeMinor)]), [0.15, 0.15, 0.4, 0.15, 0.15]);
  table(L.refunds, [L.date, L.type, L.reference, L.amount, L.feeReturned], s.refunds.map((r) => [r.date, r.kind, r.reference, yuan(r.amountMinor), yuan(r.feeMinor)]), [0.15, 0.15, 0.4, 0.15, 0.15]);
  table(L.movements, [L.date, L.type, L.description, L.amount], s.movements.map((m) => [m.date, movementKindLabel(m.kind, locale), m.description ?? "", yuan(m.amountMinor)]), [0.15, 0.17, 0.5, 0.18]);
  doc.moveDown(0.8).fontSize(11).fillColor("#111111").text(`${L.closing}: ¥${yuan(s.closingMinor)}`, MARGIN);
  doc.end();
  return done;
}
