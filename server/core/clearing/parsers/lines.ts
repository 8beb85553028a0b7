import { StatementFormatError } from "./types";

// A statement's lines, decoded one at a time with their 1-based numbers. Splitting the bytes on LF
// is safe for UTF-8 and GBK alike (a GBK trail byte is never below 0x40); decoding per line is what
// lets an encoding error name its line, and what would let a streaming source replace the buffer.

export interface TextLine {
  readonly lineNo: number;
  readonly text: string;
}

export function* decodedLines(bytes: Buffer, encoding: "utf-8" | "gbk"): Generator<TextLine> {
  // ignoreBOM: the caller has already taken a file's BOM off; nothing else may be dropped silently.
  const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
  const name = encoding === "gbk" ? "GBK" : "UTF-8";
  let lineNo = 0;
  let from = 0;
  while (from < bytes.length) {
    const newline = bytes.indexOf(0x0a, from);
    const end = newline === -1 ? bytes.length : newline;
    const contentEnd = end > from && bytes[end - 1] === 0x0d ? end - 1 : end;
    lineNo += 1;
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(from, contentEnd));
    } catch {
      throw new StatementFormatError("ENCODING", `not valid ${name}`, lineNo);
    }
    yield { lineNo, text };
    from = end + 1;
  }
}
