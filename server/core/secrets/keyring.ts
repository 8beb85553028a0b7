import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DomainError } from "@/server/core/errors/domain-error";

// The keyring holds the AES-256 keys for the secrets envelope. It comes from SWITCHYARD_KEYRING
// (JSON, for deployments that inject secrets through the environment) or from a 0600 file
// (default .data/keyring.json, beside the embedded database). Old keys stay in the keyring so
// values sealed with them still open until `rotateSecrets` has re-encrypted them.
//
// No error raised here may contain key material: messages name key ids, paths and byte counts only.

export const KEY_BYTES = 32;

// Key ids appear inside sealed values (`swy1:<kid>:…`) and in SQL LIKE patterns, so they use a small
// alphabet without ':' or '|'. A base64 key never matches this (it is 44 characters and ends in
// '='), which the error formatter relies on to avoid echoing a key pasted in the wrong place.
export const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEY_ID_RULE = "key ids must be 1-64 characters of A-Z a-z 0-9 _ -";

export interface Keyring {
  readonly activeKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

type Env = Readonly<Record<string, string | undefined>>;

const ZKeyringJson = z.strictObject({
  active: z.string().regex(KEY_ID, KEY_ID_RULE),
  keys: z.record(z.string().regex(KEY_ID, KEY_ID_RULE), z.string()),
});
type TKeyringJson = z.infer<typeof ZKeyringJson>;

function invalid(source: string, problem: string): DomainError {
  return new DomainError("INVARIANT", "KEYRING_INVALID", `Keyring from ${source} is invalid: ${problem}`);
}

const safeName = (segment: PropertyKey): string =>
  typeof segment === "string" && KEY_ID.test(segment) ? segment : "<redacted>";

function describeIssue(issue: z.ZodError["issues"][number]): string {
  const where = issue.path.length === 0 ? "" : `${issue.path.map(safeName).join(".")}: `;
  if (issue.code === "unrecognized_keys") return `${where}unexpected field(s) ${issue.keys.map(safeName).join(", ")}`;
  return `${where}${issue.message}`;
}

function decodeKey(source: string, id: string, encoded: string): Buffer {
  const bytes = Buffer.from(encoded, "base64");
  // Buffer.from ignores characters outside the alphabet, so insist on canonical base64.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || bytes.toString("base64") !== encoded) {
    throw invalid(source, `key "${id}" is not valid base64`);
  }
  if (bytes.length !== KEY_BYTES) {
    throw invalid(source, `key "${id}" is ${bytes.length} bytes; AES-256 needs ${KEY_BYTES}`);
  }
  return bytes;
}

/** Parses and validates keyring JSON. `source` names where it came from, for error messages. */
export function parseKeyring(json: string, source: string): Keyring {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    // JSON.parse's own message quotes the input, which may hold key material.
    throw invalid(source, "not valid JSON");
  }
  const parsed = ZKeyringJson.safeParse(raw);
  if (!parsed.success) throw invalid(source, parsed.error.issues.map(describeIssue).join("; "));
  const { active, keys: encoded } = parsed.data;
  const keys = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(encoded)) keys.set(id, decodeKey(source, id, value));
  if (keys.size === 0) throw invalid(source, "keys is empty");
  if (!keys.has(active)) throw invalid(source, `active key "${active}" is not in keys`);
  return { activeKeyId: active, keys };
}

function toJson(keyring: Keyring): string {
  const keys: TKeyringJson["keys"] = {};
  for (const [id, key] of keyring.keys) keys[id] = key.toString("base64");
  const json: TKeyringJson = { active: keyring.activeKeyId, keys };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** The keyring file used when SWITCHYARD_KEYRING is not set. */
export function keyringFilePath(env: Env = process.env): string {
  const configured = env.SWITCHYARD_KEYRING_FILE;
  return path.resolve(configured !== undefined && configured !== "" ? configured : path.join(".data", "keyring.json"));
}

function readKeyringFile(file: string): Keyring {
  let json: string;
  try {
    json = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new DomainError(
        "INVARIANT",
        "KEYRING_MISSING",
        `No keyring: SWITCHYARD_KEYRING is not set and the keyring file ${file} does not exist`,
      );
    }
    throw new DomainError("INVARIANT", "KEYRING_UNREADABLE", `Cannot read keyring file ${file} (${code ?? "unknown error"})`);
  }
  return parseKeyring(json, `keyring file ${file}`);
}

let cache: { source: string; keyring: Keyring } | undefined;

/**
 * The process's keyring: SWITCHYARD_KEYRING if set (and not empty), else the keyring file. Parsed
 * once per source and cached; `resetKeyringCache` forces a re-read.
 */
export function loadKeyring(env: Env = process.env): Keyring {
  const inline = env.SWITCHYARD_KEYRING;
  const fromEnv = inline !== undefined && inline !== "";
  const file = fromEnv ? undefined : keyringFilePath(env);
  const source = file === undefined ? `env:${inline}` : `file:${file}`;
  if (cache?.source === source) return cache.keyring;
  const keyring = file === undefined ? parseKeyring(inline ?? "", "SWITCHYARD_KEYRING") : readKeyringFile(file);
  cache = { source, keyring };
  return keyring;
}

export function resetKeyringCache(): void {
  cache = undefined;
}

function newKeyId(existing: ReadonlyMap<string, Buffer>, now = new Date()): string {
  const base = `k${now.toISOString().slice(0, 19).replace(/[-T:]/g, "")}`;
  let id = base;
  // Two keys added within one second would otherwise share an id.
  for (let n = 2; existing.has(id); n++) id = `${base}-${n}`;
  return id;
}

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

function writeTemp(file: string, content: string): string {
  const temp = tempPathFor(file);
  const fd = fs.openSync(temp, "wx", 0o600);
  try {
    fs.writeSync(fd, content);
    // Losing a key loses every secret sealed with it, so the bytes must be on disk before the
    // file becomes visible under its real name.
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return temp;
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  }
}

/**
 * Creates the keyring file with one fresh key if it does not exist (folders created, mode 0600),
 * and returns the keyring it holds.
 */
export function ensureKeyringFile(filePath: string): Keyring {
  const file = path.resolve(filePath);
  if (!fs.existsSync(file)) {
    const id = newKeyId(new Map());
    const content = toJson({ activeKeyId: id, keys: new Map([[id, randomBytes(KEY_BYTES)]]) });
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = writeTemp(file, content);
    try {
      // link() fails if the name exists, so when several processes start at once exactly one
      // keyring wins and nobody reads a half-written file.
      fs.linkSync(temp, file);
      fsyncDir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  return readKeyringFile(file);
}

/**
 * Adds a fresh key to the keyring file and makes it active; old keys stay so existing values
 * still open. Written to a temp file and renamed into place, so readers see the old or the new
 * keyring, never a mix.
 */
export function addKeyToKeyringFile(filePath: string): { newKeyId: string; keyring: Keyring } {
  const file = path.resolve(filePath);
  const current = readKeyringFile(file);
  const id = newKeyId(current.keys);
  const keys = new Map(current.keys);
  keys.set(id, randomBytes(KEY_BYTES));
  const keyring: Keyring = { activeKeyId: id, keys };
  const temp = writeTemp(file, toJson(keyring));
  try {
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(file));
  if (cache?.source === `file:${file}`) cache = { source: cache.source, keyring };
  return { newKeyId: id, keyring };
}
