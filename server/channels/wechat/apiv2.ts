import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ChannelError } from "../types";

// WeChat Pay APIv2: flat `<xml>` documents signed with MD5 or HMAC-SHA256 over the sorted
// `k=v&…&key=<APIv2 key>` string (reference/channels.md §1.5.1). Still the API face and
// payment-code (付款码) payments use in practice.

export type V2SignType = "MD5" | "HMAC-SHA256";
export type V2Fields = Readonly<Record<string, string>>;

/** `sign` and empty values are left out; keys in ASCII order. */
export function v2SigningString(fields: V2Fields): string {
  return Object.keys(fields)
    .filter((key) => key !== "sign" && fields[key] !== undefined && fields[key] !== "")
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join("&");
}

export function v2Sign(fields: V2Fields, apiV2Key: string, signType: V2SignType): string {
  const message = `${v2SigningString(fields)}&key=${apiV2Key}`;
  const digest = signType === "MD5" ? createHash("md5").update(message, "utf8").digest("hex") : createHmac("sha256", apiV2Key).update(message, "utf8").digest("hex");
  return digest.toUpperCase();
}

export function v2SignatureMatches(fields: V2Fields, apiV2Key: string, signType: V2SignType): boolean {
  const given = fields.sign;
  if (!given) return false;
  const expected = Buffer.from(v2Sign(fields, apiV2Key, signType), "utf8");
  const actual = Buffer.from(given.toUpperCase(), "utf8");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function buildXml(fields: V2Fields): string {
  const children = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    // "]]>" cannot appear inside one CDATA section, so it is split across two.
    .map(([key, value]) => `<${key}><![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]></${key}>`)
    .join("");
  return `<xml>${children}</xml>`;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/**
 * Parses WeChat's flat `<xml><k>v</k>…</xml>`. Document type declarations are refused outright:
 * entity expansion in payment XML is a known attack (WeChat's own 2018 XXE advisory).
 */
export function parseXml(text: string): Record<string, string> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new ChannelError("MALFORMED", "XML with a document type declaration is refused");
  const root = /^\s*(?:<\?xml[^>]*\?>\s*)?<xml>([\s\S]*)<\/xml>\s*$/.exec(text);
  if (root === null) throw new ChannelError("MALFORMED", "not a WeChat <xml> document");
  const fields: Record<string, string> = {};
  const inner = root[1] ?? "";
  let position = 0;
  const open = /<([A-Za-z_][\w.-]*)\s*>/g;
  while (position < inner.length) {
    open.lastIndex = position;
    const tag = open.exec(inner);
    if (!tag) {
      if (inner.slice(position).trim() !== "") throw new ChannelError("MALFORMED", "unexpected text in <xml>");
      break;
    }
    if (inner.slice(position, tag.index).trim() !== "") throw new ChannelError("MALFORMED", "unexpected text in <xml>");
    const name = tag[1] as string;
    const contentStart = tag.index + tag[0].length;
    const close = findClosingTag(inner, name, contentStart);
    fields[name] = decodeContent(inner.slice(contentStart, close));
    position = close + `</${name}>`.length;
  }
  return fields;
}

/** The closing tag after `from`, skipping over CDATA sections (which may contain anything). */
function findClosingTag(text: string, name: string, from: number): number {
  let index = from;
  for (;;) {
    const cdata = text.indexOf("<![CDATA[", index);
    const close = text.indexOf(`</${name}>`, index);
    if (close === -1) throw new ChannelError("MALFORMED", `unclosed <${name}>`);
    if (cdata === -1 || close < cdata) return close;
    const cdataEnd = text.indexOf("]]>", cdata);
    if (cdataEnd === -1) throw new ChannelError("MALFORMED", "unterminated CDATA section");
    index = cdataEnd + 3;
  }
}

function decodeContent(raw: string): string {
  let out = "";
  let index = 0;
  while (index < raw.length) {
    const cdata = raw.indexOf("<![CDATA[", index);
    const plainEnd = cdata === -1 ? raw.length : cdata;
    const plain = raw.slice(index, plainEnd);
    if (plain.includes("<")) throw new ChannelError("MALFORMED", "nested elements are not part of WeChat v2 XML");
    out += plain.replace(/&(lt|gt|amp|quot|apos);/g, (_match, entity: string) => ENTITIES[entity] ?? "");
    if (cdata === -1) break;
    const end = raw.indexOf("]]>", cdata);
    out += raw.slice(cdata + 9, end);
    index = end + 3;
  }
  return out;
}
