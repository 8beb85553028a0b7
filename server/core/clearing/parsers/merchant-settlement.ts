import { maskAccount } from "./bank-files";
import { checkTotals, count, headedCsv, TOTAL, yuan } from "./headed-csv";
import { StatementFormatError, type ParsedStatement, type StatementLine } from "./types";

// The channel's (or acquirer's) settlement statement to merchants (结算对账单, channels.md §3.3):
// for a DIRECT tenant the money is at the channel, which pays each sub-merchant itself; this file
// says what it paid, so the settlement run's EXPECTED amounts are confirmed without typing them.
// There is no common layout; this is the one we ask for (or convert to), in the shape acquirers'
// exports have (headed-csv.ts: Chinese header, 合计 line last):
//
//   结算日期,商户编号,商户名称,结算笔数,交易金额(元),手续费(元),结算金额(元),结算流水号,入账账户
//   2026-11-27,1900000109,某某便利店,12,12345.00,46.91,12298.09,ST2026112700001,6222020200001234
//   …one line per merchant paid that day
//   合计,,,<Σ 结算笔数>,<Σ 交易金额>,<Σ 手续费>,<Σ 结算金额>,,
//
//   - 结算日期 YYYY-MM-DD (YYYYMMDD accepted), one date per file: it is the file's bill date.
//   - 商户编号 the sub-merchant id at the channel (our registration's sub_mch_id); 结算流水号 the
//     channel's reference, unique in the file; 入账账户 the merchant's bank account (kept masked).
//   - 结算金额 is what reached the merchant: 交易金额 less refunds and 手续费, so it is not checked
//     against them; it may be 0 but not negative. Amounts in yuan, at most two decimals.
//   - A merchant appearing twice is refused (it would be confirmed twice).
//
// Each line becomes a SETTLEMENT line: subMerchant the merchant number, amountMinor (and
// settleable) the amount paid in fen, feeMinor the fees; the printed columns plus `settlementDate`
// and `volumeMinor` in raw.

const COLUMNS = ["结算日期", "商户编号", "商户名称", "结算笔数", "交易金额(元)", "手续费(元)", "结算金额(元)", "结算流水号", "入账账户"] as const;

function isoDate(text: string, lineNo: number): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : "";
  if (!m || Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
    throw new StatementFormatError("MALFORMED_LINE", `结算日期 "${text}" is not a date (YYYY-MM-DD)`, lineNo);
  }
  return iso;
}

export function parseMerchantSettlement(bytes: Buffer): ParsedStatement {
  const { rows, total } = headedCsv(bytes, COLUMNS, "a merchant settlement statement");
  const lines: StatementLine[] = [];
  const merchants = new Map<string, number>();
  const references = new Map<string, number>();
  let date: string | undefined;
  const sums = { trades: 0n, volume: 0n, fee: 0n, paid: 0n };

  for (const { lineNo, cells } of rows) {
    const [dateText = "", merchantNo = "", , tradesText = "", volumeText = "", feeText = "", paidText = "", reference = "", account = ""] = cells;
    const d = isoDate(dateText, lineNo);
    if (date !== undefined && d !== date) throw new StatementFormatError("MALFORMED_LINE", `结算日期 ${d} differs from the file's ${date}: one statement per settlement date`, lineNo);
    date = d;
    if (merchantNo === "") throw new StatementFormatError("MALFORMED_LINE", "商户编号 is empty", lineNo);
    const twice = merchants.get(merchantNo);
    if (twice !== undefined) throw new StatementFormatError("MALFORMED_LINE", `merchant ${merchantNo} appears twice (first on line ${twice})`, lineNo);
    merchants.set(merchantNo, lineNo);
    if (reference === "") throw new StatementFormatError("MALFORMED_LINE", "结算流水号 is empty", lineNo);
    const sameRef = references.get(reference);
    if (sameRef !== undefined) throw new StatementFormatError("MALFORMED_LINE", `结算流水号 ${reference} is listed twice (first on line ${sameRef})`, lineNo);
    references.set(reference, lineNo);
    const trades = count(tradesText, "结算笔数", lineNo);
    const volume = yuan(volumeText, "交易金额", lineNo);
    const fee = yuan(feeText, "手续费", lineNo);
    const paid = yuan(paidText, "结算金额", lineNo);
    if (paid < 0n) throw new StatementFormatError("MALFORMED_LINE", `结算金额 "${paidText}" is negative: a settlement pays the merchant`, lineNo);
    sums.trades += trades;
    sums.volume += volume;
    sums.fee += fee;
    sums.paid += paid;
    const masked = account === "" ? "" : maskAccount(account);
    const raw: Record<string, string> = { settlementDate: d, volumeMinor: volume.toString() };
    COLUMNS.forEach((name, i) => (raw[name] = cells[i] ?? ""));
    raw["入账账户"] = masked;
    lines.push({ lineNo, kind: "SETTLEMENT", status: "SETTLED", occurredAt: `${d}T00:00:00+08:00`, subMerchant: merchantNo, amountMinor: paid, settleableMinor: paid, feeMinor: fee, ...(masked ? { account: masked } : {}), raw });
  }

  const at = total.lineNo;
  const [, , , tradesText = "", volumeText = "", feeText = "", paidText = ""] = total.cells;
  const stated = {
    trades: count(tradesText, `${TOTAL} 结算笔数`, at),
    volume: yuan(volumeText, `${TOTAL} 交易金额`, at),
    fee: yuan(feeText, `${TOTAL} 手续费`, at),
    paid: yuan(paidText, `${TOTAL} 结算金额`, at),
  };
  checkTotals(stated, sums, { trades: "结算笔数", volume: "交易金额 (fen)", fee: "手续费 (fen)", paid: "结算金额 (fen)" }, at);

  return {
    format: "MERCHANT_SETTLEMENT",
    ...(date ? { billDate: date } : {}),
    lines,
    declared: { count: lines.length, amountMinor: stated.paid, feeMinor: stated.fee },
    computed: { count: lines.length, amountMinor: sums.paid, feeMinor: sums.fee },
  };
}
