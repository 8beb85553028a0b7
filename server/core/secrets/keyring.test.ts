import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import {
  addKeyToKeyringFile,
  ensureKeyringFile,
  keyringFilePath,
  loadKeyring,
  parseKeyring,
  resetKeyringCache,
} from "./keyring";

const key32 = randomBytes(32).toString("base64");
const key32b = randomBytes(32).toString("base64");

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError, nothing was thrown");
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "swy-keyring-"));
  resetKeyringCache();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  resetKeyringCache();
});

describe("parseKeyring", () => {
  it("reads the active key id and 32-byte keys", () => {
    const ring = parseKeyring(JSON.stringify({ active: "k2", keys: { k1: key32, k2: key32b } }), "test");
    expect(ring.activeKeyId).toBe("k2");
    expect([...ring.keys.keys()]).toEqual(["k1", "k2"]);
    expect(ring.keys.get("k1")?.toString("base64")).toBe(key32);
  });

  it("rejects a 16-byte key without printing it", () => {
    const short = randomBytes(16).toString("base64");
    const error = errorOf(() => parseKeyring(JSON.stringify({ active: "k1", keys: { k1: short } }), "SWITCHYARD_KEYRING"));
    expect(error.code).toBe("KEYRING_INVALID");
    expect(error.message).toBe('Keyring from SWITCHYARD_KEYRING is invalid: key "k1" is 16 bytes; AES-256 needs 32');
  });

  it("rejects bad JSON without quoting it", () => {
    const json = `{"active":"k1","keys":{"k1":"${key32}"`;
    const error = errorOf(() => parseKeyring(json, "SWITCHYARD_KEYRING"));
    expect(error.code).toBe("KEYRING_INVALID");
    expect(error.message).toBe("Keyring from SWITCHYARD_KEYRING is invalid: not valid JSON");
  });

  it.each([
    ["a missing active key", { active: "k2", keys: { k1: key32 } }, 'active key "k2" is not in keys'],
    ["no keys", { active: "k1", keys: {} }, "keys is empty"],
    ["a key id with a colon", { active: "k:1", keys: { "k:1": key32 } }, "key ids must be"],
    ["non-canonical base64", { active: "k1", keys: { k1: `${key32.slice(0, -1)}!` } }, 'key "k1" is not valid base64'],
    ["a number for a key", { active: "k1", keys: { k1: 42 } }, "keys.k1: Invalid input"],
    ["an unknown field", { active: "k1", keys: { k1: key32 }, extra: 1 }, "unexpected field(s) extra"],
  ])("rejects %s", (_label, value, expected) => {
    const error = errorOf(() => parseKeyring(JSON.stringify(value), "test"));
    expect(error.code).toBe("KEYRING_INVALID");
    expect(error.message).toContain(expected);
  });

  it("does not echo a key pasted where a key id belongs", () => {
    const cases = [
      { active: "k1", keys: { [key32]: "k1" } },
      { active: "k1", keys: { k1: key32 }, [key32b]: true },
      { active: key32, keys: { k1: key32 } },
    ];
    for (const value of cases) {
      const { message } = errorOf(() => parseKeyring(JSON.stringify(value), "test"));
      expect(message).not.toContain(key32);
      expect(message).not.toContain(key32b);
    }
  });
});

describe("loadKeyring", () => {
  it("prefers SWITCHYARD_KEYRING over the file, and caches", () => {
    const file = path.join(dir, "keyring.json");
    ensureKeyringFile(file);
    const env = { SWITCHYARD_KEYRING: JSON.stringify({ active: "k1", keys: { k1: key32 } }), SWITCHYARD_KEYRING_FILE: file };
    const ring = loadKeyring(env);
    expect(ring.activeKeyId).toBe("k1");
    expect(loadKeyring(env)).toBe(ring);
    expect(loadKeyring({ SWITCHYARD_KEYRING: "", SWITCHYARD_KEYRING_FILE: file }).activeKeyId).toMatch(/^k\d{14}$/);
  });

  it("explains a missing file", () => {
    const file = path.join(dir, "nope.json");
    const error = errorOf(() => loadKeyring({ SWITCHYARD_KEYRING_FILE: file }));
    expect(error.code).toBe("KEYRING_MISSING");
    expect(error.message).toContain(file);
  });

  it("defaults to .data/keyring.json under the working directory", () => {
    expect(keyringFilePath({})).toBe(path.join(process.cwd(), ".data", "keyring.json"));
    expect(keyringFilePath({ SWITCHYARD_KEYRING_FILE: "" })).toBe(path.join(process.cwd(), ".data", "keyring.json"));
    expect(keyringFilePath({ SWITCHYARD_KEYRING_FILE: "conf/k.json" })).toBe(path.join(process.cwd(), "conf", "k.json"));
  });
});

describe("keyring files", () => {
  it("creates a 0600 file with one fresh key, folders included, and leaves an existing one alone", () => {
    const file = path.join(dir, "a", "b", "keyring.json");
    const ring = ensureKeyringFile(file);
    expect(ring.activeKeyId).toMatch(/^k\d{14}$/);
    expect(ring.keys.size).toBe(1);
    expect(ring.keys.get(ring.activeKeyId)?.length).toBe(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const again = ensureKeyringFile(file);
    expect(again.activeKeyId).toBe(ring.activeKeyId);
    expect(again.keys.get(ring.activeKeyId)?.equals(ring.keys.get(ring.activeKeyId) ?? Buffer.alloc(0))).toBe(true);
  });

  it("adds a new active key, keeps the old ones, and writes atomically", () => {
    const file = path.join(dir, "keyring.json");
    const first = ensureKeyringFile(file);
    const env = { SWITCHYARD_KEYRING_FILE: file };
    expect(loadKeyring(env).activeKeyId).toBe(first.activeKeyId);

    const { newKeyId, keyring } = addKeyToKeyringFile(file);
    const second = addKeyToKeyringFile(file);
    expect(newKeyId).not.toBe(first.activeKeyId);
    expect(second.newKeyId).not.toBe(newKeyId);
    expect(keyring.activeKeyId).toBe(newKeyId);
    expect([...second.keyring.keys.keys()]).toEqual([first.activeKeyId, newKeyId, second.newKeyId]);

    const onDisk = loadKeyring(env);
    expect(onDisk.activeKeyId).toBe(second.newKeyId);
    resetKeyringCache();
    const reread = loadKeyring(env);
    expect(reread.activeKeyId).toBe(second.newKeyId);
    for (const [id, key] of second.keyring.keys) expect(reread.keys.get(id)?.equals(key)).toBe(true);

    expect(fs.readdirSync(dir)).toEqual(["keyring.json"]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});
