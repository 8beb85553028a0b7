import type { FetchPage, FetchPageArgs } from "./table-state";

export interface CollectOptions<Row> {
  fetchPage: FetchPage<Row>;
  sort: FetchPageArgs["sort"];
  filters: FetchPageArgs["filters"];
  limit: number;
  signal: AbortSignal;
  /** Called after every page with the number of rows so far. */
  onProgress?: (rows: number) => void;
}

/**
 * Follows the keyset cursor to the end with the given sort and filters. Stops on abort (between
 * pages, even if fetchPage ignores the signal) and refuses a cursor that does not move, which
 * would otherwise loop forever against a buggy endpoint.
 */
export async function collectAllPages<Row>(options: CollectOptions<Row>): Promise<Row[]> {
  const { fetchPage, sort, filters, limit, signal, onProgress } = options;
  const rows: Row[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (;;) {
    signal.throwIfAborted();
    const page = await fetchPage({ cursor, limit, sort, filters, signal });
    signal.throwIfAborted();
    rows.push(...page.items);
    onProgress?.(rows.length);
    if (page.nextCursor === null) return rows;
    if (seen.has(page.nextCursor)) throw new Error(`Pagination cursor repeated: ${page.nextCursor}`);
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}
