import type { InfiniteData } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { describe, expect, it, vi } from "vitest";
import { serverRenderer } from "@/components/testing/server-render";
import { translator } from "@/i18n/translate";
import type { AppRouter } from "@/server/api/root";
import { ExceptionItem } from "./exception-item";
import { ExceptionQueue, QUEUE_TABLE_KEY, queueCsvColumns, queueInput, type QueueItem } from "./exception-queue";
import { channelStatusLabel, lineKindLabel, paymentStatusLabel, refundStatusLabel } from "./record-labels";
import { readRefusal, refusalDetail } from "./refusal";
import { fileFilterInput, newFileOf, shouldPoll, STATEMENTS_TABLE_KEY, uploadStage, type StatementFileRow, type StatementFilesPage } from "./statement-files";
import { StatementsView } from "./statements-view";

// The clearing pages finance works each morning: a refused file said in the reader's language
// with the parser's line and words; the statement list and the exception queue as DataTables
// (filters, CSV export) with their data in the query cache; the exception page's codes labelled;
// and what the statements page shows while a large file is checked and reconciled.

// DataTable navigates rows with the app router, which a static render has no instance of.
vi.mock("next/navigation", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/navigation")>()),
  useRouter: () => ({ push: () => undefined, replace: () => undefined, refresh: () => undefined, back: () => undefined, forward: () => undefined, prefetch: () => undefined }),
}));

type Out = inferRouterOutputs<AppRouter>;
type Item = Out["exceptionQueue"]["get"];
type AccountList = Out["channels"]["list"];

const en = translator("en");
const zh = translator("zh-CN");
const ACCOUNT = "8a1f2c3d-0000-4000-8000-00000000000a";
const noRawKeys = (html: string, ns: string) => expect(html.match(new RegExp(`\\b${ns}\\.[a-zA-Z_]+\\b`, "g")) ?? []).toEqual([]);
// These pages read a channel account's id and name; the rest is a plausible sandbox account.
const accounts: AccountList = [
  {
    id: ACCOUNT,
    name: "Sandbox",
    channelType: "SANDBOX",
    enabled: true,
    currentVersion: 1,
    createdAt: new Date("2026-11-01T00:00:00Z"),
    updatedAt: new Date("2026-11-01T00:00:00Z"),
    _count: { registrations: 1 },
    settlementAccountName: null,
    settlementBankName: null,
    settlementAccountLast4: null,
    settlementCycle: "T1",
    costRatePpm: 2000,
    costFixedMinor: 0n,
    costMinMinor: 0n,
    costMaxMinor: null,
    priority: 100,
    weight: 1,
    minAmountMinor: null,
    maxAmountMinor: null,
    dailyAmountCap: null,
    dailyCountCap: null,
    windowStart: null,
    windowEnd: null,
    autoPause: true,
    healthWindowSeconds: 300,
    healthMinSample: 20,
    healthErrorRatePpm: 500_000,
    healthCooldownSeconds: 60,
    healthManual: false,
    healthState: "HEALTHY",
    healthChangedAt: new Date("2026-11-01T00:00:00Z"),
    healthReason: null,
    stats: { calls: 0, failures: 0, successRate: null, avgLatencyMs: null },
  },
];

const file = (over: Partial<StatementFileRow> = {}): StatementFileRow => ({
  id: "8a1f2c3d-0000-4000-8000-000000000101",
  channelAccountId: ACCOUNT,
  channelAccountName: "Sandbox",
  billDate: "2026-11-27",
  billType: "ALL",
  format: "WECHAT_TRADE_BILL",
  fileName: "wechat-20261127-all.csv",
  byteSize: 2048,
  lineCount: 3,
  declaredCount: 3,
  declaredAmountMinor: 1_280n,
  feeMinor: 5n,
  status: "IMPORTED",
  source: "UPLOAD",
  importedBy: "finance@huiyun.test",
  templateId: null,
  supersedesId: null,
  proposalId: null,
  reconciledAt: new Date("2026-11-28T02:00:05Z"),
  createdAt: new Date("2026-11-28T02:00:00Z"),
  template: null,
  outcomes: { MATCHED: 2, DIFFERENCE: 1 },
  ...over,
});

