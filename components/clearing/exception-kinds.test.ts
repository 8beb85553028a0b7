import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { translator } from "@/i18n/translate";
import { EXCEPTION_KINDS } from "@/server/core/clearing/exception-kinds";
import { DEFAULT_SLA_HOURS } from "@/server/core/clearing/exceptions";
import { KINDS, kindLabel } from "./exception-queue";

// The server's list (server/core/clearing/exception-kinds.ts); the last test re-reads openException's
// callers so that a kind opened by name without being listed fails here.
const OPENED_KINDS = EXCEPTION_KINDS;

const en = translator("en");
const zh = translator("zh-CN");
const CJK = /[\u4e00-\u9fff]/;
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe("exception kinds", () => {
  it("the queue's type filter and the SLA defaults list every kind the server opens", () => {
    expect(sorted(KINDS)).toEqual(sorted(OPENED_KINDS));
    expect(sorted(Object.keys(DEFAULT_SLA_HOURS))).toEqual(sorted(OPENED_KINDS));
    for (const kind of OPENED_KINDS) {
      const hours = DEFAULT_SLA_HOURS[kind];
      expect.soft(Number.isInteger(hours) && hours !== undefined && hours >= 1 && hours <= 8760, kind).toBe(true);
    }
  });

  it("labels every kind in both languages", () => {
    for (const kind of OPENED_KINDS) {
      const zhLabel = kindLabel(zh, kind);
      const enLabel = kindLabel(en, kind);
      expect.soft(zhLabel, kind).not.toBe(kind);
      expect.soft(enLabel, kind).not.toBe(kind);
      expect.soft(zhLabel, kind).toMatch(CJK);
      expect.soft(enLabel, kind).not.toMatch(CJK);
      expect.soft(`${zhLabel} ${enLabel}`, kind).not.toContain("payments.");
    }
    // A kind a later module adds shows as its code.
    expect(kindLabel(en, "RECON_SOMETHING_NEW")).toBe("RECON_SOMETHING_NEW");
  });

  it("the list above holds every kind openException is called with by name", () => {
    const dir = path.resolve(import.meta.dirname, "../../server/core");
    const sources = readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((f) => f.isFile() && f.name.endsWith(".ts") && !f.name.endsWith(".test.ts"))
      .map((f) => readFileSync(path.join(f.parentPath, f.name), "utf8"));
    const constants = new Map<string, string>();
    for (const src of sources) for (const m of src.matchAll(/const ([A-Z_]+) = "([A-Z_]+)"/g)) if (m[1] && m[2]) constants.set(m[1], m[2]);
    const found = new Set<string>();
    for (const src of sources) {
      for (const call of src.matchAll(/openException\(tx, ctx, \{/g)) {
        // The kind of the call's object: a literal, or a constant; `kind` alone is RECON_<diffType> (listed above).
        const m = /\bkind(?:: (?:"([A-Z_]+)"|([A-Z_]+)\b))?[,\s]/.exec(src.slice(call.index, call.index + 600));
        const kind = m?.[1] ?? (m?.[2] ? constants.get(m[2]) : undefined);
        if (m?.[2]) expect(constants.has(m[2]), m[2]).toBe(true);
        if (kind) found.add(kind);
      }
    }
    expect(found.size).toBeGreaterThanOrEqual(5);
    const opened: readonly string[] = OPENED_KINDS;
    expect([...found].filter((k) => !opened.includes(k))).toEqual([]);
  });
});
