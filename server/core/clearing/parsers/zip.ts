import * as zlib from "node:zlib";
import { StatementFormatError } from "./types";

// A small zip reader for statement archives (Alipay's bill is a zip of CSV files). It reads the
// central directory, not the local headers in sequence, because sizes may sit in data descriptors
// after the data; it takes entries that are stored or deflated and refuses everything else by name
// (zip64, encryption, split archives, other methods) rather than returning bytes it cannot vouch
// for. Every entry's CRC-32 and size are checked, so a truncated or damaged download is refused here
// instead of surfacing later as odd CSV.

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const END_RECORD_SIZE = 22;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
/** The end record may be followed by a comment of up to 65,535 bytes. */
const MAX_COMMENT = 0xffff;

const STORED = 0;
const DEFLATED = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8_NAME = 0x0800;

/**
 * Statement files are tens of MB; an entry claiming far more is refused before inflating, so a
 * hostile or broken archive cannot make the import allocate gigabytes.
 */
export const MAX_ENTRY_BYTES = 512 * 1024 * 1024;

export interface ZipEntry {
  /** The name as decoded: UTF-8 when the entry says so, else the archive's legacy encoding. */
  readonly name: string;
  readonly isDirectory: boolean;
  readonly method: number;
  readonly size: number;
  /** The entry's content, inflated and checked against its CRC-32 and size. */
  read(): Buffer;
}

export interface ZipOptions {
  /**
   * How names without the UTF-8 flag are encoded (a WHATWG encoding label; default utf-8). The zip
   * spec says CP437, which TextDecoder does not know, and in practice Chinese archivers (Alipay's
   * among them) write GBK without setting the flag.
   */
  readonly legacyNameEncoding?: string;
}

export function readZip(bytes: Buffer, options: ZipOptions = {}): ZipEntry[] {
  const end = findEndRecord(bytes);
  const disk = bytes.readUInt16LE(end + 4);
  const directoryDisk = bytes.readUInt16LE(end + 6);
  const entriesOnDisk = bytes.readUInt16LE(end + 8);
  const entryCount = bytes.readUInt16LE(end + 10);
  const directorySize = bytes.readUInt32LE(end + 12);
  const directoryOffset = bytes.readUInt32LE(end + 16);
  if (disk !== 0 || directoryDisk !== 0 || entriesOnDisk !== entryCount) throw new StatementFormatError("UNSUPPORTED", "a zip split across several files");
  // 0xFFFF / 0xFFFFFFFF mean "see the zip64 record": archives over 4 GB or 65,535 entries.
  if (entryCount === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) throw new StatementFormatError("UNSUPPORTED", "a zip64 archive");
  if (directoryOffset + directorySize > end) throw damaged("the central directory lies outside the file");

  const legacy = new TextDecoder(options.legacyNameEncoding ?? "utf-8");
  const utf8 = new TextDecoder("utf-8");
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let index = 0; index < entryCount; index += 1) {
    if (at + CENTRAL_HEADER_SIZE > directoryOffset + directorySize || bytes.readUInt32LE(at) !== CENTRAL_FILE_HEADER) {
      throw damaged(`central directory entry ${index + 1} is not where the directory says`);
    }
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const crc = bytes.readUInt32LE(at + 16);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const localOffset = bytes.readUInt32LE(at + 42);
    if (at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength > directoryOffset + directorySize) {
      throw damaged(`central directory entry ${index + 1} runs past the end of the directory`);
    }
    const nameBytes = bytes.subarray(at + CENTRAL_HEADER_SIZE, at + CENTRAL_HEADER_SIZE + nameLength);
    const name = (flags & FLAG_UTF8_NAME ? utf8 : legacy).decode(nameBytes);
    at += CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;

    if (flags & FLAG_ENCRYPTED) throw new StatementFormatError("UNSUPPORTED", `zip entry ${name} is encrypted`);
    if (method !== STORED && method !== DEFLATED) throw new StatementFormatError("UNSUPPORTED", `zip entry ${name} uses compression method ${method}; only stored (0) and deflate (8) are read`);
    if (size > MAX_ENTRY_BYTES) throw new StatementFormatError("UNSUPPORTED", `zip entry ${name} is ${size} bytes, over the ${MAX_ENTRY_BYTES}-byte limit for a statement`);
    entries.push({
      name,
      isDirectory: name.endsWith("/"),
      method,
      size,
      read: () => readEntry(bytes, { name, method, crc, compressedSize, size, localOffset, directoryOffset }),
    });
  }
  return entries;
}

function findEndRecord(bytes: Buffer): number {
  const lowest = Math.max(0, bytes.length - END_RECORD_SIZE - MAX_COMMENT);
  for (let at = bytes.length - END_RECORD_SIZE; at >= lowest; at -= 1) {
    // The comment length must reach exactly to the end, or the signature is just bytes inside the comment.
    if (bytes.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY && at + END_RECORD_SIZE + bytes.readUInt16LE(at + 20) === bytes.length) return at;
  }
  throw new StatementFormatError("NOT_A_STATEMENT", "not a zip archive (no end-of-central-directory record; a truncated download?)");
}

interface EntryLocation {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
  readonly directoryOffset: number;
}

function readEntry(bytes: Buffer, entry: EntryLocation): Buffer {
  const { name, localOffset } = entry;
  if (localOffset + LOCAL_HEADER_SIZE > entry.directoryOffset || bytes.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER) {
    throw damaged(`zip entry ${name} has no local header where the directory says`);
  }
  // The local header's name and extra field may differ in length from the central directory's.
  const start = localOffset + LOCAL_HEADER_SIZE + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28);
  if (start + entry.compressedSize > entry.directoryOffset) throw damaged(`zip entry ${name} runs past the end of the data`);
  const stored = bytes.subarray(start, start + entry.compressedSize);

  let data: Buffer;
  if (entry.method === STORED) {
    data = stored;
  } else {
    try {
      // Capped at the declared size: a deflate stream that inflates to more is refused, not followed.
      data = zlib.inflateRawSync(stored, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (error) {
      throw damaged(`zip entry ${name} does not inflate (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (data.length !== entry.size) throw damaged(`zip entry ${name} is ${data.length} bytes; the directory says ${entry.size}`);
  if (crc32(data) !== entry.crc) throw damaged(`zip entry ${name} fails its CRC-32 check`);
  return data;
}

function damaged(message: string): StatementFormatError {
  return new StatementFormatError("ENCODING", `damaged zip archive: ${message}`);
}

let crcTable: Uint32Array | undefined;

/** zlib.crc32 arrived in Node 20.15 and the engines range starts at 20.11, so keep a table fallback. */
function crc32(data: Buffer): number {
  const native = (zlib as { crc32?: (data: Buffer) => number }).crc32;
  if (typeof native === "function") return native(data) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
