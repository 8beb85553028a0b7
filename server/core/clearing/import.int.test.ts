import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { connectorConfig, setChannelAccountEnabled } from "@/server/core/channels/accounts";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { createMerchant } from "@/server/core/merchants/service";
import { createPayment } from "@/server/core/payments/service";
import { decideProposal } from "@/server/core/proposals/service";
import { createUser } from "@/server/core/users/service";
import type { TenantContext } from "@/server/db/tenant-tx";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { run as cli } from "@/server/cli/main";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { codeOf } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { withTenantTx } from "@/server/db/tenant-tx";
import type { StatementLine } from "./parsers/types";
import { importStatement, storeLines } from "./import";

// Statement import end to end: payments through the WeChat simulator, the day's trade bill
// downloaded through the WeChat connector (the simulator writes it in WeChat's format; the parser
// is an independent reading of that format), then imported: whole, once, superseded only by an
// approved proposal, refused whole when its details disagree with its own summary. And by the CLI.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
let sim: RunningWechatSimulator;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_import");
  sim = await startWechatSimulator({ notifyDelayMs: 60_000 });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

async function setUp() {
  const t = await makeTenant();
  const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Bill Noodles"))))!;
  const wechat = await t.run(async (tx) => {
    await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: false, custodial: false });
    const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
    await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
    return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
  });
  let n = 0;
  const pay = (amountMinor: bigint) =>
    createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `BILL-${Date.now()}-${++n}`, amountMinor, product: "WECHAT_CODE", elements: { authCode: `13${String(n).padStart(16, "0")}` }, subject: "Bill test" });
  const bill = async (billDate: string) => {
    const account = await t.run((tx) => connectorConfig(tx, t.ctx, wechat.id));
    return (await connectorFor("WECHAT").downloadStatement({ account }, { billDate, billType: "ALL" })).bytes;
  };
  const files = () => t.run((tx) => tx.statementFile.findMany({ where: { tenantId: t.tenantId }, orderBy: { createdAt: "asc" } }));
  return { ...t, m, wechat, pay, bill, files };
}

describe("statement import", () => {
  it("imports a downloaded trade bill whole and once; a different file waits for an approved supersede", async () => {
    const t = await setUp();
    const paid = [await t.pay(1_280n), await t.pay(4_500n), await t.pay(990n)];
    expect(paid.map((p) => p.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    const billDate = paid[0]!.businessDate.toISOString().slice(0, 10);
    const bytes = await t.bill(billDate);

    const first = await importStatement(t.ctx, { channelAccountId: t.wechat.id, billDate, fileName: "bill.csv", bytes, source: "UPLOAD" });
    expect(first).toMatchObject({ outcome: "IMPORTED", format: "WECHAT_TRADE_BILL", billType: "ALL", lines: 3, byKind: { PAYMENT: 3 } });
    expect(first.declared).toEqual({ count: 3, amountMinor: 1_280n + 4_500n + 990n });
    const lines = await t.run((tx) => tx.statementLine.findMany({ where: { tenantId: t.tenantId, fileId: first.fileId }, orderBy: { lineNo: "asc" } }));
    expect(lines.map((l) => l.outTradeNo).sort()).toEqual(paid.map((p) => p.outTradeNo).sort());
    expect(lines.every((l) => l.kind === "PAYMENT" && l.amountMinor > 0n && l.lineNo > 1)).toBe(true);

    // The same file again: nothing new.
    const again = await importStatement(t.ctx, { channelAccountId: t.wechat.id, billDate, fileName: "bill-again.csv", bytes, source: "UPLOAD" });
    expect(again).toMatchObject({ outcome: "ALREADY_IMPORTED", fileId: first.fileId });
    expect(await t.files()).toHaveLength(1);

    // A later download of the same day differs (one more payment): it waits for a second person.
    await t.pay(2_000n);
    const later = await importStatement(t.ctx, { channelAccountId: t.wechat.id, billDate, fileName: "bill-v2.csv", bytes: await t.bill(billDate), source: "UPLOAD" });
    expect(later).toMatchObject({ outcome: "PENDING_SUPERSEDE", lines: 4 });
    expect(later.proposalId).toBeTruthy();
    expect((await t.files()).map((f) => f.status)).toEqual(["IMPORTED", "PENDING_SUPERSEDE"]);
    const checker: TenantContext = await t.run(async (tx) => {
      const u = await createUser(tx, t.ctx, { email: `finance@${t.slug}.test`, name: "Finance", role: "FINANCE", password: "Test-password-1" });
      return { tenantId: t.tenantId, actor: { kind: "USER", userId: u!.id, email: u!.email, role: "FINANCE", merchantId: null } };
    });
    expect(await codeOf(t.run((tx) => decideProposal(tx, t.ctx, { id: later.proposalId!, decision: "APPROVE" })))).toBe("SELF_APPROVAL");
    await t.run((tx) => decideProposal(tx, checker, { id: later.proposalId!, decision: "APPROVE" }));
    expect((await t.files()).map((f) => f.status)).toEqual(["SUPERSEDED", "IMPORTED"]);
  });

  it("refuses a file whose details disagree with its own summary, an empty file and a wrong date, and stores nothing", async () => {
    const t = await setUp();
    const p = await t.pay(1_280n);
    const billDate = p.businessDate.toISOString().slice(0, 10);
    const bytes = await t.bill(billDate);
    // 12.80 → 12.81 in the detail line only: the summary no longer adds up.
    const text = bytes.toString("utf8");
    const tampered = Buffer.from(text.replace("`12.80", "`12.81"), "utf8");
    expect(tampered.equals(bytes)).toBe(false);
    expect(await codeOf(importStatement(t.ctx, { channelAccountId: t.wechat.id, billDate, fileName: "x.csv", bytes: tampered, source: "UPLOAD" }))).toBe("STATEMENT_TOTALS_MISMATCH");
    expect(await codeOf(importStatement(t.ctx, { channelAccountId: t.wechat.id, billDate, fileName: "x.csv", bytes: Buffer.alloc(0), source: "UPLOAD" }))).toBe("STATEMENT_EMPTY_FILE");
    expect(await codeOf(importStatement(t.ctx, { channelAccountId: t.wechat.id, billDate: "2026-13-01", fileName: "x.csv", bytes, source: "UPLOAD" }))).toBe("INVALID_REQUEST");
    expect(await codeOf(importStatement(t.ctx, { channelAccountId: t.wechat.id, billDate, fileName: "x.csv", bytes: Buffer.from("not a bill\r\n"), source: "UPLOAD" }))).toMatch(/^STATEMENT_/);
    expect(await t.files()).toHaveLength(0);
    expect(await t.run((tx) => tx.statementLine.count({ where: { tenantId: t.tenantId } }))).toBe(0);
  });

  it("the CLI imports a file and prints what it holds", async () => {
    const t = await setUp();
    const p = await t.pay(3_300n);
    const billDate = p.businessDate.toISOString().slice(0, 10);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "recon-")), "wechat-all.csv");
    writeFileSync(file, await t.bill(billDate));
    const out = await cli(["recon", "import", "--tenant", t.slug, "--channel-account", t.wechat.id, "--date", billDate, "--file", file]);
    expect(out).toMatchObject({ outcome: "IMPORTED", lines: 1, byKind: { PAYMENT: 1 } });
    const again = await cli(["recon", "import", "--tenant", t.slug, "--channel-account", t.wechat.id, "--date", billDate, "--file", file]);
    expect(again).toMatchObject({ outcome: "ALREADY_IMPORTED" });
    expect((await t.files())[0]).toMatchObject({ source: "CLI", importedBy: "cli", fileName: "wechat-all.csv" });
  });
});

