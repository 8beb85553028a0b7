import { checkTotals, count, headedCsv, TOTAL, yuan } from "./headed-csv";
import { StatementFormatError, type ParsedStatement, type StatementLine } from "./types";

// The acquirer's monthly profit-share (分润) statement (channels.md §4.3): for each merchant we
// brought to the acquirer and each month, the merchant's volume and count, the fees it paid, and
// our share of them. Acquirers each print their own; this is the layout we ask for (or convert
// to), in the shape their exports usually have: CSV with a header of Chinese column names and a
// 合计 (total) line.
//
//   账期,商户编号,商户名称,交易笔数,交易金额(元),手续费(元),分润金额(元)
//   2024-01,898111453110001,某某便利店,12,12345.00,46.91,12.34
//   …one line per merchant and month
//   合计,,,<Σ 交易笔数>,<Σ 交易金额>,<Σ 手续费>,<Σ 分润金额>
//
//   - 账期 YYYY-MM (YYYYMM accepted); 商户编号 the acquirer merchant number; 交易笔数 a whole number;
//     amounts in yuan with at most two decimals, a leading minus allowed (a month of refunds can
//     claw a share back). Full-width parentheses in the header are accepted, as Excel users type them.
//   - The CSV conventions of headed-csv.ts; the 合计 line is the last one.
//   - A merchant appearing twice for one month is refused (it would be paid twice).
//
// Each line becomes a PROFIT_SHARE line: subMerchant the merchant number, amountMinor (and
// settleable) our share in fen, feeMinor the merchant's fees; the printed columns plus `month`
// (YYYY-MM) and `volumeMinor` (fen) in raw. The 合计 line's four sums are all checked; it states
// no line count, so declared.count is the number of merchant lines. billDate is the statement
// month's first day when every line is of one month.
//
// The file is read line by line (in memory whole for now; only running sums cross lines), so it
// could be streamed.

const COLUMNS = ["账期", "商户编号", "商户名称", "交易笔数", "交易金额(元)", "手续费(元)", "分润金额(元)"] as const;
function month(text: string, lineNo: number): string {
  const m = /^(\d{4})-?(\d{2})$/.exec(text);
  const mo = Number(m?.[2]);
  if (!m || mo < 1 || mo > 12) throw new StatementFormatError("MALFORMED_LINE", `账期 "${text}" is not a month (YYYY-MM)`, lineNo);
  return `${m[1]}-${m[2]}`;
}

export function parseProfitShare(bytes: Buffer): ParsedStatement {
  const { rows, total } = headedCsv(bytes, COLUMNS, "a profit-share statement");
  const lines: StatementLine[] = [];
  const seen = new Map<string, number>();
  const months = new Set<string>();
  const sums = { trades: 0n, volume: 0n, fee: 0n, share: 0n };

  for (const { lineNo, cells } of rows) {
    const [monthText = "", merchantNo = "", , tradesText = "", volumeText = "", feeText = "", shareText = ""] = cells;
    const m = month(monthText, lineNo);
    if (merchantNo === "") throw new StatementFormatError("MALFORMED_LINE", "商户编号 is empty", lineNo);
    const key = `${m}|${merchantNo}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new StatementFormatError("MALFORMED_LINE", `merchant ${merchantNo} appears twice for ${m} (first on line ${earlier})`, lineNo);
    seen.set(key, lineNo);
    months.add(m);
    const trades = count(tradesText, "交易笔数", lineNo);
    const volume = yuan(volumeText, "交易金额", lineNo);
    const fee = yuan(feeText, "手续费", lineNo);
    const share = yuan(shareText, "分润金额", lineNo);
    sums.trades += trades;
    sums.volume += volume;
    sums.fee += fee;
    sums.share += share;
    const raw: Record<string, string> = { month: m, volumeMinor: volume.toString() };
    COLUMNS.forEach((name, i) => (raw[name] = cells[i] ?? ""));
    lines.push({ lineNo, kind: "PROFIT_SHARE", status: "PROFIT_SHARE", subMerchant: merchantNo, amountMinor: share, settleableMinor: share, feeMinor: fee, raw });
  }

  const at = total.lineNo;
  const [, , , tradesText = "", volumeText = "", feeText = "", shareText = ""] = total.cells;
  const stated = {
    trades: count(tradesText, `${TOTAL} 交易笔数`, at),
    volume: yuan(volumeText, `${TOTAL} 交易金额`, at),
    fee: yuan(feeText, `${TOTAL} 手续费`, at),
    share: yuan(shareText, `${TOTAL} 分润金额`, at),
  };
  checkTotals(stated, sums, { trades: "交易笔数", volume: "交易金额 (fen)", fee: "手续费 (fen)", share: "分润金额 (fen)" }, at);

  const [only] = months;
  return {
    format: "PROFIT_SHARE",
    ...(months.size === 1 && only ? { billDate: `${only}-01` } : {}),
    lines,
    declared: { count: lines.length, amountMinor: stated.share, feeMinor: stated.fee },
    computed: { count: lines.length, amountMinor: sums.share, feeMinor: sums.fee },
  };
}
