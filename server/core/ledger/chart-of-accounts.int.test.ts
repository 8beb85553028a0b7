import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { codeOf, custodialBook, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx } from "@/server/db/tenant-tx";
import { ACCOUNT_LIST_MAX, findAccountPage, listAccounts, openWalletAccount, postEntry } from "./service";
import { accounts, walletRecharge } from "./templates";

// The chart of accounts a page at a time: a tenant with more accounts than one answer carries (here
// 2,100 wallets besides the chart) gets every account exactly once, in the chart's order (book,
// type, code), with its balance, and a search narrows the pages. The pickers' list stops at
// ACCOUNT_LIST_MAX.

let db: TestDatabase;
let b: CustodialBook;
const WALLETS = 2100;
const TYPE_ORDER = ["ASSET", "LIABILITY", "EQUITY", "INCOME", "EXPENSE"];

beforeAll(async () => {
  db = await createTestDatabase("ledger_chart_pages");
  b = await custodialBook({ merchants: 2, channels: 1, wallets: 1 });
  const ids = Array.from({ length: WALLETS }, () => randomUUID());
  for (let i = 0; i < ids.length; i += 300) {
    await withTenantTx(b.tenantId, async (tx) => {
      for (const id of ids.slice(i, i + 300)) await openWalletAccount(tx, b.ctx, id);
    });
  }
  await withTenantTx(b.tenantId, (tx) => postEntry(tx, b.ctx, walletRecharge(b.channels[0]!, b.wallets[0]!, 4321n), { businessDate: "2026-11-27", idempotencyKey: "r" }));
}, 120_000);
afterAll(async () => db?.drop());

type Page = Awaited<ReturnType<typeof findAccountPage>>;
async function allPages(filter: { book?: "OWN" | "MEMO"; q?: string }, limit: number) {
  const items: Page["items"] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page = await withTenantTx(b.tenantId, (tx) => findAccountPage(tx, b.ctx, { ...filter, cursor, limit }));
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

const orderKey = (a: { book: string; type: string; code: string }) => [a.book === "OWN" ? 0 : 1, TYPE_ORDER.indexOf(a.type), a.code] as const;
function expectChartOrder(items: Array<{ book: string; type: string; code: string }>) {
  for (let i = 1; i < items.length; i++) {
    const [p, c] = [orderKey(items[i - 1]!), orderKey(items[i]!)];
    const ok = p[0] < c[0] || (p[0] === c[0] && (p[1] < c[1] || (p[1] === c[1] && p[2] < c[2])));
    expect(ok, `${items[i - 1]!.code} before ${items[i]!.code}`).toBe(true);
  }
}

describe("findAccountPage", () => {
  it("pages through every account exactly once, in the chart's order, with balances", async () => {
    const all = await withTenantTx(b.tenantId, (tx) => tx.ledgerAccount.count({ where: { tenantId: b.tenantId } }));
    expect(all).toBeGreaterThan(ACCOUNT_LIST_MAX);
    const { items, pages } = await allPages({}, 500);
    expect(pages).toBe(Math.ceil(all / 500));
    expect(new Set(items.map((a) => a.id)).size).toBe(all);
    expectChartOrder(items);
    expect(items.find((a) => a.code === accounts.wallet(b.wallets[0]!).code)?.balance.postedMinor).toBe(4321n);
    // The default page is 500.
    const first = await withTenantTx(b.tenantId, (tx) => findAccountPage(tx, b.ctx, {}));
    expect(first.items.map((a) => a.id)).toEqual(items.slice(0, 500).map((a) => a.id));
  });

  it("a page boundary inside a type and a book filter", async () => {
    const { items } = await allPages({ book: "OWN" }, 37);
    expect(items.every((a) => a.book === "OWN")).toBe(true);
    expectChartOrder(items);
    expect(new Set(items.map((a) => a.id)).size).toBe(items.length);
  });

  it("a search narrows the pages; a cursor that is not an account id is refused", async () => {
    const merchant = b.merchants[0]!;
    const { items } = await allPages({ q: merchant }, 2);
    expect(items.map((a) => a.code).sort()).toEqual([`merchant_payable_available:${merchant}`, `merchant_payable_pending:${merchant}`, `merchant_receivable:${merchant}`, `merchant_reserve:${merchant}`].sort());
    expect(await codeOf(withTenantTx(b.tenantId, (tx) => findAccountPage(tx, b.ctx, { cursor: "not-an-id" })))).toBe("BAD_CURSOR");
    // Another tenant's account id as the cursor: nothing of theirs, and nothing at all.
    const other = await custodialBook({ merchants: 1, channels: 1, wallets: 1 });
    const page = await withTenantTx(other.tenantId, (tx) => findAccountPage(tx, other.ctx, { cursor: b.id(accounts.feeIncome) }));
    expect(page).toEqual({ items: [], nextCursor: null });
  });

  it("listAccounts (pickers) stops at ACCOUNT_LIST_MAX", async () => {
    const list = await withTenantTx(b.tenantId, (tx) => listAccounts(tx, b.ctx));
    expect(list).toHaveLength(ACCOUNT_LIST_MAX);
    expectChartOrder(list);
  });
});
