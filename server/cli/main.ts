// Ops CLI: `npm run -s cli -- <command> [--flags] [--json]`. Each command prints one JSON object
// with --json (for scripts and tests) or a short human summary without it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { DomainError } from "@/server/core/errors/domain-error";
import { ZodError } from "zod";
import { translator } from "@/i18n/translate";
import { isMessageKey } from "@/i18n/zod-issues";
import { importCalendar } from "@/server/core/calendar/service";
import { importStatement } from "@/server/core/clearing/import";
import { templateIdByName } from "@/server/core/clearing/templates";
import { STATEMENT_FORMATS, type StatementFormat } from "@/server/core/clearing/parsers/types";
import { createMerchant } from "@/server/core/merchants/service";
import { createApiKey, getApiKeyByKeyId, revokeApiKey } from "@/server/core/merchant-api/keys";
import { withCheckChar } from "@/server/core/merchants/credit-code";
import { createPlatformAdmin, createTenant, findTenantBySlug } from "@/server/core/platform/service";
import { createMerchantUser, createUser } from "@/server/core/users/service";
import { ensureKeyringFile, addKeyToKeyringFile, keyringFilePath, loadKeyring, resetKeyringCache } from "@/server/core/secrets/keyring";
import { rotateSecrets } from "@/server/core/secrets/rotate";
import { disconnectPrisma } from "@/server/db/client";
import { EMBEDDED_DATA_DIR, runningEmbeddedUrl, startEmbeddedDatabase } from "@/server/db/embedded";
import { migrate } from "@/server/db/migrate";
import { backfillLedgers } from "@/server/core/ledger/backfill";
import { runSettlement } from "@/server/core/settlement/service";
import { createActivationCode } from "@/server/core/devices/service";
import { simulateFleet } from "@/server/core/devices/simulator";
import { closeAppPool, withOwnerClient } from "@/server/db/pool";
import { seedDemo } from "@/server/db/seed";
import { authorizedTenantId, withTenantTx, type TenantContext } from "@/server/db/tenant-tx";

type Flags = Record<string, string | true>;

export function parseArgs(argv: string[]): { words: string[]; flags: Flags } {
  const words: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("--")) {
      const key = a.slice(2);
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--")) {
        flags[key] = next;
        i++;
      } else flags[key] = true;
    } else words.push(a);
  }
  return { words, flags };
}

function need(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== "string" || v === "") throw new DomainError("BAD_INPUT", "MISSING_FLAG", `--${name} is required`, { field: name });
  return v;
}
const opt = (flags: Flags, name: string) => (typeof flags[name] === "string" ? (flags[name] as string) : undefined);

async function tenantContext(slug: string): Promise<TenantContext> {
  const tenant = await findTenantBySlug(slug);
  if (!tenant) throw new DomainError("NOT_FOUND", "TENANT_NOT_FOUND", `No service provider with slug "${slug}"`);
  return { tenantId: authorizedTenantId(tenant.id), actor: { kind: "SYSTEM", name: "cli" } };
}

function randomCreditCode17(): string {
  const digits = () => Math.floor(Math.random() * 10).toString();
  return "9133" + Array.from({ length: 13 }, digits).join("");
}

const USAGE = `usage: npm run -s cli -- <command> [--json]
  migrate
  seed
  tenant create --slug <s> --name <n> --owner-email <e> --owner-password <p> [--mode DIRECT|CUSTODIAL --licence <no>] [--time-zone <tz>] [--locale zh-CN|en]
  user create --tenant <slug> --email <e> --name <n> --role OWNER|ADMIN|OPERATIONS|FINANCE|VIEWER|MERCHANT_ADMIN|MERCHANT_STAFF --password <p> [--merchant <id>]
  merchant create --tenant <slug> --name <n> [--legal-name <n>] [--credit-code <18 chars>] [--mcc <4 digits>] [--representative <n>] [--phone <p>]
  calendar import --tenant <slug> --file <csv> [--replace-year <yyyy>]
  apikey create --tenant <slug> --merchant <id> [--label <text>]
  apikey revoke --tenant <slug> --key <key id>
  recon import --tenant <slug> --channel-account <id> --date YYYY-MM-DD --file <path> [--format WECHAT_TRADE_BILL|ALIPAY_BUSINESS_DETAIL|UNIONPAY_ZM|BANK_CREDIT|BANK_PAYOUT_RESULT|PROFIT_SHARE|MERCHANT_SETTLEMENT | --template <name>] [--bill-type ALL|SUCCESS|REFUND]
  settle run --tenant <slug> [--date YYYY-MM-DD] [--merchant <id>]
  secrets rotate
  devices code create --tenant <slug> (--store <id> | --serial <sn>) [--minutes N]
  devices simulate --tenant <slug> [--count N] [--rate R per second] [--duration S] [--url http://127.0.0.1:3000]
  platform-admin create --email <e> --name <n> --password <p>`;

