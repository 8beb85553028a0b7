import { describe, expect, it, vi } from "vitest";
import { serverRenderer } from "@/components/testing/server-render";
import { AccountView, statementRange } from "./account-view";
import { ChartOfAccounts } from "./chart-of-accounts";
import { EntryView } from "./entry-view";
import { AccountLink, accountHref } from "./parts";
import type { ChartPage, JournalEntryDetail, LedgerAccountDetail } from "./types";

// The ledger pages rendered on the server with their data in the query cache: the as-of account
// page (banner, back link, the as-of balance), the trial balance's drill-down link, and the
// entry page's cause in words with its link.

// DataTable navigates rows with the app router, which a static render has no instance of.
vi.mock("next/navigation", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/navigation")>()),
  useRouter: () => ({ push: () => undefined, replace: () => undefined, refresh: () => undefined, back: () => undefined, forward: () => undefined, prefetch: () => undefined }),
}));

const ACCOUNT: LedgerAccountDetail = {
  id: "8a1f2c3d-0000-4000-8000-0000000000a1",
  book: "OWN",
  code: "operating_bank",
  name: "Operating bank account",
  type: "ASSET",
  currency: "CNY",
  bound: "NONE",
  isHot: false,
  ownerType: null,
  ownerId: null,
  createdAt: new Date("2026-11-01T00:00:00Z"),
  balance: { postedMinor: 50_000n, pendingDebitMinor: 0n, pendingCreditMinor: 0n, availableMinor: 50_000n },
};

const ENTRY: JournalEntryDetail = {
  id: "8a1f2c3d-0000-4000-8000-0000000000e1",
  seq: 42n,
  kind: "refund",
  phase: "POSTED",
  businessDate: "2026-11-27",
  correctsDate: null,
  effectiveAt: new Date("2026-11-27T08:00:00Z"),
  description: "Refund RF-1",
  causeType: "refund",
  causeId: "8a1f2c3d-0000-4000-8000-0000000000f1",
  causeLink: { page: "payment", id: "8a1f2c3d-0000-4000-8000-0000000000p1" },
  idempotencyKey: "refund:1",
  reversesEntryId: null,
  holdId: null,
  createdBy: "owner@x.test",
  createdAt: new Date("2026-11-27T08:00:00Z"),
  postings: [],
  reversedByEntryId: null,
};

describe("AccountView as of a date", () => {
  it("shows the banner, the posted balance at the end of the date and a way back to today", () => {
    const { render } = serverRenderer();
    const html = render(<AccountView initial={ACCOUNT} asOf="2026-11-20" initialAsOf={{ accountId: ACCOUNT.id, businessDate: "2026-11-20", at: null, postedMinor: 12_345n }} />);
    expect(html).toContain('data-testid="as-of-banner"');
    expect(html).toContain("As of the end of business date 2026-11-20");
    expect(html).toContain(`href="/ledger/accounts/${ACCOUNT.id}"`);
    expect(html).toContain("Back to today");
    expect(html).toMatch(/data-testid="balance-posted-as-of" data-amount-minor="12345"/);
    expect(html).toContain("¥123.45");
    expect(html).not.toContain('data-testid="balance-posted"');
  });

  it("without a date: today's balances, no banner; the statement's filters in Chinese", () => {
    const { render } = serverRenderer();
    const html = render(<AccountView initial={ACCOUNT} />, "zh-CN");
    expect(html).not.toContain("as-of-banner");
    expect(html).toMatch(/data-testid="balance-posted" data-amount-minor="50000"/);
    for (const label of ["业务日期起", "业务日期止", "类型", "手工调账", "退款成功"]) expect(html).toContain(label);
  });

  it("caps the statement's range at the as-of date and sends nothing for a range that cannot match", () => {
    expect(statementRange({}, null)).toEqual({});
    expect(statementRange({ from: "2026-11-01", to: "2026-11-30" }, null)).toEqual({ from: "2026-11-01", to: "2026-11-30" });
    expect(statementRange({ from: "2026-11-01" }, "2026-11-20")).toEqual({ from: "2026-11-01", to: "2026-11-20" });
    expect(statementRange({ to: "2026-11-10" }, "2026-11-20")).toEqual({ to: "2026-11-10" });
    expect(statementRange({ from: "2026-11-25" }, "2026-11-20")).toBeNull();
    expect(statementRange({ from: "2026-11-25", to: "2026-11-02" }, null)).toBeNull();
    expect(statementRange({ from: "garbage" }, null)).toEqual({});
  });
});