describe("a refused file, in the reader's language", () => {
  const totals = {
    error: {
      code: "STATEMENT_TOTALS_MISMATCH",
      message: "line 7: #交易合计 states 12.80 but the 交易 rows come to 12.81",
      field: "file",
      params: { lineNo: 7 },
    },
  };

  it("headlines the code and keeps the parser's line and words", () => {
    const r = readRefusal(en, 400, totals);
    expect(r).toEqual({ headline: "the lines do not add up to the file's own totals", line: 7, detail: "#交易合计 states 12.80 but the 交易 rows come to 12.81" });
    expect(en("clearing.refused", { message: r.headline })).toBe("Not imported: the lines do not add up to the file's own totals");
    expect(refusalDetail(en, r)).toBe("Line 7: #交易合计 states 12.80 but the 交易 rows come to 12.81");
    const z = readRefusal(zh, 400, totals);
    expect(zh("clearing.refused", { message: z.headline })).toBe("未导入：明细与文件自带的汇总不符");
    expect(refusalDetail(zh, z)).toBe("第 7 行：#交易合计 states 12.80 but the 交易 rows come to 12.81");
  });

  it("reads the line from the message when the server gives no params, and none when there is none", () => {
    const r = readRefusal(zh, 400, { error: { code: "STATEMENT_MALFORMED_LINE", message: "line 12: 12 columns, not 24" } });
    expect(r).toMatchObject({ headline: "文件有格式错误的行", line: 12, detail: "12 columns, not 24" });
    const noLine = readRefusal(en, 400, { error: { code: "STATEMENT_NOT_A_STATEMENT", message: "the file is empty" } });
    expect(noLine).toEqual({ headline: "this is not a statement in the chosen format", line: null, detail: "the file is empty" });
    expect(refusalDetail(en, noLine)).toBe("the file is empty");
    expect(refusalDetail(en, { headline: "x", line: 3, detail: null })).toBe("Line 3");
  });

  it("leaves out a detail that only repeats the headline", () => {
    const r = readRefusal(zh, 400, { error: { code: "STATEMENT_FORMAT_REQUIRED", message: "Say which format this bank file is in", field: "format" } });
    expect(r).toEqual({ headline: "请选择该文件的格式：该账户没有默认的对账单格式", line: null, detail: null });
    expect(refusalDetail(zh, r)).toBeNull();
    expect(readRefusal(zh, 400, { error: { code: "STATEMENT_DATE_MISMATCH", message: "The file is the bill of 2026-11-26, not 2026-11-27" } })).toMatchObject({
      headline: "文件的账单日期与所选日期不符",
      detail: "The file is the bill of 2026-11-26, not 2026-11-27",
    });
  });

  it("uses the shared error catalogue for any other code, the server's words for an unknown one, the status when there are none", () => {
    expect(readRefusal(zh, 403, { error: { code: "CSRF", message: "Cross-site request refused" } }).headline).toBe("请求来源不是本站，已被拒绝。请刷新页面后重试。");
    expect(readRefusal(zh, 409, { error: { code: "STATEMENT_NOT_PAYOUT_RESULT", message: "x" } }).headline).toBe("只有银行付款结果文件可用于更新付款");
    expect(readRefusal(zh, 401, { error: { code: "UNAUTHENTICATED", message: "Please sign in" } }).headline).toBe("登录已失效，请重新登录");
    expect(readRefusal(en, 422, { error: { code: "SOMETHING_NEW", message: "A later module's refusal" } }).headline).toBe("A later module's refusal");
    expect(readRefusal(en, 502, null)).toEqual({ headline: "the server answered with status 502", line: null, detail: null });
    expect(readRefusal(zh, 500, { error: { code: "INTERNAL", message: "The file could not be imported; try again" } })).toEqual({ headline: "服务器出错，导入未完成，请重试", line: null, detail: null });
  });
});

