import { describe, expect, it } from "vitest";
import { canApply, distanceMeters, isOnline, parseImportCsv, splitCsvLine } from "./rules";

describe("device rules", () => {
  it("lifecycle: only listed transitions", () => {
    expect(canApply("ASSIGN", "IN_STOCK")).toBe(true);
    expect(canApply("ACTIVATE", "IN_STOCK")).toBe(false);
    expect(canApply("RESUME", "ACTIVE")).toBe(false);
    expect(canApply("SUSPEND", "RETIRED")).toBe(false);
    expect(canApply("RETIRE", "RETIRED")).toBe(false);
  });

  it("online within the timeout only", () => {
    const now = new Date("2026-11-28T00:10:00Z");
    expect(isOnline(null, 300, now)).toBe(false);
    expect(isOnline(new Date("2026-11-28T00:05:00Z"), 300, now)).toBe(true);
    expect(isOnline(new Date("2026-11-28T00:04:59Z"), 300, now)).toBe(false);
  });

  it("distance: about 1.11 km per 0.01° of latitude", () => {
    expect(distanceMeters({ lat: 31.23, lng: 121.47 }, { lat: 31.24, lng: 121.47 })).toBeGreaterThan(1100);
    expect(distanceMeters({ lat: 31.23, lng: 121.47 }, { lat: 31.24, lng: 121.47 })).toBeLessThan(1120);
    expect(distanceMeters({ lat: 31.23, lng: 121.47 }, { lat: 31.23, lng: 121.47 })).toBe(0);
  });

  it("CSV: quotes, header order, row-level errors", () => {
    expect(splitCsvLine('a,"b,c","d""e"')).toEqual(["a", "b,c", 'd"e']);
    const { rows, errors } = parseImportCsv("vendor,serialNumber,model\nWECHAT_FACE,SN0001,Qingwa\n,SN0002,\nALIPAY_FACE,bad sn,X\nOTHER,SN0001,dup\nnope,SN0003,\n");
    expect(rows.map((r) => [r.line, r.serialNumber, r.vendor])).toEqual([
      [2, "SN0001", "WECHAT_FACE"],
      [3, "SN0002", "OTHER"],
    ]);
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [4, "SERIAL_INVALID"],
      [5, "SERIAL_DUPLICATE_IN_FILE"],
      [6, "VENDOR_INVALID"],
    ]);
    expect(parseImportCsv("model\nX").errors[0]!.code).toBe("COLUMNS");
  });
});
