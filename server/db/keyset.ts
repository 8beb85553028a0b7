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
