import type { DeviceStatus } from "@/server/db/generated/prisma/enums";

// Pure rules of the fleet: the lifecycle, online/offline, the 移机 distance and the CSV import.

export type DeviceAction = "ASSIGN" | "ACTIVATE" | "SUSPEND" | "RESUME" | "RETURN" | "RETIRE";

/** Which states each action may start from; the target state is fixed per action (RESUME goes back to suspendedFrom). */
export const ACTION_FROM: Record<DeviceAction, readonly DeviceStatus[]> = {
  ASSIGN: ["IN_STOCK", "RETURNED", "ASSIGNED"],
  ACTIVATE: ["ASSIGNED", "ACTIVE"],
  SUSPEND: ["ASSIGNED", "ACTIVE"],
  RESUME: ["SUSPENDED"],
  RETURN: ["ASSIGNED", "ACTIVE", "SUSPENDED"],
  RETIRE: ["IN_STOCK", "ASSIGNED", "ACTIVE", "SUSPENDED", "RETURNED"],
};

export function canApply(action: DeviceAction, from: DeviceStatus): boolean {
  return ACTION_FROM[action].includes(from);
}

/** Online when seen within the tenant's timeout. */
export function isOnline(lastSeenAt: Date | null, offlineAfterSeconds: number, now: Date): boolean {
  return lastSeenAt !== null && now.getTime() - lastSeenAt.getTime() <= offlineAfterSeconds * 1000;
}

/** Great-circle distance in metres (haversine). */
export function distanceMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const R = 6_371_000;
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return Math.round(2 * R * Math.asin(Math.min(1, Math.sqrt(h))));
}

export const SERIAL_PATTERN = /^[A-Za-z0-9_-]{4,64}$/;
export const VENDORS = ["WECHAT_FACE", "ALIPAY_FACE", "OTHER"] as const;
export type Vendor = (typeof VENDORS)[number];

export interface ImportRow {
  readonly line: number;
  readonly serialNumber: string;
  readonly model: string;
  readonly vendor: Vendor;
  readonly firmwareVersion: string | null;
}

export interface ImportRowError {
  readonly line: number;
  readonly serialNumber: string;
  /** A message key (devices.import.errors.*) and the column it is about. */
  readonly code: "SERIAL_INVALID" | "SERIAL_DUPLICATE_IN_FILE" | "VENDOR_INVALID" | "MODEL_TOO_LONG" | "SERIAL_EXISTS" | "COLUMNS";
  readonly column: string;
}

export const MAX_IMPORT_ROWS = 5000;

/** Splits one CSV line (RFC 4180 quotes, comma separated). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out.map((v) => v.trim());
}

/**
 * Parses the import file: a header naming serialNumber (required), model, vendor, firmwareVersion
 * in any order. Every row is checked; rows with errors are reported by line and column and none of
 * the file is imported until it has no errors (the console shows the preview first).
 */
export function parseImportCsv(text: string): { rows: ImportRow[]; errors: ImportRowError[] } {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "").map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name.toLowerCase());
  const iSerial = col("serialNumber");
  const rows: ImportRow[] = [];
  const errors: ImportRowError[] = [];
  if (iSerial === -1) return { rows, errors: [{ line: 1, serialNumber: "", code: "COLUMNS", column: "serialNumber" }] };
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === "") continue;
    const cells = splitCsvLine(raw);
    const line = i + 1;
    const serialNumber = cells[iSerial] ?? "";
    const model = col("model") >= 0 ? (cells[col("model")] ?? "") : "";
    const vendorText = (col("vendor") >= 0 ? (cells[col("vendor")] ?? "") : "").toUpperCase() || "OTHER";
    const firmware = col("firmwareVersion") >= 0 ? (cells[col("firmwareVersion")] ?? "") : "";
    let ok = true;
    if (!SERIAL_PATTERN.test(serialNumber)) {
      errors.push({ line, serialNumber, code: "SERIAL_INVALID", column: "serialNumber" });
      ok = false;
    } else if (seen.has(serialNumber)) {
      errors.push({ line, serialNumber, code: "SERIAL_DUPLICATE_IN_FILE", column: "serialNumber" });
      ok = false;
    }
    seen.add(serialNumber);
    if (!(VENDORS as readonly string[]).includes(vendorText)) {
      errors.push({ line, serialNumber, code: "VENDOR_INVALID", column: "vendor" });
      ok = false;
    }
    if (model.length > 64) {
      errors.push({ line, serialNumber, code: "MODEL_TOO_LONG", column: "model" });
      ok = false;
    }
    if (ok) rows.push({ line, serialNumber, model, vendor: vendorText as Vendor, firmwareVersion: firmware === "" ? null : firmware.slice(0, 64) });
  }
  return { rows, errors };
}
