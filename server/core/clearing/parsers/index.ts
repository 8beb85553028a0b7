import { parseAlipayBusinessDetail } from "./alipay-business-detail";
import { parseBankCredit, parseBankPayoutResult } from "./bank-files";
import { parseMerchantSettlement } from "./merchant-settlement";
import { parseProfitShare } from "./profit-share";
import type { ParsedStatement, StatementFormat } from "./types";
import { StatementFormatError } from "./types";
import { parseUnionpayZm } from "./unionpay-zm";
import { parseWechatTradeBill } from "./wechat-trade-bill";

// One entry point for import: the format decides the parser. Templates are parsed with their own
// definition (parseWithTemplate), which import will pass when template import lands.

export function parseStatement(format: StatementFormat, bytes: Buffer, options: { billDate?: string } = {}): ParsedStatement {
  switch (format) {
    case "WECHAT_TRADE_BILL":
      return parseWechatTradeBill(bytes);
    case "ALIPAY_BUSINESS_DETAIL":
      return parseAlipayBusinessDetail(bytes);
    case "UNIONPAY_ZM":
      // ZM times carry no year: the bill date supplies it.
      return parseUnionpayZm(bytes, options.billDate ? { billDate: options.billDate } : {});
    case "BANK_CREDIT":
      return parseBankCredit(bytes);
    case "BANK_PAYOUT_RESULT":
      return parseBankPayoutResult(bytes);
    case "PROFIT_SHARE":
      return parseProfitShare(bytes);
    case "MERCHANT_SETTLEMENT":
      return parseMerchantSettlement(bytes);
    case "TEMPLATE":
      throw new StatementFormatError("UNSUPPORTED", "A template file is parsed with its template; choose the template when importing");
  }
}