export async function run(argv: string[]): Promise<unknown> {
  const { words, flags } = parseArgs(argv);
  const cmd = words.join(" ");
  switch (cmd) {
    case "migrate": {
      const r = await withOwnerClient((c) => migrate(c));
      return { ...r, ledgers: await backfillLedgers() };
    }
    case "seed": {
      await withOwnerClient((c) => migrate(c));
      ensureKeyringFile(keyringFilePath(process.env));
      return seedDemo();
    }
    case "tenant create": {
      const mode = (opt(flags, "mode") ?? "DIRECT").toUpperCase();
      const r = await createTenant(
        { adminId: null, email: "cli" },
        {
          slug: need(flags, "slug"),
          name: need(flags, "name"),
          ownerEmail: need(flags, "owner-email"),
          ownerPassword: need(flags, "owner-password"),
          settlementMode: mode === "CUSTODIAL" ? "CUSTODIAL" : mode === "DIRECT" ? "DIRECT" : (mode as "DIRECT"),
          ...(opt(flags, "licence") ? { licenceNumber: opt(flags, "licence") } : {}),
          ...(opt(flags, "time-zone") ? { timeZone: opt(flags, "time-zone") } : {}),
          ...(opt(flags, "locale") ? { defaultLocale: opt(flags, "locale") as "zh-CN" | "en" } : {}),
        },
      );
      return { tenantId: r.tenant.id, slug: r.tenant.slug, settlementMode: r.tenant.settlementMode, ownerId: r.owner.id };
    }
    case "user create": {
      const ctx = await tenantContext(need(flags, "tenant"));
      const role = need(flags, "role").toUpperCase();
      const merchantId = opt(flags, "merchant");
      return withTenantTx(ctx.tenantId, async (tx) => {
        const base = { email: need(flags, "email"), name: need(flags, "name"), password: need(flags, "password") };
        const u =
          role === "MERCHANT_ADMIN" || role === "MERCHANT_STAFF"
            ? await createMerchantUser(tx, ctx, { ...base, role, merchantId: merchantId ?? need(flags, "merchant") })
            : await createUser(tx, ctx, { ...base, role: role as "OWNER" });
        return { userId: u.id, email: u.email, role: u.role };
      });
    }
    case "merchant create": {
      const ctx = await tenantContext(need(flags, "tenant"));
      const name = need(flags, "name");
      const creditCode = opt(flags, "credit-code");
      return withTenantTx(ctx.tenantId, async (tx) => {
        const m = await createMerchant(tx, ctx, {
          legalName: opt(flags, "legal-name") ?? name,
          shortName: name.slice(0, 40),
          creditCode: creditCode ?? withCheckChar(randomCreditCode17()),
          legalRepresentative: opt(flags, "representative") ?? name,
          mcc: opt(flags, "mcc") ?? "5999",
          contactName: opt(flags, "representative") ?? name,
          contactPhone: opt(flags, "phone") ?? "+86 000 0000 0000",
        });
        return { merchantId: m.id, shortName: m.shortName, creditCode: m.creditCode, ...(creditCode ? {} : { warning: "placeholder credit code generated; set the real one before going live" }) };
      });
    }
    case "apikey create": {
      // The secret is printed once, here; only its sealed copy is stored.
      const ctx = await tenantContext(need(flags, "tenant"));
      const label = opt(flags, "label");
      const key = await withTenantTx(ctx.tenantId, (tx) => createApiKey(tx, ctx, { merchantId: need(flags, "merchant"), ...(label !== undefined ? { label } : {}) }));
      return { keyId: key.keyId, secret: key.secret };
    }
    case "apikey revoke": {
      const ctx = await tenantContext(need(flags, "tenant"));
      const keyId = need(flags, "key");
      return withTenantTx(ctx.tenantId, async (tx) => {
        const key = await revokeApiKey(tx, ctx, { id: (await getApiKeyByKeyId(tx, ctx, keyId)).id });
        return { keyId: key.keyId, status: key.status, revokedAt: key.revokedAt };
      });
    }
    case "recon import": {
      // The whole file is parsed and stored in one transaction, or refused with nothing stored.
      const ctx = await tenantContext(need(flags, "tenant"));
      const file = need(flags, "file");
      const format = opt(flags, "format");
      if (format !== undefined && !(STATEMENT_FORMATS as readonly string[]).includes(format)) {
        throw new DomainError("BAD_INPUT", "INVALID_REQUEST", `--format must be one of ${STATEMENT_FORMATS.join(", ")}`, { field: "format" });
      }
      const billType = opt(flags, "bill-type");
      // A finance-defined template (the console's Statements → Templates), by name: its newest version.
      const templateName = opt(flags, "template");
      const templateId = templateName === undefined ? undefined : await withTenantTx(ctx.tenantId, (tx) => templateIdByName(tx, ctx, templateName));
      return importStatement(ctx, {
        channelAccountId: need(flags, "channel-account"),
        billDate: need(flags, "date"),
        fileName: path.basename(file),
        bytes: readFileSync(file),
        source: "CLI",
        ...(format ? { format: format as StatementFormat } : {}),
        ...(templateId ? { templateId } : {}),
        ...(billType ? { billType } : {}),
      });
    }
    case "settle run": {
      // Each merchant settles in its own transaction; the result lists what happened to each.
      const ctx = await tenantContext(need(flags, "tenant"));
      const date = opt(flags, "date");
      const merchantId = opt(flags, "merchant");
      return runSettlement(ctx, { ...(date ? { date } : {}), ...(merchantId ? { merchantId } : {}) });
    }
    case "calendar import": {
      const ctx = await tenantContext(need(flags, "tenant"));
      const csv = readFileSync(need(flags, "file"), "utf8");
      const replaceYear = opt(flags, "replace-year");
      return withTenantTx(ctx.tenantId, (tx) => importCalendar(tx, ctx, { csv, ...(replaceYear ? { replaceYear: Number(replaceYear) } : {}) }));
    }
    case "secrets rotate": {
      const file = keyringFilePath(process.env);
      if (process.env.SWITCHYARD_KEYRING) {
        throw new DomainError("PRECONDITION", "KEYRING_IN_ENV", "The keyring comes from SWITCHYARD_KEYRING: add the new key there, restart, then run rotate with the file unset");
      }
      const { newKeyId } = addKeyToKeyringFile(file);
      resetKeyringCache();
      const keyring = loadKeyring();
      const results = await withOwnerClient((c) => rotateSecrets(c, keyring));
      return { activeKeyId: newKeyId, results };
    }
    case "devices code create": {
      // The code is printed once, here; only its hash is stored.
      const ctx = await tenantContext(need(flags, "tenant"));
      const storeId = opt(flags, "store");
      const serialNumber = opt(flags, "serial");
      const validMinutes = opt(flags, "minutes");
      const code = await withTenantTx(ctx.tenantId, (tx) =>
        createActivationCode(tx, ctx, { ...(storeId ? { storeId } : {}), ...(serialNumber ? { serialNumber } : {}), ...(validMinutes ? { validMinutes: Number(validMinutes) } : {}) }),
      );
      return { code: code.code, expiresAt: code.expiresAt };
    }
    case "devices simulate": {
      // Drives the running app's device API over HTTP (npm start first); the devices are set up here.
      const slug = need(flags, "tenant");
      const ctx = await tenantContext(slug);
      const port = process.env.PORT ?? "3000";
      const baseUrl = opt(flags, "url") ?? `http://127.0.0.1:${port}`;
      const result = await simulateFleet({
        ctx,
        baseUrl,
        host: opt(flags, "host") ?? `${slug}.localhost:${new URL(baseUrl).port || port}`,
        count: Number(opt(flags, "count") ?? "10"),
        rate: Number(opt(flags, "rate") ?? "1"),
        durationSeconds: Number(opt(flags, "duration") ?? "60"),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      return { ...result, perDevice: result.perDevice.length > 20 ? `${result.perDevice.length} devices` : result.perDevice };
    }
    case "platform-admin create":
      return createPlatformAdmin({ email: need(flags, "email"), name: need(flags, "name"), password: need(flags, "password") });
    default:
      throw new DomainError("BAD_INPUT", "UNKNOWN_COMMAND", cmd ? `Unknown command "${cmd}"\n${USAGE}` : USAGE);
  }
}

/** Without DATABASE_URL: the running embedded database if `npm start` has one, else open it here. */
async function ensureDatabase(): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) return async () => {};
  const running = runningEmbeddedUrl();
  if (running) {
    process.env.DATABASE_URL = running;
    return async () => {};
  }
  const db = await startEmbeddedDatabase({ dataDir: EMBEDDED_DATA_DIR, port: 0 });
  process.env.DATABASE_URL = db.url;
  return () => db.stop();
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/server\/cli\//, "/server/cli/"));
if (isMain) {
  const argv = process.argv.slice(2);
  const json = argv.includes("--json");
  let stopDatabase: () => Promise<void> = async () => {};
  ensureDatabase()
    .then((stop) => {
      stopDatabase = stop;
      return run(argv.filter((a) => a !== "--json"));
    })
    .then((result) => {
      process.stdout.write(json ? `${JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n` : `${JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
      process.exitCode = 0;
    })
    .catch((e: unknown) => {
      const error =
        e instanceof DomainError
          ? { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) }
          : e instanceof ZodError
            ? { code: "INVALID_INPUT", message: e.issues.map((i) => `${i.path.join(".") || "input"}: ${isMessageKey(i.message) ? translator("en")(i.message) : i.message}`).join("; ") }
            : { code: "INTERNAL", message: (e as Error).message };
      process.stderr.write(`${json ? JSON.stringify({ error }) : `error: ${error.message}`}\n`);
      process.exitCode = e instanceof DomainError || e instanceof ZodError ? 2 : 1;
    })
    .finally(async () => {
      await disconnectPrisma();
      await closeAppPool();
      await stopDatabase();
    });
}
