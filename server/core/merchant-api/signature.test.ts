import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KIND_TO_HTTP } from "@/server/api/errors";
import { API_STATUS_BY_KIND, localeFromAcceptLanguage } from "./handler";
import { requestHash } from "./idempotency";
import { toApiJson } from "./json";
import { newKeyId, newSecret, randomBase62 } from "./keys";
import { authorizationHeader, KEY_ID_PATTERN, parseAuthorization, sign, stringToSign, timestampInWindow, verifySignature } from "./signature";

// The signature with fixed vectors written out by hand. The expected values were computed with
// openssl (`printf '…' | openssl dgst -sha256 -hmac "$SECRET" -binary | base64`) and are checked
// again here with node:crypto over the hand-written string, independently of stringToSign.

const SECRET = "sk_TestVectorSecret0000000000000000000000000000";

const POST_VECTOR = {
  parts: {
    method: "POST",
    pathWithQuery: "/api/v1/echo?lang=zh",
    timestamp: "1764300000",
    nonce: "n0nce-2026-11-28-abcdef",
    body: '{"message":"你好, Switchyard","amountMinor":1000}',
  },
  canonical: 'POST\n/api/v1/echo?lang=zh\n1764300000\nn0nce-2026-11-28-abcdef\n{"message":"你好, Switchyard","amountMinor":1000}\n',
  signature: "1CAzuwtlVI0AK6T9ELrw7pi7HEo/eFzJmUdQqU0XIX4=",
};

const GET_VECTOR = {
  parts: { method: "GET", pathWithQuery: "/api/v1/products?orderType=CONSUMPTION&amountMinor=1000", timestamp: "1764300000", nonce: "0123456789abcdef0123456789abcdef", body: "" },
  canonical: "GET\n/api/v1/products?orderType=CONSUMPTION&amountMinor=1000\n1764300000\n0123456789abcdef0123456789abcdef\n\n",
  signature: "mFtn6O57wTe4lvxELwZO80JffqahZvYIgTS7HBAZK6U=",
};

describe("the signature (fixed vectors)", () => {
  for (const [name, v] of [["POST with a UTF-8 body", POST_VECTOR], ["GET with an empty body", GET_VECTOR]] as const) {
    it(name, () => {
      // Independently: node:crypto over the hand-written canonical string.
      const independent = createHmac("sha256", SECRET).update(v.canonical, "utf8").digest("base64");
      expect(independent).toBe(v.signature);
      expect(stringToSign(v.parts).toString("utf8")).toBe(v.canonical);
      expect(sign(SECRET, v.parts)).toBe(v.signature);
      // The body as bytes signs the same as the body as a string.
      expect(sign(SECRET, { ...v.parts, body: new TextEncoder().encode(v.parts.body) })).toBe(v.signature);
      expect(verifySignature(SECRET, v.parts, v.signature)).toBe(true);
    });
  }

  it("changes with every signed part, and with the secret", () => {
    const p = POST_VECTOR.parts;
    for (const changed of [
      { ...p, method: "PUT" },
      { ...p, pathWithQuery: "/api/v1/echo?lang=en" },
      { ...p, timestamp: "1764300001" },
      { ...p, nonce: "n0nce-2026-11-28-abcdeg" },
      { ...p, body: p.body.replace("1000", "1001") },
      { ...p, body: `${p.body} ` },
    ]) {
      expect(verifySignature(SECRET, changed, POST_VECTOR.signature)).toBe(false);
    }
    expect(verifySignature(`${SECRET}x`, p, POST_VECTOR.signature)).toBe(false);
    // The method is signed upper-case whatever case the caller passes.
    expect(sign(SECRET, { ...p, method: "post" })).toBe(POST_VECTOR.signature);
  });

  it("builds the Authorization header the parser reads back", () => {
    const header = authorizationHeader("ak_0123456789abcdefABCDEFGH", SECRET, POST_VECTOR.parts);
    expect(header).toBe(`SWY1-HMAC-SHA256 keyId=ak_0123456789abcdefABCDEFGH,timestamp=1764300000,nonce=n0nce-2026-11-28-abcdef,signature=${POST_VECTOR.signature}`);
    expect(parseAuthorization(header)).toEqual({
      ok: true,
      value: { keyId: "ak_0123456789abcdefABCDEFGH", timestamp: "1764300000", nonce: "n0nce-2026-11-28-abcdef", signature: POST_VECTOR.signature },
    });
  });
});

