import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChannelAccount } from "@/server/core/channels/accounts";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { useTestKeyring } from "@/server/testing/fixtures";
import { codeOf } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import type { Tx } from "@/server/db/tenant-tx";
import { seedDemoTemplate } from "./demo";
import { listStatementFiles, type StatementFileRow, type TStatementFileFind } from "./files";

// The statements page's list against a real database, as the app role (row-level security in
// force): newest first in keyset pages that neither skip nor repeat a file (files stored in the
// same millisecond included), every filter, each file's reconciliation outcomes counted, and
// another provider's files never seen, whatever its ids.

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_files");
});
afterAll(async () => db?.drop());

interface FileSpec {
  channelAccountId: string;
  billDate: string;
  format?: string;
  status?: "IMPORTED" | "PENDING_SUPERSEDE" | "SUPERSEDED" | "REJECTED";
  createdAt: Date;
  fileName: string;
  lineCount?: number;
  templateId?: string;
}

async function storeFile(tx: Tx, tenantId: string, f: FileSpec) {
  return tx.statementFile.create({
    data: {
      tenantId,
      channelAccountId: f.channelAccountId,
      billDate: new Date(`${f.billDate}T00:00:00Z`),
      billType: "ALL",
      format: f.format ?? "WECHAT_TRADE_BILL",
      contentHash: randomBytes(32).toString("hex"),
      fileName: f.fileName,
      byteSize: 100,
      lineCount: f.lineCount ?? 3,
      declaredCount: f.lineCount ?? 3,
      declaredAmountMinor: 1_280n,
      status: f.status ?? "IMPORTED",
      source: "UPLOAD",
      importedBy: "finance@test",
      createdAt: f.createdAt,
      ...(f.templateId ? { templateId: f.templateId } : {}),
    },
    select: { id: true },
  });
}

async function outcome(tx: Tx, tenantId: string, file: { id: string }, spec: FileSpec, outcomeName: string, n: number) {
  for (let i = 0; i < n; i++) {
    await tx.reconItem.create({ data: { tenantId, fileId: file.id, itemKey: `${outcomeName}:${i}`, channelAccountId: spec.channelAccountId, billDate: new Date(`${spec.billDate}T00:00:00Z`), outcome: outcomeName, ...(outcomeName === "DIFFERENCE" ? { diffType: "CHANNEL_ONLY", direction: "OVERAGE" } : {}) } });
  }
}

/** Every page of a listing, following the cursor. */
async function allPages(run: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>, ctx: Parameters<typeof listStatementFiles>[1], input: TStatementFileFind) {
  const rows: StatementFileRow[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await run((tx) => listStatementFiles(tx, ctx, { ...input, cursor }));
    rows.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor && pages < 50);
  return { rows, pages };
}

