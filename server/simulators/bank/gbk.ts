// A GBK encoder for the simulator's statement files. Node has a GBK decoder (TextDecoder) but no
// encoder, and no GBK package is a declared dependency, so the table is built once by decoding
// every two-byte sequence and inverting the result.

let table: Map<number, number> | undefined;

function gbkTable(): Map<number, number> {
  if (table) return table;
  const decoder = new TextDecoder("gbk");
  const built = new Map<number, number>();
  const pair = new Uint8Array(2);
  for (let lead = 0x81; lead <= 0xfe; lead += 1) {
    for (let trail = 0x40; trail <= 0xfe; trail += 1) {
      if (trail === 0x7f) continue;
      pair[0] = lead;
      pair[1] = trail;
      const text = decoder.decode(pair);
      const code = text.codePointAt(0);
      if (text.length !== 1 || code === undefined || code === 0xfffd || built.has(code)) continue;
      built.set(code, (lead << 8) | trail);
    }
  }
  table = built;
  return built;
}

/** Encodes one character; characters GBK lacks become `?`. */
function encodeChar(ch: string): number[] {
  const code = ch.codePointAt(0) ?? 0x3f;
  if (code < 0x80) return [code];
  const double = gbkTable().get(code);
  return double === undefined ? [0x3f] : [double >> 8, double & 0xff];
}

export function encodeGbk(text: string): Buffer {
  const bytes: number[] = [];
  for (const ch of text) bytes.push(...encodeChar(ch));
  return Buffer.from(bytes);
}

/**
 * `text` in GBK, cut to at most `width` bytes without splitting a character, then padded with
 * spaces (left-justified) or zeros/spaces on the left (right-justified) to exactly `width`.
 */
export function fitGbk(text: string, width: number, justify: "left" | "right" = "left", pad = " "): Buffer {
  const bytes: number[] = [];
  for (const ch of text) {
    const encoded = encodeChar(ch);
    if (bytes.length + encoded.length > width) break;
    bytes.push(...encoded);
  }
  const fill: number[] = new Array<number>(width - bytes.length).fill(pad.charCodeAt(0));
  return Buffer.from(justify === "left" ? [...bytes, ...fill] : [...fill, ...bytes]);
}
