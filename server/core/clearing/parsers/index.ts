import { streamAlipayBusinessDetail } from "./alipay-business-detail";
import { parseBankCredit, parseBankPayoutResult } from "./bank-files";
import { parseMerchantSettlement } from "./merchant-settlement";
import { parseProfitShare } from "./profit-share";
import { streamWithTemplate, type TStatementTemplate } from "./template";
import { collectStatement, statementStream, StatementFormatError, type ParsedStatement, type StatementFormat, type StatementStream } from "./types";
import { streamUnionpayZm } from "./unionpay-zm";
import { streamWechatTradeBill } from "./wechat-trade-bill";

// One entry point for import: the format (or the template) decides the parser.

/**
 * A file's lines one at a time. The trade bills (WeChat, Alipay, ZM) and template files — the
 * long ones, a line per payment — are read line by line. Bank credit and payout result files and
 * the profit-share and merchant-settlement statements have a line per merchant or payout and a
 * trailer or total row their parsers look for first, so those are read whole and then handed over
 * line by line.
 */
export function streamStatement(format: StatementFormat, bytes: Buffer, options: { billDate?: string; template?: TStatementTemplate } = {}): StatementStream {
  switch (format) {
    case "WECHAT_TRADE_BILL":
      return streamWechatTradeBill(bytes);
    case "ALIPAY_BUSINESS_DETAIL":
      return streamAlipayBusinessDetail(bytes);
    case "UNIONPAY_ZM":
      // ZM times carry no year: the bill date supplies it.
      return streamUnionpayZm(bytes, options.billDate ? { billDate: options.billDate } : {});
    case "BANK_CREDIT":
      return readWhole(() => parseBankCredit(bytes));
    case "BANK_PAYOUT_RESULT":
      return readWhole(() => parseBankPayoutResult(bytes));
    case "PROFIT_SHARE":
      return readWhole(() => parseProfitShare(bytes));
    case "MERCHANT_SETTLEMENT":
      return readWhole(() => parseMerchantSettlement(bytes));
    case "TEMPLATE":
      if (!options.template) throw new StatementFormatError("UNSUPPORTED", "A template file is parsed with its template; choose the template when importing");
      return streamWithTemplate(bytes, options.template);
  }
}

export function parseStatement(format: StatementFormat, bytes: Buffer, options: { billDate?: string; template?: TStatementTemplate } = {}): ParsedStatement {
  return collectStatement(streamStatement(format, bytes, options));
}

/** A small file's parser as a stream: parsed whole on each reading, then its lines handed over. */
function readWhole(parse: () => ParsedStatement): StatementStream {
  return statementStream(function* () {
    const { lines, ...facts } = parse();
    yield* lines;
    return facts;
  });
}