describe("listStatementFiles", () => {
  it("pages newest first without gaps or repeats, filters, counts outcomes and names the account", async () => {
    const t = await makeTenant();
    const { sandbox, second, template } = await t.run(async (tx) => ({
      sandbox: await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true, name: true } }),
      second: await createChannelAccount(tx, t.ctx, { channelType: "SANDBOX", name: "Second sandbox", params: {}, credentials: { notifySecret: "s".repeat(32) } }),
      template: await seedDemoTemplate(tx, t.ctx, false),
    }));
    const base = Date.parse("2026-11-20T02:00:00Z");
    // Seven files; three share one created_at, so the id decides their order.
    const specs: FileSpec[] = [
      { channelAccountId: sandbox.id, billDate: "2026-11-18", createdAt: new Date(base), fileName: "a-1118.csv" },
      { channelAccountId: sandbox.id, billDate: "2026-11-19", createdAt: new Date(base + 1_000), fileName: "a-1119.csv", status: "SUPERSEDED" },
      { channelAccountId: sandbox.id, billDate: "2026-11-19", createdAt: new Date(base + 2_000), fileName: "a-1119-v2.csv" },
      { channelAccountId: second.id, billDate: "2026-11-19", createdAt: new Date(base + 3_000), fileName: "b-credit.txt", format: "BANK_CREDIT" },
      { channelAccountId: second.id, billDate: "2026-11-20", createdAt: new Date(base + 3_000), fileName: "b-1120.csv", status: "PENDING_SUPERSEDE" },
      { channelAccountId: second.id, billDate: "2026-11-21", createdAt: new Date(base + 3_000), fileName: "b-template.csv", format: "TEMPLATE", templateId: template.id },
      { channelAccountId: sandbox.id, billDate: "2026-11-21", createdAt: new Date(base + 4_000), fileName: "a-1121.csv", lineCount: 10 },
    ];
    const ids = await t.run(async (tx) => {
      const out: string[] = [];
      for (const s of specs) out.push((await storeFile(tx, t.tenantId, s)).id);
      return out;
    });
    // The newest payment statement is part-way through its rounds: 2 matched, 1 difference so far.
    await t.run(async (tx) => {
      await outcome(tx, t.tenantId, { id: ids[6]! }, specs[6]!, "MATCHED", 2);
      await outcome(tx, t.tenantId, { id: ids[6]! }, specs[6]!, "DIFFERENCE", 1);
      await outcome(tx, t.tenantId, { id: ids[0]! }, specs[0]!, "MATCHED", 3);
    });

    // The expected order: created_at DESC, then id DESC among equals.
    const expected = specs
      .map((s, i) => ({ id: ids[i]!, at: s.createdAt.getTime() }))
      .sort((x, y) => y.at - x.at || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0))
      .map((x) => x.id);
    for (const limit of [1, 2, 3, 7, 50]) {
      const { rows, pages } = await allPages(t.run, t.ctx, { limit });
      expect(rows.map((r) => r.id), `limit ${limit}`).toEqual(expected);
      expect(pages).toBe(Math.max(1, Math.ceil(7 / limit)));
    }

    const first = await t.run((tx) => listStatementFiles(tx, t.ctx, { limit: 2 }));
    expect(first.nextCursor).not.toBeNull();
    expect(first.items[0]).toMatchObject({
      id: ids[6],
      fileName: "a-1121.csv",
      billDate: "2026-11-21",
      channelAccountId: sandbox.id,
      channelAccountName: sandbox.name,
      format: "WECHAT_TRADE_BILL",
      status: "IMPORTED",
      lineCount: 10,
      declaredAmountMinor: 1_280n,
      reconciledAt: null,
      template: null,
      outcomes: { MATCHED: 2, DIFFERENCE: 1 },
    });
    const oldest = (await allPages(t.run, t.ctx, { limit: 3 })).rows.find((r) => r.id === ids[0]);
    expect(oldest?.outcomes).toEqual({ MATCHED: 3 });
    expect((await allPages(t.run, t.ctx, { limit: 3 })).rows.find((r) => r.id === ids[3])).toMatchObject({ channelAccountName: "Second sandbox", outcomes: {} });
    expect((await allPages(t.run, t.ctx, { limit: 3 })).rows.find((r) => r.id === ids[5])).toMatchObject({ templateId: template.id, template: { name: template.name, version: 1 } });

    const names = async (input: TStatementFileFind) => (await allPages(t.run, t.ctx, { ...input, limit: 2 })).rows.map((r) => r.fileName);
    // (The second account's three files share a created_at: their order is by id, so compared as sets.)
    expect((await names({ channelAccountId: second.id })).sort()).toEqual(["b-1120.csv", "b-credit.txt", "b-template.csv"]);
    expect((await names({ billDate: "2026-11-19" })).sort()).toEqual(["a-1119-v2.csv", "a-1119.csv", "b-credit.txt"]);
    const fromThe20th = await names({ billDateFrom: "2026-11-20" });
    expect(fromThe20th[0]).toBe("a-1121.csv");
    expect(fromThe20th.sort()).toEqual(["a-1121.csv", "b-1120.csv", "b-template.csv"]);
    expect(await names({ billDateTo: "2026-11-18" })).toEqual(["a-1118.csv"]);
    expect(await names({ billDateFrom: "2026-11-19", billDateTo: "2026-11-19", channelAccountId: sandbox.id })).toEqual(["a-1119-v2.csv", "a-1119.csv"]);
    expect(await names({ billDateFrom: "2026-11-22", billDateTo: "2026-11-18" })).toEqual([]);
    expect(await names({ status: "SUPERSEDED" })).toEqual(["a-1119.csv"]);
    expect(await names({ status: "PENDING_SUPERSEDE" })).toEqual(["b-1120.csv"]);
    expect(await names({ format: "BANK_CREDIT" })).toEqual(["b-credit.txt"]);
    expect(await names({ format: "TEMPLATE" })).toEqual(["b-template.csv"]);
    expect(await names({ status: "IMPORTED", format: "WECHAT_TRADE_BILL", channelAccountId: sandbox.id })).toEqual(["a-1121.csv", "a-1119-v2.csv", "a-1118.csv"]);

    // Malformed input is refused with a code, not a 500.
    expect(await codeOf(t.run((tx) => listStatementFiles(tx, t.ctx, { cursor: "not-a-cursor" })))).toBe("BAD_CURSOR");
    await expect(t.run((tx) => listStatementFiles(tx, t.ctx, { billDateFrom: "2026-02-30" }))).rejects.toThrow(/real date/);
  });

  it("shows one provider nothing of another's, even asked by the other's account id or cursor", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const aAccount = await a.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: a.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const bAccount = await b.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: b.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const aSpec: FileSpec = { channelAccountId: aAccount.id, billDate: "2026-11-19", createdAt: new Date("2026-11-20T02:00:00Z"), fileName: "a-secret.csv" };
    const aFiles = await a.run(async (tx) => {
      const f1 = await storeFile(tx, a.tenantId, aSpec);
      const f2 = await storeFile(tx, a.tenantId, { ...aSpec, createdAt: new Date("2026-11-20T03:00:00Z") });
      await outcome(tx, a.tenantId, f1, aSpec, "DIFFERENCE", 2);
      return [f1, f2];
    });
    await b.run((tx) => storeFile(tx, b.tenantId, { channelAccountId: bAccount.id, billDate: "2026-11-19", createdAt: new Date("2026-11-20T02:30:00Z"), fileName: "b-own.csv" }));

    const own = await b.run((tx) => listStatementFiles(tx, b.ctx, {}));
    expect(own.items.map((f) => f.fileName)).toEqual(["b-own.csv"]);
    expect(await b.run((tx) => listStatementFiles(tx, b.ctx, { channelAccountId: aAccount.id }))).toEqual({ items: [], nextCursor: null });
    // A cursor made from A's newest file only bounds the time: B still sees only its own older file.
    const aPage = await a.run((tx) => listStatementFiles(tx, a.ctx, { limit: 1 }));
    expect(aPage.items[0]?.id).toBe(aFiles[1]!.id);
    const crossed = await b.run((tx) => listStatementFiles(tx, b.ctx, { cursor: aPage.nextCursor }));
    expect(crossed.items.map((f) => f.fileName)).toEqual(["b-own.csv"]);
    // A's outcome counts are A's: B's listing holds none of A's ids.
    expect(JSON.stringify(own, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(aFiles[0]!.id);
  });
});
