import { describe, expect, it } from "vitest";
import { collectAllPages } from "./collect-pages";
import type { FetchPageArgs } from "./table-state";

function pagedSource(total: number) {
  const calls: FetchPageArgs[] = [];
  const fetchPage = async (args: FetchPageArgs) => {
    calls.push(args);
    const start = args.cursor === null ? 0 : Number(args.cursor);
    const items = Array.from({ length: Math.min(args.limit, total - start) }, (_, i) => start + i);
    const next = start + items.length;
    return { items, nextCursor: next < total ? String(next) : null };
  };
  return { fetchPage, calls };
}

describe("collectAllPages", () => {
  it("follows the cursor to the end with the same sort and filters, reporting progress", async () => {
    const { fetchPage, calls } = pagedSource(25);
    const progress: number[] = [];
    const rows = await collectAllPages({
      fetchPage,
      sort: { id: "createdAt", desc: true },
      filters: { status: "SUCCEEDED" },
      limit: 10,
      signal: new AbortController().signal,
      onProgress: (n) => progress.push(n),
    });
    expect(rows).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(progress).toEqual([10, 20, 25]);
    expect(calls.map((c) => c.cursor)).toEqual([null, "10", "20"]);
    expect(calls.every((c) => c.sort?.id === "createdAt" && c.filters.status === "SUCCEEDED")).toBe(true);
  });

  it("stops between pages when aborted, even if fetchPage ignores the signal", async () => {
    const { fetchPage } = pagedSource(100);
    const controller = new AbortController();
    const promise = collectAllPages({
      fetchPage,
      sort: null,
      filters: {},
      limit: 10,
      signal: controller.signal,
      onProgress: (n) => {
        if (n >= 20) controller.abort();
      },
    });
    await expect(promise).rejects.toMatchObject({ name: "AbortError" });
  });

  it("refuses a cursor that repeats", async () => {
    const fetchPage = async () => ({ items: [1], nextCursor: "same" });
    await expect(
      collectAllPages({ fetchPage, sort: null, filters: {}, limit: 1, signal: new AbortController().signal }),
    ).rejects.toThrow(/repeated/);
  });
});
