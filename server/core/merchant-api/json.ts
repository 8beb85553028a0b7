// JSON for the merchant API: bigint (money in minor units) is written as a JSON integer with every
// digit, which JSON.stringify refuses and a string replacer can only fake. Dates become ISO
// strings; objects with toJSON (Prisma's Decimal) use it; undefined members are left out.

export function toApiJson(value: unknown): string {
  const out = write(value, new Set());
  return out === undefined ? "null" : out;
}

function write(value: unknown, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return "null";
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError("toApiJson: circular structure");
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return `[${obj.map((v) => write(v, seen) ?? "null").join(",")}]`;
    const withToJson = obj as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === "function") return write(withToJson.toJSON(), seen);
    const members: string[] = [];
    for (const [k, v] of Object.entries(obj)) {
      const text = write(v, seen);
      if (text !== undefined) members.push(`${JSON.stringify(k)}:${text}`);
    }
    return `{${members.join(",")}}`;
  } finally {
    seen.delete(obj);
  }
}