describe("the exception page's codes", () => {
  it("labels line kinds, the channel's status words and our states in both languages", () => {
    expect(lineKindLabel(en, "REFUND")).toBe("Refund");
    expect(lineKindLabel(zh, "REVOKED")).toBe("撤销");
    expect(lineKindLabel(zh, "PAYOUT_RESULT")).toBe("代付结果");
    expect(channelStatusLabel(zh, "PROCESSING")).toBe("处理中");
    expect(channelStatusLabel(en, "REFUNDCLOSE")).toBe("Refund closed");
    expect(channelStatusLabel(zh, "RETURNED")).toBe("退汇");
    // Words the parsers keep as printed that are already words (Alipay's 交易) or codes we cannot read (UnionPay's S22).
    expect(channelStatusLabel(zh, "交易")).toBeNull();
    expect(channelStatusLabel(en, "S22")).toBeNull();
    expect(paymentStatusLabel(zh, "SUCCEEDED")).toBe("支付成功");
    expect(refundStatusLabel(en, "ABNORMAL")).toBe("Abnormal");
    expect(paymentStatusLabel(en, "SOMETHING_NEW")).toBe("SOMETHING_NEW");
  });
});

const BASE_LINE: NonNullable<Item["line"]> = {
  id: "8a1f2c3d-0000-4000-8000-000000000301",
  lineNo: 7,
  kind: "REFUND",
  occurredAt: new Date("2026-11-27T04:00:00Z"),
  outTradeNo: "SYE2E0001",
  channelTradeNo: "4200000001202611270001",
  outRefundNo: "RF1",
  channelRefundNo: null,
  subMerchant: "1900000109",
  channelStatus: "PROCESSING",
  amountMinor: -2_300n,
  settleableMinor: -2_300n,
  feeMinor: -9n,
  fileId: "8a1f2c3d-0000-4000-8000-000000000101",
};

const BASE_ITEM: Item = {
  id: "8a1f2c3d-0000-4000-8000-000000000201",
  kind: "RECON_AMOUNT",
  type: "AMOUNT",
  status: "INVESTIGATING",
  direction: "OVERAGE",
  channelAccountId: ACCOUNT,
  amountMinor: 300n,
  businessDate: "2026-11-27",
  ageDays: 1,
  ageBucket: "0-3",
  slaDueAt: new Date("2026-11-30T02:00:00Z"),
  slaBreached: false,
  slaDueSoon: false,
  assigneeId: null,
  assigneeName: null,
  proposalId: null,
  suspenseEntryId: null,
  resolution: null,
  resolvedBy: null,
  resolvedAt: null,
  createdAt: new Date("2026-11-28T02:00:10Z"),
  details: {},
  customerRefunds: [],
  recon: null,
  file: { id: "8a1f2c3d-0000-4000-8000-000000000101", fileName: "wechat-20261127-all.csv", format: "WECHAT_TRADE_BILL", billDate: "2026-11-27", billType: "ALL" },
  line: BASE_LINE,
  payment: null,
  refund: null,
  suspense: null,
  events: [],
  proposal: null,
  suggestions: [],
};

describe("the exception page", () => {
  it("shows the statement line's kind and the channel's status, and our payment's state, in words", () => {
    const item = {
      ...BASE_ITEM,
      payment: {
        id: "8a1f2c3d-0000-4000-8000-000000000401",
        merchantOrderNo: "ORDER-1",
        outTradeNo: "SYE2E0001",
        channelTradeNo: "4200000001202611270001",
        status: "SUCCEEDED",
        amountMinor: 2_000n,
        feeMinor: 8n,
        costMinor: 5n,
        createdAt: new Date("2026-11-27T03:59:00Z"),
        paidAt: new Date("2026-11-27T04:00:00Z"),
        businessDate: "2026-11-27",
        merchantId: "8a1f2c3d-0000-4000-8000-000000000501",
      },
    } satisfies Item;
    const { render } = serverRenderer();
    const html = render(<ExceptionItem initial={item} canWork canPropose canResolveNote />);
    expect(html).toContain(">Refund<");
    expect(html).toContain("Processing");
    // The word as printed stays beside it: finance matches it against the file.
    expect(html).toMatch(/Processing <span[^>]*>PROCESSING<\/span>/);
    expect(html).toContain(">Succeeded<");
    expect(html).not.toContain(">SUCCEEDED<");
    expect(html).not.toContain(">REFUND<");
    const zhHtml = render(<ExceptionItem initial={item} canWork canPropose canResolveNote />, "zh-CN");
    expect(zhHtml).toContain(">退款<");
    expect(zhHtml).toContain("处理中");
    expect(zhHtml).toContain(">支付成功<");
    noRawKeys(zhHtml, "exceptionQueue");
  });

  it("labels a refund's state, and shows a status word it does not know as printed", () => {
    const item = {
      ...BASE_ITEM,
      line: { ...BASE_LINE, kind: "PAYMENT", channelStatus: "交易", amountMinor: 2_300n, settleableMinor: 2_300n },
      refund: { id: "8a1f2c3d-0000-4000-8000-000000000601", outRefundNo: "RF1", status: "ABNORMAL", amountMinor: 2_300n, paymentId: "8a1f2c3d-0000-4000-8000-000000000401", createdAt: new Date("2026-11-27T05:00:00Z") },
    } satisfies Item;
    const { render } = serverRenderer();
    const html = render(<ExceptionItem initial={item} canWork canPropose canResolveNote />, "zh-CN");
    expect(html).toContain(">支付<");
    expect(html).toContain(">交易<");
    expect(html).toContain(">退款异常<");
    expect(html).not.toContain(">ABNORMAL<");
  });
});

