import { describe, expect, it } from "vitest";
import { BoundedMap } from "./bounded-map";

describe("BoundedMap", () => {
  it("keeps at most max entries, dropping the one set first", () => {
    const m = new BoundedMap<string, number>(3);
    for (const [i, k] of ["a", "b", "c", "d"].entries()) m.set(k, i);
    expect(m.size).toBe(3);
    expect(m.get("a")).toBeUndefined();
    expect([m.get("b"), m.get("c"), m.get("d")]).toEqual([1, 2, 3]);
  });

  it("by insertion, a read does not save an entry; setting a key again does", () => {
    const m = new BoundedMap<string, number>(2);
    m.set("a", 1).set("b", 2);
    m.get("a");
    m.set("c", 3);
    expect(m.get("a")).toBeUndefined();
    m.set("b", 20);
    m.set("d", 4);
    expect(m.get("c")).toBeUndefined();
    expect([m.get("b"), m.get("d"), m.size]).toEqual([20, 4, 2]);
  });

  it("by use, the least recently read or written goes first", () => {
    const m = new BoundedMap<string, number>(2, "use");
    m.set("a", 1).set("b", 2);
    expect(m.get("a")).toBe(1);
    m.set("c", 3);
    expect(m.get("b")).toBeUndefined();
    expect([m.get("a"), m.get("c")]).toEqual([1, 3]);
  });

  it("a miss changes nothing, and delete frees room", () => {
    const m = new BoundedMap<string, number>(1, "use");
    m.set("a", 1);
    expect(m.get("z")).toBeUndefined();
    expect(m.delete("a")).toBe(true);
    expect(m.delete("a")).toBe(false);
    m.set("b", 2);
    expect([m.size, m.get("b")]).toEqual([1, 2]);
  });

  it("refuses a size that could hold nothing", () => {
    expect(() => new BoundedMap(0)).toThrow(/at least one entry/);
    expect(() => new BoundedMap(1.5)).toThrow(RangeError);
  });
});
