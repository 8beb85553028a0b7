import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { issueMessage } from "@/i18n/zod-issues";
import { DomainError } from "@/server/core/errors/domain-error";
import { isValidCreditCode, withCheckChar } from "@/server/core/merchants/credit-code";
import { createMerchant } from "@/server/core/merchants/service";
import { keyIdOf, open } from "@/server/core/secrets/envelope";
import { ensureKeyringFile, loadKeyring, resetKeyringCache } from "@/server/core/secrets/keyring";
import { ENCRYPTED_COLUMNS, sealContextFor } from "@/server/core/secrets/registry";
import { authorizedTenantId, withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, signIn, systemContext } from "@/server/testing/fixtures";
import { run } from "./main";

// The ops CLI, called in-process through run([...]) against a throwaway database.

let db: TestDatabase;
let keyDir: string;
const saved = { keyring: process.env.SWITCHYARD_KEYRING, keyringFile: process.env.SWITCHYARD_KEYRING_FILE };
const CSV = path.join(process.cwd(), "prisma", "seed-data", "calendar-demo.csv");

beforeAll(async () => {
  db = await createTestDatabase("cli");
  keyDir = mkdtempSync(path.join(tmpdir(), "swy-cli-keys-"));
  delete process.env.SWITCHYARD_KEYRING;
  process.env.SWITCHYARD_KEYRING_FILE = path.join(keyDir, "keyring.json");
  ensureKeyringFile(process.env.SWITCHYARD_KEYRING_FILE);
  resetKeyringCache();
});