describe("the statement list", () => {
  it("turns the table's filters into the procedure's input, dropping what a hand-typed URL got wrong", () => {
    expect(fileFilterInput({ channelAccountId: ACCOUNT, billDateFrom: "2026-11-01", billDateTo: "2026-11-30", status: "IMPORTED", format: "TEMPLATE" })).toEqual({
      channelAccountId: ACCOUNT,
      billDateFrom: "2026-11-01",
      billDateTo: "2026-11-30",
      status: "IMPORTED",
      format: "TEMPLATE",
    });
    expect(fileFilterInput({ channelAccountId: "x", billDateFrom: "yesterday", status: "DELETED", format: "CSV" })).toEqual({});
  });

  it("shows the files with their reconciliation in words, the filters and CSV export", () => {
    const { queryClient, trpc, render } = serverRenderer();
    queryClient.setQueryData(trpc.channels.list.queryKey(), accounts);
    queryClient.setQueryData(trpc.statements.templates.queryKey(), []);
    const page: StatementFilesPage = {
      items: [
        // Part-way through its rounds: 1 of 3 lines so far.
        file({ id: "8a1f2c3d-0000-4000-8000-000000000103", fileName: "big.csv", reconciledAt: null, outcomes: { MATCHED: 1 } }),
        file({ id: "8a1f2c3d-0000-4000-8000-000000000102", fileName: "credits.txt", format: "BANK_CREDIT", outcomes: {}, reconciledAt: null, status: "PENDING_SUPERSEDE" }),
        file(),
      ],
      nextCursor: null,
    };
    queryClient.setQueryData<InfiniteData<StatementFilesPage, string | null>>([...STATEMENTS_TABLE_KEY, { sort: null, filters: {}, limit: 50 }], { pages: [page], pageParams: [null] });
    const html = render(<StatementsView />);
    expect(html).toContain('data-testid="statement-files"');
    expect(html).toContain("big.csv");
    expect(html).toMatch(/role="progressbar" aria-label="Reconciling"[^>]*aria-valuenow="1"/);
    expect(html).toContain("1 of 3");
    expect(html).toContain("Bank credit file");
    expect(html).toContain("Waiting for approval");
    expect(html).toContain("Not reconciled");
    expect(html).toContain("2 matched");
    expect(html).toContain("1 difference");
    expect(html).toContain("¥12.80");
    // DataTable's filters and export.
    expect(html).toContain("Bill date from");
    expect(html).toContain("Bill date to");
    expect(html).toContain("Export CSV");
    noRawKeys(html, "clearing");

    const zhHtml = render(<StatementsView />, "zh-CN");
    expect(zhHtml).toContain("对账中");
    expect(zhHtml).toContain("银行入账文件");
    expect(zhHtml).toContain("待审批");
    expect(zhHtml).toContain("账单日期起");
    expect(zhHtml).toContain("导出 CSV");
    noRawKeys(zhHtml, "clearing");
  });

  it("polls while an upload is in flight or a file shown is part-way through its rounds", () => {
    const data = (items: StatementFileRow[]): InfiniteData<StatementFilesPage, unknown> => ({ pages: [{ items, nextCursor: null }], pageParams: [null] });
    expect(shouldPoll(true, [])).toBe(true);
    expect(shouldPoll(false, [undefined, data([file()])])).toBe(false);
    expect(shouldPoll(false, [data([file(), file({ reconciledAt: null, outcomes: { MATCHED: 1 } })])])).toBe(true);
    // Stored but not yet begun, or not a payment statement: nothing to wait for without an upload.
    expect(shouldPoll(false, [data([file({ reconciledAt: null, outcomes: {} })])])).toBe(false);
    expect(shouldPoll(false, [data([file({ format: "BANK_CREDIT", reconciledAt: null, outcomes: { MATCHED: 1 } })])])).toBe(false);
  });

  it("says what the upload in flight has reached: sent, checked, stored and reconciling or applying", () => {
    const known = new Set([file().id]);
    const stored = file({ id: "8a1f2c3d-0000-4000-8000-000000000109", lineCount: 50_000, reconciledAt: null, outcomes: { MATCHED: 12_000, DIFFERENCE: 3 } });
    expect(uploadStage(40, null)).toEqual({ kind: "sending", percent: 40 });
    expect(newFileOf([file()], known)).toBeNull();
    expect(uploadStage(100, newFileOf([file()], known))).toEqual({ kind: "checking" });
    expect(newFileOf([stored, file()], known)).toBe(stored);
    expect(newFileOf([stored], null)).toBeNull();
    expect(uploadStage(100, stored)).toEqual({ kind: "reconciling", done: 12_003, total: 50_000 });
    expect(uploadStage(100, { ...stored, outcomes: {} })).toEqual({ kind: "reconciling", done: 0, total: 50_000 });
    expect(uploadStage(100, { ...stored, format: "BANK_PAYOUT_RESULT" })).toEqual({ kind: "applying", lines: 50_000 });
  });
});

