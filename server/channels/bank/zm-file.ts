import { crc32, inflateRawSync } from "node:zlib";
import { ChannelError } from "../types";

// Reading the UnionPay ZM reconciliation file (channels.md §3.2): a zip holding
// `INN{yyMMdd}88ZM_{merId}`, GBK, CRLF, 607 bytes per line (42 fixed-width fields, one space
// between fields, none after the last). Slices are taken on bytes and only then decoded as GBK:
// a Chinese character is two bytes, so slicing decoded text would shift every later field.

export const ZM_LINE_BYTES = 607;

export const ZM_FIELDS = [
  ["txnCode", 3], // 交易代码, e.g. S22 消费
  ["acqInsCode", 11], // 代理机构标识码
  ["sendInsCode", 11], // 发送机构标识码
  ["traceNo", 6], // 系统跟踪号
  ["txnTime", 10], // 交易传输时间 MMDDhhmmss
  ["payCardNo", 19], // 帐号 (masked)
  ["txnAmt", 12], // 交易金额, fen, zero-padded
  ["merCatCode", 4], // 商户类别
  ["termType", 2], // 终端类型
  ["queryId", 21], // 查询流水号
  ["payTypeOld", 2], // 支付方式（旧）
  ["orderId", 32], // 商户订单号
  ["payCardType", 2], // 支付卡类型
  ["origTraceNo", 6], // 原始交易的系统跟踪号
  ["origTxnTime", 10], // 原始交易日期时间
  ["merFee", 13], // 商户手续费, C/D + 12 digits
  ["settleAmt", 13], // 结算金额, C/D + 12 digits
  ["payType", 4], // 支付方式
  ["groupMerId", 15], // 集团商户代码
  ["txnType", 2], // 交易类型: 01 consume, 04 refund, 31 void
  ["txnSubType", 2], // 交易子类
  ["bizType", 6], // 业务类型
  ["accType", 2], // 帐号类型
  ["billType", 4], // 账单类型
  ["billNo", 32], // 账单号码
  ["interactMode", 1], // 交互方式
  ["origQryId", 21], // 原交易查询流水号
  ["merId", 15], // 商户代码
  ["splitMode", 1], // 分账入账方式
  ["subMerId", 15], // 二级商户代码
  ["subMerAbbr", 32], // 二级商户简称
  ["subMerSplitAmt", 13], // 二级商户分账入账金额
  ["clearingNetAmt", 13], // 清算净额
  ["termId", 8], // 终端号
  ["merReserved", 32], // 商户自定义域
  ["discountAmt", 13], // 优惠金额, C/D + 12 digits
  ["invoiceAmt", 13], // 发票金额
  ["installmentFee", 12], // 分期付款附加手续费
  ["installmentCount", 2], // 分期付款期数
  ["txnMedium", 1], // 交易介质
  ["origOrderId", 32], // 原始交易订单号
  ["reserved", 98], // 保留使用
] as const;

export type ZmFieldKey = (typeof ZM_FIELDS)[number][0];
export type ZmRecord = Record<ZmFieldKey, string>;

const gbk = new TextDecoder("gbk");

/** One 607-byte line → its 42 fields, GBK-decoded and trimmed of padding. */
export function parseZmLine(line: Buffer): ZmRecord {
  if (line.length !== ZM_LINE_BYTES) throw new ChannelError("MALFORMED", `a ZM line is ${ZM_LINE_BYTES} bytes, this one is ${line.length}`);
  const record: Partial<ZmRecord> = {};
  let offset = 0;
  for (const [key, width] of ZM_FIELDS) {
    record[key] = gbk.decode(line.subarray(offset, offset + width)).trim();
    offset += width + 1;
  }
  return record as ZmRecord;
}

/** Splits the file on CRLF (LF tolerated), dropping a trailing empty line. */
export function splitZmLines(file: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < file.length; i += 1) {
    if (file[i] !== 0x0a) continue;
    const end = i > start && file[i - 1] === 0x0d ? i - 1 : i;
    lines.push(file.subarray(start, end));
    start = i + 1;
  }
  if (start < file.length) lines.push(file.subarray(start));
  return lines;
}

export function parseZmFile(file: Buffer): ZmRecord[] {
  return splitZmLines(file).map(parseZmLine);
}

/** `D000000000038` → { sign: "D", amountMinor: 38n }. Which sign means what is uncertain (channels.md §7.6). */
export function parseZmSignedAmount(text: string): { sign: "C" | "D"; amountMinor: bigint } | undefined {
  const m = /^([CD])(\d{12})$/.exec(text);
  if (!m) return undefined;
  return { sign: m[1] as "C" | "D", amountMinor: BigInt(m[2] as string) };
}

export interface ZipEntry {
  readonly name: string;
  readonly bytes: Buffer;
}

/** The entries of a zip (stored or deflated), read through the central directory, CRCs checked. */
export function readZipEntries(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i -= 1) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ChannelError("MALFORMED", "not a zip file (no end of central directory)");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new ChannelError("MALFORMED", "zip central directory is damaged");
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const rawName = zip.subarray(at + 46, at + 46 + nameLength);
    // Bit 11 marks a UTF-8 name; otherwise Chinese tools write GBK.
    const name = (flags & 0x0800) !== 0 ? rawName.toString("utf8") : gbk.decode(rawName);
    if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new ChannelError("MALFORMED", `zip entry ${name} has no local header`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    let bytes: Buffer;
    if (method === 0) bytes = Buffer.from(data);
    else if (method === 8) bytes = inflateRawSync(data);
    else throw new ChannelError("MALFORMED", `zip entry ${name} uses compression method ${method}`);
    if (bytes.length !== size || crc32(bytes) >>> 0 !== crc) throw new ChannelError("MALFORMED", `zip entry ${name} fails its size or CRC check`);
    entries.push({ name, bytes });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