describe("AccountLink", () => {
  it("opens the account as of the trial balance's date when it has one", () => {
    const { render } = serverRenderer();
    expect(accountHref("abc", "2026-11-20")).toBe("/ledger/accounts/abc?asOf=2026-11-20");
    expect(accountHref("abc", null)).toBe("/ledger/accounts/abc");
    const html = render(<AccountLink id="abc" code="fee_income" name="Fee income" asOf="2026-11-20" />);
    expect(html).toContain('href="/ledger/accounts/abc?asOf=2026-11-20"');
    expect(html).toContain('title="Open as of 2026-11-20"');
  });
});

describe("EntryView's cause", () => {
  it("names the cause and links a refund to its payment's page", () => {
    const { render } = serverRenderer();
    const html = render(<EntryView entry={ENTRY} canPropose={false} />);
    expect(html).toMatch(/data-testid="entry-cause"[^>]*><span[^>]*><span title="refund">Refund<\/span>/);
    expect(html).toContain(ENTRY.causeId!);
    expect(html).toContain(`href="/payments/${ENTRY.causeLink!.id}"`);
    expect(html).toContain("Open the payment");
  });

  it("shows an unknown cause as its code, without a link; in Chinese a known one in words", () => {
    const { render } = serverRenderer();
    const unknown = render(<EntryView entry={{ ...ENTRY, causeType: "fx_revaluation", causeLink: null }} canPropose={false} />);
    expect(unknown).toContain(">fx_revaluation<");
    expect(unknown).not.toContain("entry-cause-link");
    const zh = render(<EntryView entry={{ ...ENTRY, causeType: "recon_item", causeLink: { page: "exception", id: "x1" } }} canPropose={false} />, "zh-CN");
    expect(zh).toContain("对账差错");
    expect(zh).toContain('href="/exceptions/x1"');
    expect(zh).toContain("查看差错");
  });
});

describe("ChartOfAccounts", () => {
  const row = (i: number): ChartPage["items"][number] => ({ ...ACCOUNT, id: `8a1f2c3d-0000-4000-8000-${String(i).padStart(12, "0")}`, code: `wallet:${i}`, name: "Customer wallet", type: "LIABILITY", bound: "NON_NEGATIVE" });

  it("says how many accounts it shows and offers the next page while there is one", () => {
    const { queryClient, trpc, render } = serverRenderer();
    const key = trpc.ledger.chartOfAccounts.infiniteQueryKey({ book: "OWN", limit: 500 });
    queryClient.setQueryData(key, { pages: [{ items: [row(1), row(2), row(3)], nextCursor: row(3).id }], pageParams: [null] });
    const html = render(<ChartOfAccounts />);
    expect(html).toContain('data-testid="account-row-wallet:1"');
    expect(html).toContain('data-testid="accounts-truncated"');
    expect(html).toContain("Showing the first 3 accounts.");
    expect(html).toContain("Load more accounts");
  });

  it("no notice once every account is shown", () => {
    const { queryClient, trpc, render } = serverRenderer();
    const key = trpc.ledger.chartOfAccounts.infiniteQueryKey({ book: "OWN", limit: 500 });
    queryClient.setQueryData(key, { pages: [{ items: [row(1)], nextCursor: null }], pageParams: [null] });
    const html = render(<ChartOfAccounts />, "zh-CN");
    expect(html).toContain('data-testid="account-row-wallet:1"');
    expect(html).not.toContain("accounts-truncated");
  });
});