describe("parseAuthorization", () => {
  const good = { keyId: "ak_0123456789abcdefABCDEFGH", timestamp: "1764300000", nonce: "0123456789abcdef", signature: POST_VECTOR.signature };
  const header = (fields: Record<string, string>, scheme = "SWY1-HMAC-SHA256", sep = ",") =>
    `${scheme} ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(sep)}`;

  it("accepts the fields in any order, with spaces after the commas", () => {
    const { signature, nonce, keyId, timestamp } = good;
    expect(parseAuthorization(header({ signature, nonce, keyId, timestamp }, undefined, ", "))).toEqual({ ok: true, value: good });
  });

  it("says MISSING for no header and MALFORMED for everything else wrong", () => {
    expect(parseAuthorization(null)).toMatchObject({ ok: false, code: "AUTH_HEADER_MISSING" });
    expect(parseAuthorization("  ")).toMatchObject({ ok: false, code: "AUTH_HEADER_MISSING" });
    const { signature: _s, ...noSignature } = good;
    for (const bad of [
      "Bearer abc",
      header(good, "SWY1-HMAC-SHA1"),
      header(good, "swy1-hmac-sha256"),
      "SWY1-HMAC-SHA256",
      header(noSignature),
      `${header(good)},nonce=0123456789abcdef`,
      `${header(good)},extra=1`,
      `${header(good)},`,
      header({ ...good, timestamp: "1764300000.5" }),
      header({ ...good, timestamp: "-5" }),
      header({ ...good, nonce: "short" }),
      header({ ...good, nonce: "has space in it 0123" }),
      header({ ...good, signature: "00".repeat(32) }),
      header({ ...good, signature: POST_VECTOR.signature.slice(0, -1) }),
      header({ ...good, keyId: "" }),
      header({ ...good, keyId: "ak/with/slashes" }),
    ]) {
      expect(parseAuthorization(bad), bad).toMatchObject({ ok: false, code: "AUTH_HEADER_MALFORMED" });
    }
  });
});

describe("the timestamp window", () => {
  const now = 1_764_300_000_000;
  it("accepts exactly ±300 s and refuses 301 s either way", () => {
    expect(timestampInWindow(String(1_764_300_000 - 300), now)).toBe(true);
    expect(timestampInWindow(String(1_764_300_000 + 300), now)).toBe(true);
    expect(timestampInWindow(String(1_764_300_000 - 301), now)).toBe(false);
    expect(timestampInWindow(String(1_764_300_000 + 301), now)).toBe(false);
    // Milliseconds by mistake are far in the future.
    expect(timestampInWindow(String(now), now)).toBe(false);
  });
});

describe("key material", () => {
  it("key ids and secrets have their documented shapes and never repeat", () => {
    const ids = new Set(Array.from({ length: 200 }, newKeyId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(KEY_ID_PATTERN);
    expect(newSecret()).toMatch(/^sk_[0-9A-Za-z]{43}$/);
  });

  it("base62 uses the whole alphabet", () => {
    const text = randomBase62(20_000);
    expect(new Set(text).size).toBe(62);
  });
});

describe("toApiJson", () => {
  it("writes bigint as JSON integers with every digit, dates as ISO strings, and drops undefined", () => {
    const text = toApiJson({ a: 9_007_199_254_740_993n, b: [1n, -2n, undefined], c: undefined, d: new Date("2026-11-28T01:02:03.004Z"), e: "x\"y", f: null, g: Number.NaN });
    expect(text).toBe('{"a":9007199254740993,"b":[1,-2,null],"d":"2026-11-28T01:02:03.004Z","e":"x\\"y","f":null,"g":null}');
    // Small amounts round-trip through JSON.parse as numbers.
    expect(JSON.parse(toApiJson({ amountMinor: 1000n }))).toEqual({ amountMinor: 1000 });
  });

  it("uses toJSON (Prisma's Decimal) and agrees with JSON.stringify where that works", () => {
    const value = { x: { toJSON: () => "12.50" }, nested: { list: [true, false, 0, "s"], empty: {} } };
    expect(toApiJson(value)).toBe(JSON.stringify(value));
  });
});

describe("the rest of the wrapper's small parts", () => {
  it("maps domain error kinds to the same HTTP statuses as server/api/errors.ts", () => {
    expect(API_STATUS_BY_KIND).toEqual(KIND_TO_HTTP);
  });

  it("picks the language from Accept-Language by q-value", () => {
    expect(localeFromAcceptLanguage(null)).toBeNull();
    expect(localeFromAcceptLanguage("fr-FR, de;q=0.8")).toBeNull();
    expect(localeFromAcceptLanguage("en-US,en;q=0.9,zh-CN;q=0.8")).toBe("en");
    expect(localeFromAcceptLanguage("zh-TW;q=0.5, en;q=0.4")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("en;q=0.2, zh;q=0.9")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("en;q=0, zh-CN;q=0")).toBeNull();
  });

  it("hashes method, path and body for idempotency", () => {
    const body = new TextEncoder().encode('{"a":1}');
    const h = requestHash("post", "/api/v1/echo", body);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash("POST", "/api/v1/echo", body)).toBe(h);
    expect(requestHash("POST", "/api/v1/echo?x=1", body)).not.toBe(h);
    expect(requestHash("POST", "/api/v1/echo", new TextEncoder().encode('{"a":2}'))).not.toBe(h);
  });
});
