import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE, createSession } from "@/server/core/auth/session";
import { createUser } from "@/server/core/users/service";
import { renderTradeBill } from "@/server/simulators/wechat/trade-bill";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { useTestKeyring } from "@/server/testing/fixtures";
import { makeTenant } from "@/server/testing/tenants";
import { tenantHost } from "@/server/testing/trpc";
import { POST } from "./route";

// The console's statement upload route: same-origin only, a signed-in console user whose role may
// import statements, then the import itself (whole or nothing).

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("statement_upload");
});
afterAll(async () => db?.drop());

const BILL_DATE = "2026-11-27";
function bill(): Buffer {
  const paidAt = new Date(`${BILL_DATE}T04:00:00Z`);
  const trade = { outTradeNo: "SYUPLOAD0001", channelTradeNo: "4200000001202611270001", merchant: "1900000100", subMerchant: "1900000109", amountMinor: 990n, feeMinor: 4n, status: "SUCCESS" as const, product: "WECHAT_CODE", description: "Upload", createdAt: paidAt, paidAt, pollsLeft: 0, refunds: [] };
  return renderTradeBill({ billDate: BILL_DATE, billType: "ALL", spMchId: "1900000100", spAppId: "wx1", trades: [{ trade, spAppId: "wx1", openId: "o1", tradeType: "MICROPAY" }], diffs: [], previousDayDiffs: [], feeRatePpm: 3800, newChannelTradeNo: () => "42" })!;
}

describe("POST /api/console/statements", () => {
  it("refuses cross-site requests, anonymous users and roles without recon.import; imports for finance", async () => {
    const t = await makeTenant();
    const host = tenantHost(t.slug);
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } }));
    const token = async (role: "FINANCE" | "VIEWER") =>
      t.run(async (tx) => {
        const u = await createUser(tx, t.ctx, { email: `${role.toLowerCase()}@${t.slug}.test`, name: role, role, password: "Test-password-1" });
        return createSession(tx, t.tenantId, u!.id, {});
      });
    const [finance, viewer] = [await token("FINANCE"), await token("VIEWER")];
    const url = `http://${host}/api/console/statements?channelAccountId=${sandbox.id}&billDate=${BILL_DATE}&format=WECHAT_TRADE_BILL`;
    const send = (headers: Record<string, string>, body: Buffer = bill()) => POST(new Request(url, { method: "POST", headers: { host, "content-type": "application/octet-stream", "x-file-name": "bill.csv", ...headers }, body: new Uint8Array(body) }));
    const code = async (r: Response) => ({ status: r.status, code: ((await r.json()) as { error?: { code?: string } }).error?.code });

    expect(await code(await send({ origin: "http://evil.example", cookie: `${SESSION_COOKIE}=${finance}` }))).toEqual({ status: 403, code: "CSRF" });
    expect(await code(await send({ origin: `http://${host}` }))).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(await code(await send({ origin: `http://${host}`, cookie: `${SESSION_COOKIE}=${viewer}` }))).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(await t.run((tx) => tx.statementFile.count({ where: { tenantId: t.tenantId } }))).toBe(0);

    const ok = await send({ origin: `http://${host}`, cookie: `${SESSION_COOKIE}=${finance}` });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ outcome: "IMPORTED", lines: 1, byKind: { PAYMENT: 1 } });
    const broken = await send({ origin: `http://${host}`, cookie: `${SESSION_COOKIE}=${finance}` }, Buffer.from("not a statement\r\n"));
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toMatch(/^STATEMENT_/);
    const files = await t.run((tx) => tx.statementFile.findMany({ where: { tenantId: t.tenantId } }));
    expect(files.map((f) => [f.source, f.importedBy])).toEqual([["UPLOAD", `finance@${t.slug}.test`]]);
  });
});