describe("the exception queue", () => {
  const item: QueueItem = {
    id: "8a1f2c3d-0000-4000-8000-000000000201",
    kind: "RECON_CHANNEL_ONLY",
    type: "CHANNEL_ONLY",
    status: "OPEN",
    direction: "OVERAGE",
    channelAccountId: ACCOUNT,
    amountMinor: 1_280n,
    businessDate: "2026-11-27",
    ageDays: 1,
    ageBucket: "0-3",
    slaDueAt: new Date("2026-11-30T02:00:00Z"),
    slaBreached: true,
    slaDueSoon: false,
    assigneeId: null,
    assigneeName: null,
    proposalId: null,
    suspenseEntryId: null,
    resolution: null,
    resolvedBy: null,
    resolvedAt: null,
    createdAt: new Date("2026-11-28T02:00:10Z"),
    details: {},
  } as QueueItem;

  it("lists the queue in a DataTable with its own filters, selection and CSV export", () => {
    const { queryClient, trpc, render } = serverRenderer();
    queryClient.setQueryData(trpc.channels.list.queryKey(), accounts);
    const input = queueInput({ status: "ACTIVE", type: "", direction: "", channelAccountId: "", age: "", assigneeId: "" });
    expect(input).toEqual({ status: "ACTIVE" });
    queryClient.setQueryData([...QUEUE_TABLE_KEY, input, { sort: null, filters: {}, limit: 50 }], { pages: [{ items: [item], nextCursor: null }], pageParams: [null] });
    const html = render(<ExceptionQueue canWork canClose />);
    expect(html).toContain('data-testid="queue-filters"');
    expect(html).toContain('data-testid="queue-table"');
    expect(html.match(/data-testid="open-exception"/g)).toHaveLength(1);
    expect(html).toContain("Select all on this page");
    expect(html).toContain("Overdue");
    expect(html).toContain("Export CSV");
    const zhHtml = render(<ExceptionQueue canWork={false} canClose={false} />, "zh-CN");
    expect(zhHtml).toContain("待处理");
    expect(zhHtml).toContain("长款");
    expect(zhHtml).not.toContain("全选");
    noRawKeys(zhHtml, "exceptionQueue");
  });

  it("exports codes, fen and the kind in words", () => {
    const columns = queueCsvColumns(en);
    const row = Object.fromEntries(columns.map((c) => [c.header, c.value(item)]));
    expect(row).toMatchObject({ id: item.id, kind: "RECON_CHANNEL_ONLY", status: "OPEN", direction: "OVERAGE", amount_minor: 1_280n, business_date: "2026-11-27", sla_breached: "yes", assignee: null });
    expect(row.kind_label).not.toBe("RECON_CHANNEL_ONLY");
  });
});