afterAll(async () => {
  await db?.drop();
  if (saved.keyring === undefined) delete process.env.SWITCHYARD_KEYRING;
  else process.env.SWITCHYARD_KEYRING = saved.keyring;
  if (saved.keyringFile === undefined) delete process.env.SWITCHYARD_KEYRING_FILE;
  else process.env.SWITCHYARD_KEYRING_FILE = saved.keyringFile;
  resetKeyringCache();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

async function failure(argv: string[]): Promise<unknown> {
  try {
    await run(argv);
  } catch (e) {
    return e;
  }
  throw new Error(`run(${argv.join(" ")}) succeeded`);
}

const tenantArgs = (slug: string, extra: string[] = []) => ["tenant", "create", "--slug", slug, "--name", `Tenant ${slug}`, "--owner-email", `owner@${slug}.test`, "--owner-password", "Cli-password-1", ...extra];

describe("tenant create", () => {
  it("creates a DIRECT tenant with its owner, who can sign in", async () => {
    const r = (await run(tenantArgs("cli-direct"))) as { tenantId: string; slug: string; settlementMode: string; ownerId: string };
    expect(r).toMatchObject({ slug: "cli-direct", settlementMode: "DIRECT" });
    const rows = await ownerQuery(db.url, `SELECT slug, status, settlement_mode, licence_number FROM tenant WHERE id = $1`, [r.tenantId]);
    expect(rows).toEqual([{ slug: "cli-direct", status: "ACTIVE", settlement_mode: "DIRECT", licence_number: null }]);
    await signIn({ id: r.tenantId }, "owner@cli-direct.test", "Cli-password-1");
  });

  it("refuses CUSTODIAL without a licence, naming the licence, and creates nothing", async () => {
    const e = await failure(tenantArgs("cli-custodial", ["--mode", "custodial"]));
    expect(e).toBeInstanceOf(ZodError);
    const issue = (e as ZodError).issues[0]!;
    expect(issue.path).toEqual(["licenceNumber"]);
    // Schema messages are catalogue keys; in English this one names the licence.
    expect(issueMessage({ path: "licenceNumber", message: issue.message, code: issue.code }, "en")).toMatch(/licensed payment institution: record its licence number/);
    expect(await ownerQuery(db.url, `SELECT id FROM tenant WHERE slug = 'cli-custodial'`)).toEqual([]);
  });

  it("creates CUSTODIAL with --licence", async () => {
    const r = (await run(tenantArgs("cli-custodial", ["--mode", "CUSTODIAL", "--licence", "Z2026310000099"]))) as { tenantId: string; settlementMode: string };
    expect(r.settlementMode).toBe("CUSTODIAL");
    const rows = await ownerQuery(db.url, `SELECT settlement_mode, licence_number FROM tenant WHERE id = $1`, [r.tenantId]);
    expect(rows).toEqual([{ settlement_mode: "CUSTODIAL", licence_number: "Z2026310000099" }]);
  });

  it("refuses an unknown mode, a taken slug and a missing flag with stable errors", async () => {
    expect(await failure(tenantArgs("cli-bogus", ["--mode", "bogus"]))).toBeInstanceOf(ZodError);
    expect(await failure(tenantArgs("cli-direct"))).toMatchObject({ code: "TENANT_SLUG_TAKEN" });
    expect(await failure(["tenant", "create", "--slug", "cli-x", "--name", "X"])).toMatchObject({ code: "MISSING_FLAG", field: "owner-email" });
    expect(await failure(["tenant", "frobnicate"])).toMatchObject({ code: "UNKNOWN_COMMAND" });
    expect(await ownerQuery(db.url, `SELECT slug FROM tenant WHERE slug IN ('cli-bogus', 'cli-x')`)).toEqual([]);
  });
});

describe("merchant create and user create", () => {
  let merchantId: string;

  it("creates a merchant in the named tenant with a valid placeholder credit code and a warning", async () => {
    const r = (await run(["merchant", "create", "--tenant", "cli-direct", "--name", "CLI Noodles"])) as { merchantId: string; shortName: string; creditCode: string; warning?: string };
    merchantId = r.merchantId;
    expect(r.shortName).toBe("CLI Noodles");
    expect(isValidCreditCode(r.creditCode)).toBe(true);
    expect(r.warning).toMatch(/placeholder credit code/);
    const rows = await ownerQuery<{ slug: string; legal_name: string; status: string }>(
      db.url,
      `SELECT t.slug, m.legal_name, m.status FROM merchant m JOIN tenant t ON t.id = m.tenant_id WHERE m.id = $1`,
      [r.merchantId],
    );
    expect(rows).toEqual([{ slug: "cli-direct", legal_name: "CLI Noodles", status: "ACTIVE" }]);
    const audit = await ownerQuery(db.url, `SELECT actor_kind, actor_email FROM audit_log WHERE entity_id = $1 AND action = 'merchant.create'`, [r.merchantId]);
    expect(audit).toEqual([{ actor_kind: "SYSTEM", actor_email: "system:cli" }]);
  });

  it("takes a real credit code when given, and refuses an invalid one or an unknown tenant", async () => {
    const code = withCheckChar("91330106MA2H3K7L0");
    const r = (await run(["merchant", "create", "--tenant", "cli-direct", "--name", "CLI Tea", "--credit-code", code])) as { creditCode: string; warning?: string };
    expect(r.creditCode).toBe(code);
    expect(r.warning).toBeUndefined();
    const wrongCheck = `${code.slice(0, 17)}${code[17] === "X" ? "Y" : "X"}`;
    expect(await failure(["merchant", "create", "--tenant", "cli-direct", "--name", "CLI Tea 2", "--credit-code", wrongCheck])).toBeInstanceOf(ZodError);
    expect(await failure(["merchant", "create", "--tenant", "nope", "--name", "X"])).toMatchObject({ code: "TENANT_NOT_FOUND" });
  });

  it("creates console and merchant users who can sign in", async () => {
    const admin = (await run(["user", "create", "--tenant", "cli-direct", "--email", "Admin@CLI-direct.test", "--name", "CLI Admin", "--role", "admin", "--password", "Cli-password-2"])) as { userId: string; email: string; role: string };
    expect(admin).toMatchObject({ email: "admin@cli-direct.test", role: "ADMIN" });
    const tenantId = (await ownerQuery<{ id: string }>(db.url, `SELECT id FROM tenant WHERE slug = 'cli-direct'`))[0]!.id;
    await signIn({ id: tenantId }, "admin@cli-direct.test", "Cli-password-2");

    expect(await failure(["user", "create", "--tenant", "cli-direct", "--email", "m@cli-direct.test", "--name", "M", "--role", "MERCHANT_ADMIN", "--password", "Cli-password-3"])).toMatchObject({
      code: "MISSING_FLAG",
      field: "merchant",
    });
    const mu = (await run(["user", "create", "--tenant", "cli-direct", "--email", "m@cli-direct.test", "--name", "M", "--role", "MERCHANT_ADMIN", "--password", "Cli-password-3", "--merchant", merchantId])) as { userId: string; role: string };
    expect(mu.role).toBe("MERCHANT_ADMIN");
    const rows = await ownerQuery(db.url, `SELECT merchant_id FROM app_user WHERE id = $1`, [mu.userId]);
    expect(rows).toEqual([{ merchant_id: merchantId }]);
    // Another tenant's merchant is not found from this one.
    const otherMerchant = (await run(["merchant", "create", "--tenant", "cli-custodial", "--name", "Elsewhere"])) as { merchantId: string };
    expect(await failure(["user", "create", "--tenant", "cli-direct", "--email", "x@cli-direct.test", "--name", "X", "--role", "MERCHANT_STAFF", "--password", "Cli-password-3", "--merchant", otherMerchant.merchantId])).toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("calendar import", () => {
  it("imports the demo calendar once; importing it again changes nothing", async () => {
    const dataRows = readFileSync(CSV, "utf8")
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "" && !l.startsWith("#") && !l.startsWith("date,"));
    expect(dataRows.length).toBeGreaterThan(10);
    const first = (await run(["calendar", "import", "--tenant", "cli-direct", "--file", CSV])) as { inserted: number; updated: number; deleted: number; unchanged: number };
    expect(first).toMatchObject({ inserted: dataRows.length, updated: 0, deleted: 0, unchanged: 0 });
    const again = await run(["calendar", "import", "--tenant", "cli-direct", "--file", CSV, "--replace-year", "2026"]);
    expect(again).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: dataRows.length });
    const rows = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM business_calendar_day d JOIN tenant t ON t.id = d.tenant_id WHERE t.slug = 'cli-direct'`);
    expect(rows[0]!.n).toBe(dataRows.length);
    const other = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM business_calendar_day d JOIN tenant t ON t.id = d.tenant_id WHERE t.slug = 'cli-custodial'`);
    expect(other[0]!.n).toBe(0);
  });

  it("reports a missing file as an error (nothing imported)", async () => {
    await expect(run(["calendar", "import", "--tenant", "cli-custodial", "--file", path.join(keyDir, "missing.csv")])).rejects.toThrow(/ENOENT/);
  });
});

describe("secrets rotate", () => {
  const ACCOUNT = "6214830012349876";
  const column = ENCRYPTED_COLUMNS.find((c) => c.table === "merchant")!;

  it("refuses while the keyring comes from SWITCHYARD_KEYRING", async () => {
    process.env.SWITCHYARD_KEYRING = readFileSync(process.env.SWITCHYARD_KEYRING_FILE!, "utf8");
    try {
      expect(await failure(["secrets", "rotate"])).toMatchObject({ code: "KEYRING_IN_ENV" });
    } finally {
      delete process.env.SWITCHYARD_KEYRING;
      resetKeyringCache();
    }
  });

  it("adds a key to the keyring file, re-encrypts every sealed value with it, and the values still open", async () => {
    const before = loadKeyring();
    const tenantId = authorizedTenantId((await ownerQuery<{ id: string }>(db.url, `SELECT id FROM tenant WHERE slug = 'cli-direct'`))[0]!.id);
    const m = await withTenantTx(tenantId, (tx) => createMerchant(tx, systemContext({ id: tenantId }), merchantInput("Sealed Mart", { settlementAccountNumber: ACCOUNT })));
    const sealedBefore = (await ownerQuery<{ v: string }>(db.url, `SELECT settlement_account_number_enc AS v FROM merchant WHERE id = $1`, [m!.id]))[0]!.v;
    expect(keyIdOf(sealedBefore)).toBe(before.activeKeyId);
    expect(sealedBefore).not.toContain(ACCOUNT);

    const r = (await run(["secrets", "rotate"])) as { activeKeyId: string; results: Array<{ table: string; reEncrypted: number; skipped: number }> };
    expect(r.activeKeyId).not.toBe(before.activeKeyId);
    // Every registered sealed column is visited; this tenant's one sealed value is the merchant's account number.
    expect(r.results.find((x) => x.table === "merchant")).toMatchObject({ reEncrypted: 1, skipped: 0 });
    expect(r.results.map((x) => x.table).sort()).toEqual(ENCRYPTED_COLUMNS.map((c) => c.table).sort());

    const file = JSON.parse(readFileSync(process.env.SWITCHYARD_KEYRING_FILE!, "utf8")) as { active: string; keys: Record<string, string> };
    expect(file.active).toBe(r.activeKeyId);
    expect(Object.keys(file.keys).sort()).toEqual([before.activeKeyId, r.activeKeyId].sort());

    const sealedAfter = (await ownerQuery<{ v: string }>(db.url, `SELECT settlement_account_number_enc AS v FROM merchant WHERE id = $1`, [m!.id]))[0]!.v;
    expect(keyIdOf(sealedAfter)).toBe(r.activeKeyId);
    resetKeyringCache();
    const ctx = sealContextFor(column, tenantId, m!.id);
    expect(open(ctx, sealedAfter)).toBe(ACCOUNT);
    // The old key is no longer needed for it.
    const newKeyOnly = { activeKeyId: r.activeKeyId, keys: new Map([[r.activeKeyId, loadKeyring().keys.get(r.activeKeyId)!]]) };
    expect(open(ctx, sealedAfter, newKeyOnly)).toBe(ACCOUNT);
    expect(() => open(ctx, sealedBefore, newKeyOnly)).toThrow(DomainError);

    // The merchant as the app sees it is unchanged apart from the envelope.
    const last4 = await ownerQuery(db.url, `SELECT settlement_account_last4 FROM merchant WHERE id = $1`, [m!.id]);
    expect(last4).toEqual([{ settlement_account_last4: "9876" }]);
  });

  it("a second rotation re-encrypts again and leaves nothing on older keys", async () => {
    const r = (await run(["secrets", "rotate"])) as { activeKeyId: string; results: Array<{ reEncrypted: number }> };
    expect(r.results[0]!.reEncrypted).toBe(1);
    const values = await ownerQuery<{ v: string }>(db.url, `SELECT settlement_account_number_enc AS v FROM merchant WHERE settlement_account_number_enc IS NOT NULL`);
    expect(values.map((x) => keyIdOf(x.v))).toEqual([r.activeKeyId]);
  });
});

describe("migrate", () => {
  it("is a no-op on a migrated database", async () => {
    const r = (await run(["migrate"])) as { applied: string[] };
    expect(r.applied).toEqual([]);
  });
});
