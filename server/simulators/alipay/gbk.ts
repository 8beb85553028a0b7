// GBK encoding for the 业务明细 file. Node can decode GBK (TextDecoder) but not encode it, and the
// repository has no iconv dependency of its own, so the table is built once by decoding every
// two-byte sequence and inverting the result. Simulator-only: characters outside GBK become "?".

let table: Map<number, number> | undefined;

function encoderTable(): Map<number, number> {
  if (table) return table;
  const built = new Map<number, number>();
  const decoder = new TextDecoder("gbk", { fatal: true });
  // The one non-ASCII single byte: 0x80 is "€" in the WHATWG GBK decoder.
  built.set(0x20ac, 0x80);
  const pair = new Uint8Array(2);
  for (let lead = 0x81; lead <= 0xfe; lead += 1) {
    for (let trail = 0x40; trail <= 0xfe; trail += 1) {
      if (trail === 0x7f) continue;
      pair[0] = lead;
      pair[1] = trail;
      let text: string;
      try {
        text = decoder.decode(pair);
      } catch {
        continue;
      }
      const codePoint = text.codePointAt(0);
      if (text.length === 1 && codePoint !== undefined && codePoint !== 0xfffd && !built.has(codePoint)) built.set(codePoint, (lead << 8) | trail);
    }
  }
  table = built;
  return built;
}

export function encodeGbk(text: string): Buffer {
  const codes = encoderTable();
  const out: number[] = [];
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0x3f;
    if (codePoint < 0x80) {
      out.push(codePoint);
      continue;
    }
    const code = codes.get(codePoint);
    if (code === undefined) out.push(0x3f);
    else if (code < 0x100) out.push(code);
    else out.push(code >> 8, code & 0xff);
  }
  return Buffer.from(out);
}