describe("storing lines (storeLines: the next chunk is read while the one before is stored)", () => {
  // 12,001 lines = three chunks; `bad` breaks one of them, in the database or while it is read.
  function* lines(bad: { lineNo: number; how: "CHECK" | "READ" } | null): Generator<StatementLine> {
    for (let n = 1; n <= 12_001; n++) {
      if (bad?.how === "READ" && n === bad.lineNo) throw new Error(`line ${n}: unreadable`);
      yield { lineNo: bad?.how === "CHECK" && n === bad.lineNo ? 0 : n, kind: "PAYMENT", status: "SUCCESS", outTradeNo: `T${n}`, amountMinor: BigInt(n), settleableMinor: BigInt(n), feeMinor: 0n, raw: { n: String(n) } };
    }
  }
  async function store(bad: { lineNo: number; how: "CHECK" | "READ" } | null) {
    const t = await setUp();
    const attempt = withTenantTx(t.tenantId, async (tx) => {
      const file = await tx.statementFile.create({
        data: { tenantId: t.tenantId, channelAccountId: t.wechat.id, billDate: new Date("2026-11-01T00:00:00Z"), billType: "ALL", format: "WECHAT_TRADE_BILL", contentHash: createHash("sha256").update(`lines ${Date.now()} ${Math.random()}`).digest("hex"), fileName: "x.csv", byteSize: 1, lineCount: 12_001, declaredCount: 12_001, declaredAmountMinor: 0n, source: "CLI", importedBy: "test" },
        select: { id: true },
      });
      await storeLines(tx, t.ctx, file.id, lines(bad));
    });
    const outcome = await attempt.then(() => "stored", (e: Error) => e.message);
    const [sums] = await t.run((tx) => tx.$queryRaw<Array<{ n: bigint; amounts: bigint; lines: bigint }>>`
      SELECT count(*)::bigint AS n, coalesce(sum(amount_minor), 0)::bigint AS amounts, count(*) FILTER (WHERE amount_minor = line_no AND out_trade_no = 'T' || line_no)::bigint AS lines
        FROM statement_line WHERE tenant_id = ${t.tenantId}::uuid`);
    const stored = Number(sums!.n);
    // Each line's values stayed with its own line number.
    expect(sums!.lines).toBe(sums!.n);
    if (stored > 0) expect(sums!.amounts).toBe(BigInt((12_001 * 12_002) / 2));
    const files = await t.run((tx) => tx.statementFile.count({ where: { tenantId: t.tenantId } }));
    return { outcome, stored, files };
  }

  it("stores every line of a file of several chunks, each with its own values", async () => {
    expect(await store(null)).toEqual({ outcome: "stored", stored: 12_001, files: 1 });
  });

  it("a chunk the database refuses (while the next is being read) leaves nothing stored", async () => {
    const r = await store({ lineNo: 3, how: "CHECK" });
    expect(r.outcome).toMatch(/statement_line_no/);
    expect(r).toMatchObject({ stored: 0, files: 0 });
  });

  it("a line that cannot be read while a chunk is in flight leaves nothing stored", async () => {
    const r = await store({ lineNo: 7_000, how: "READ" });
    expect(r.outcome).toBe("line 7000: unreadable");
    expect(r).toMatchObject({ stored: 0, files: 0 });
  });
});
