import { describe, expect, it } from "vitest";
import {
  activeFilters,
  columnStorageKey,
  hasActiveFilters,
  nextSort,
  parseHiddenColumns,
  readUrlState,
  serializeHiddenColumns,
  writeUrlState,
  type FilterDef,
} from "./table-state";

const filters: FilterDef[] = [
  { id: "q", label: "Search", type: "text" },
  { id: "status", label: "Status", type: "select", options: [{ value: "SUCCEEDED", label: "Succeeded" }] },
  { id: "from", label: "From", type: "date" },
];

describe("activeFilters", () => {
  it("trims, drops empty values and orders keys", () => {
    expect(activeFilters({ status: "", q: "  abc ", from: "   " })).toEqual({ q: "abc" });
    expect(Object.keys(activeFilters({ z: "1", a: "2" }))).toEqual(["a", "z"]);
    expect(hasActiveFilters({ q: " " })).toBe(false);
    expect(hasActiveFilters({ q: "x" })).toBe(true);
  });
});

describe("nextSort", () => {
  it("cycles preferred direction → opposite → none", () => {
    const a = nextSort(null, "createdAt", true);
    expect(a).toEqual({ id: "createdAt", desc: true });
    const b = nextSort(a, "createdAt", true);
    expect(b).toEqual({ id: "createdAt", desc: false });
    expect(nextSort(b, "createdAt", true)).toBeNull();
  });

  it("starts over on another column", () => {
    expect(nextSort({ id: "a", desc: true }, "b", false)).toEqual({ id: "b", desc: false });
  });
});

describe("URL state", () => {
  it("round-trips filters and sort, keeping foreign parameters", () => {
    const search = writeUrlState("?tab=2&payments.q=old", "payments", {
      filters: { q: "商户 A", status: "SUCCEEDED", from: "" },
      sort: { id: "createdAt", desc: true },
    });
    expect(search).toContain("tab=2");
    expect(search).not.toContain("payments.from");
    expect(readUrlState(search, "payments", filters, ["createdAt"])).toEqual({
      filters: { q: "商户 A", status: "SUCCEEDED" },
      sort: { id: "createdAt", desc: true },
    });
  });

  it("drops unknown filters, invalid values and non-sortable sorts", () => {
    const state = readUrlState(
      "?p.q=x&p.evil=1&p.status=NOPE&p.from=2024-13&p.sort=-secret",
      "p",
      filters,
      ["createdAt"],
    );
    expect(state).toEqual({ filters: { q: "x" } });
  });

  it("ignores other tables' parameters", () => {
    expect(readUrlState("?refunds.q=x", "payments", filters, [])).toEqual({});
    expect(writeUrlState("?refunds.q=x&payments.q=y", "payments", { filters: {}, sort: null })).toBe("?refunds.q=x");
  });

  it("returns an empty string when nothing is left", () => {
    expect(writeUrlState("?p.q=1", "p", { filters: {}, sort: null })).toBe("");
  });
});

describe("column visibility storage", () => {
  it("round-trips hidden columns and ignores unknown or unhideable ids", () => {
    const raw = serializeHiddenColumns({ fee: false, amount: true, note: false });
    expect(raw).toBe('["fee","note"]');
    expect(parseHiddenColumns(raw, ["fee", "amount"])).toEqual({ fee: false });
  });

  it("survives garbage in storage", () => {
    expect(parseHiddenColumns("{not json", ["a"])).toEqual({});
    expect(parseHiddenColumns('{"a":false}', ["a"])).toEqual({});
    expect(parseHiddenColumns(null, ["a"])).toEqual({});
  });

  it("builds a key even when the query key holds a bigint", () => {
    expect(columnStorageKey(["payments", { tenant: "t1" }])).toBe(
      'switchyard:data-table:hidden-columns:["payments",{"tenant":"t1"}]',
    );
    expect(columnStorageKey(["x", 1n])).toBe("switchyard:data-table:hidden-columns:x/1");
  });
});
