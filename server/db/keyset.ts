import { badInput } from "@/server/core/errors/domain-error";

// Keyset (cursor) pagination: never OFFSET. A cursor is the last row's sort value and id.

export interface PageArgs {
  cursor?: string | null;
  limit?: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(value: string | number | null, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString("base64url");
}

export function decodeCursor(cursor: string): [string | number | null, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[1] === "string") {
      return [parsed[0] as string | number | null, parsed[1]];
    }
  } catch {
    // fall through
  }
  throw badInput("BAD_CURSOR", "The page cursor is not valid; reload the list", "cursor");
}

export function clampLimit(limit: number | undefined, max = 200): number {
  return Math.min(Math.max(limit ?? 50, 1), max);
}

/** Splits limit+1 fetched rows into a page and the next cursor. */
export function toPage<T>(rows: T[], limit: number, cursorOf: (row: T) => string): Page<T> {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: hasMore && last ? cursorOf(last) : null };
}

/** Prisma where-clause for "after this cursor" with ORDER BY (createdAt desc, id desc). */
export function afterCreatedAtDesc(cursor: string | null | undefined) {
  if (!cursor) return {};
  const [value, id] = decodeCursor(cursor);
  if (typeof value !== "string") throw badInput("BAD_CURSOR", "The page cursor is not valid; reload the list", "cursor");
  const at = new Date(value);
  return { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: id } }] };
}

export const cursorOfCreatedAt = (row: { createdAt: Date; id: string }) => encodeCursor(row.createdAt.toISOString(), row.id);

/**
 * Keyset pagination on any one sortable column plus id as the tie-breaker, either direction:
 * the where-clause for "after this cursor", the order and how to make the next cursor.
 */
export function keysetBy<F extends string>(field: F, kind: "date" | "text", desc: boolean, cursor: string | null | undefined) {
  const dir = desc ? ("desc" as const) : ("asc" as const);
  const cmp = desc ? "lt" : "gt";
  let where: Record<string, unknown> = {};
  if (cursor) {
    const [raw, id] = decodeCursor(cursor);
    if (typeof raw !== "string") throw badInput("BAD_CURSOR", "The page cursor is not valid; reload the list", "cursor");
    const value = kind === "date" ? new Date(raw) : raw;
    where = { OR: [{ [field]: { [cmp]: value } }, { [field]: value, id: { [cmp]: id } }] };
  }
  const orderBy = [{ [field]: dir }, { id: dir }] as Array<Record<string, "asc" | "desc">>;
  const cursorOf = (row: Record<string, unknown> & { id: string }) => {
    const v = row[field];
    return encodeCursor(v instanceof Date ? v.toISOString() : String(v), row.id);
  };
  return { where, orderBy, cursorOf };
}
