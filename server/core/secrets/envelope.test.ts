import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import { isSealed, keyIdOf, maskTail, open, seal, type SealContext } from "./envelope";
import { ensureKeyringFile, type Keyring, resetKeyringCache } from "./keyring";

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const ring1: Keyring = { activeKeyId: "k1", keys: new Map([["k1", k1]]) };
const ring12: Keyring = { activeKeyId: "k2", keys: new Map([["k1", k1], ["k2", k2]]) };

const ctxA: SealContext = { tenantId: randomUUID(), table: "merchant", rowId: randomUUID(), field: "settlementAccountNumber" };

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError, nothing was thrown");
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Rewrites the decoded ciphertext part of a sealed value. */
function editBody(sealed: string, edit: (body: Buffer) => Buffer): string {
  const [version, kid, iv, body = ""] = sealed.split(":");
  return [version, kid, iv, edit(Buffer.from(body, "base64url")).toString("base64url")].join(":");
}

const flipByte = (index: number) => (body: Buffer) => {
  const copy = Buffer.from(body);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
};

describe("seal and open", () => {
  it.each([
    ["an account number", "6222021234567890"],
    ["Chinese text", "中国工商银行 上海分行 收款账户：张三"],
    ["the empty string", ""],
    ["a long secret", "x".repeat(10_000)],
  ])("round-trips %s", (_label, plaintext) => {
    const sealed = seal(ctxA, plaintext, ring1);
    expect(sealed).toMatch(/^swy1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(open(ctxA, sealed, ring1)).toBe(plaintext);
  });

  it("uses a fresh IV each time, so equal plaintexts give different ciphertexts", () => {
    const a = seal(ctxA, "6222021234567890", ring1);
    const b = seal(ctxA, "6222021234567890", ring1);
    expect(a).not.toBe(b);
    expect(a.split(":")[2]).not.toBe(b.split(":")[2]);
  });

  it("seals with the active key, and a value under an older key still opens", () => {
    const old = seal(ctxA, "secret", ring1);
    const fresh = seal(ctxA, "secret", ring12);
    expect(keyIdOf(old)).toBe("k1");
    expect(keyIdOf(fresh)).toBe("k2");
    expect(open(ctxA, old, ring12)).toBe("secret");
    expect(open(ctxA, fresh, ring12)).toBe("secret");
  });

  it("rejects a value whose key is not in the keyring", () => {
    const sealed = seal(ctxA, "secret", ring12);
    expect(errorOf(() => open(ctxA, sealed, ring1)).code).toBe("SECRET_KEY_UNKNOWN");
  });

  it("refuses to seal when the active key is missing", () => {
    const broken: Keyring = { activeKeyId: "k9", keys: new Map([["k1", k1]]) };
    expect(errorOf(() => seal(ctxA, "secret", broken)).code).toBe("SECRET_KEY_UNKNOWN");
  });
});

describe("tampering", () => {
  const sealed = seal(ctxA, "6222021234567890", ring1);
  const bodyLength = Buffer.from(sealed.split(":")[3] ?? "", "base64url").length;

  it("detects one changed byte of ciphertext, tag or IV", () => {
    expect(errorOf(() => open(ctxA, editBody(sealed, flipByte(0)), ring1)).code).toBe("SECRET_TAMPERED");
    expect(errorOf(() => open(ctxA, editBody(sealed, flipByte(bodyLength - 1)), ring1)).code).toBe("SECRET_TAMPERED");
    const [version, kid, iv = "", body] = sealed.split(":");
    const otherIv = flipByte(0)(Buffer.from(iv, "base64url")).toString("base64url");
    expect(errorOf(() => open(ctxA, [version, kid, otherIv, body].join(":"), ring1)).code).toBe("SECRET_TAMPERED");
  });

  it("rejects a truncated tag", () => {
    for (const cut of [1, 8, 15, 16, bodyLength]) {
      const truncated = editBody(sealed, (b) => b.subarray(0, b.length - cut));
      expect(["SECRET_MALFORMED", "SECRET_TAMPERED"]).toContain(errorOf(() => open(ctxA, truncated, ring1)).code);
    }
    // Shorter than a whole tag cannot even be parsed.
    expect(errorOf(() => open(ctxA, editBody(sealed, (b) => b.subarray(0, 15)), ring1)).code).toBe("SECRET_MALFORMED");
  });

  it("rejects a value relabelled with another key id", () => {
    const relabelled = sealed.replace(/^swy1:k1:/, "swy1:k2:");
    expect(errorOf(() => open(ctxA, relabelled, ring12)).code).toBe("SECRET_TAMPERED");
  });

  it.each([
    ["another row", { ...ctxA, rowId: randomUUID() }],
    ["another field", { ...ctxA, field: "webhookSecret" }],
    ["another table", { ...ctxA, table: "merchant_archive" }],
    ["another tenant", { ...ctxA, tenantId: randomUUID() }],
  ])("does not open a value copied to %s", (_label, other) => {
    const error = errorOf(() => open(other, sealed, ring1));
    expect(error.code).toBe("SECRET_TAMPERED");
    expect(error.message).toContain(`${other.table}.${other.field}`);
    expect(error.message).toContain(other.rowId);
  });

  it("refuses contexts whose parts could run together", () => {
    expect(errorOf(() => seal({ ...ctxA, table: "merchant|x" }, "secret", ring1)).code).toBe("SECRET_CONTEXT_INVALID");
    expect(errorOf(() => seal({ ...ctxA, rowId: "" }, "secret", ring1)).code).toBe("SECRET_CONTEXT_INVALID");
  });
});

describe("malformed values", () => {
  const good = seal(ctxA, "secret", ring1);
  const [, , iv = "", body = ""] = good.split(":");

  it.each([
    ["empty", ""],
    ["plaintext", "6222021234567890"],
    ["another version", good.replace(/^swy1:/, "swy2:")],
    ["too few parts", `swy1:k1:${iv}`],
    ["too many parts", `${good}:extra`],
    ["a bad key id", `swy1:k 1:${iv}:${body}`],
    ["a short IV", `swy1:k1:${iv.slice(0, 8)}:${body}`],
    ["non-base64url ciphertext", `swy1:k1:${iv}:${body.slice(0, -2)}+/`],
  ])("rejects %s as SECRET_MALFORMED", (_label, value) => {
    expect(errorOf(() => open(ctxA, value, ring1)).code).toBe("SECRET_MALFORMED");
    expect(isSealed(value)).toBe(false);
    expect(errorOf(() => keyIdOf(value)).code).toBe("SECRET_MALFORMED");
  });

  it("recognises envelopes", () => {
    expect(isSealed(good)).toBe(true);
    expect(isSealed(null)).toBe(false);
    expect(isSealed(42)).toBe(false);
  });
});

describe("error messages", () => {
  it("never contain the plaintext or key material", () => {
    const plaintext = "PLAINTEXT-6222021234567890";
    const sealed = seal(ctxA, plaintext, ring12);
    const errors = [
      errorOf(() => open(ctxA, editBody(sealed, flipByte(3)), ring12)),
      errorOf(() => open({ ...ctxA, rowId: randomUUID() }, sealed, ring12)),
      errorOf(() => open(ctxA, sealed, ring1)),
      errorOf(() => open(ctxA, sealed.slice(0, -30), ring12)),
    ];
    const forbidden = [plaintext, "6222021234567890", k1.toString("base64"), k2.toString("base64"), k1.toString("hex"), k2.toString("hex")];
    for (const error of errors) {
      for (const text of [error.message, String(error.stack), JSON.stringify(error)]) {
        for (const secret of forbidden) expect(text).not.toContain(secret);
      }
    }
  });
});

describe("the process keyring", () => {
  const saved = { inline: process.env.SWITCHYARD_KEYRING, file: process.env.SWITCHYARD_KEYRING_FILE };
  afterEach(() => {
    restoreEnv("SWITCHYARD_KEYRING", saved.inline);
    restoreEnv("SWITCHYARD_KEYRING_FILE", saved.file);
    resetKeyringCache();
  });

  it("is used by default, and re-read once when another process added a key", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swy-keyring-"));
    try {
      const file = path.join(dir, "keyring.json");
      delete process.env.SWITCHYARD_KEYRING;
      process.env.SWITCHYARD_KEYRING_FILE = file;
      const first = ensureKeyringFile(file);
      const before = seal(ctxA, "secret");
      expect(keyIdOf(before)).toBe(first.activeKeyId);

      // Written as another process would: this process still holds the old keyring in its cache.
      const k3 = randomBytes(32);
      const keys: Record<string, string> = { k3: k3.toString("base64") };
      for (const [id, key] of first.keys) keys[id] = key.toString("base64");
      fs.writeFileSync(file, JSON.stringify({ active: "k3", keys }));
      const sealedElsewhere = seal(ctxA, "rotated", { activeKeyId: "k3", keys: new Map([["k3", k3]]) });

      expect(open(ctxA, sealedElsewhere)).toBe("rotated");
      expect(open(ctxA, before)).toBe("secret");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("maskTail", () => {
  it.each([
    ["6222021234567890", 4, "••••7890"],
    ["6222 0212 3456 7890", 4, "••••7890"],
    ["6222-0212-3456-7890", 6, "••••567890"],
    ["123456", 4, "••••56"],
    ["1234", 4, "••••"],
    ["", 4, ""],
  ])("masks %s showing %i", (value, visible, expected) => {
    expect(maskTail(value, visible)).toBe(expected);
  });
});
