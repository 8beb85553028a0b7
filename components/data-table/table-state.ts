// Pure state of a data table: the fetch contract, filter normalisation, sort cycling, and the
// serialisation of filters/sort to the URL and of column visibility to localStorage.

export interface SortState {
  id: string;
  desc: boolean;
}

export interface FetchPageArgs {
  cursor: string | null;
  limit: number;
  sort: SortState | null;
  /** Only active filters: trimmed, never empty strings. */
  filters: Record<string, string>;
  /** Aborted when the query is superseded or an export is cancelled; pass it to fetch if you can. */
  signal?: AbortSignal;
}

export interface Page<Row> {
  items: Row[];
  nextCursor: string | null;
}

export type FetchPage<Row> = (args: FetchPageArgs) => Promise<Page<Row>>;

export interface FilterOption {
  value: string;
  label: string;
}

export interface FilterDef {
  id: string;
  label: string;
  type: "text" | "select" | "date";
  options?: FilterOption[];
  placeholder?: string;
}

/** Drops empty values and trims text, so "" and "  " are "no filter" and do not split the cache. */
export function activeFilters(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(values).sort()) {
    const value = values[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

export function hasActiveFilters(values: Record<string, string>): boolean {
  return Object.keys(activeFilters(values)).length > 0;
}

/**
 * Header click cycle: first click uses the column's preferred direction (descending first for
 * dates and amounts, where the newest/largest is what people look for), the second flips it, the
 * third clears the sort.
 */
export function nextSort(current: SortState | null, columnId: string, descFirst: boolean): SortState | null {
  if (!current || current.id !== columnId) return { id: columnId, desc: descFirst };
  if (current.desc === descFirst) return { id: columnId, desc: !descFirst };
  return null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a value read from outside (URL) is acceptable for this filter. */
export function isValidFilterValue(filter: FilterDef, value: string): boolean {
  if (value.length > 200) return false;
  if (filter.type === "date") return DATE.test(value);
  if (filter.type === "select") return (filter.options ?? []).some((o) => o.value === value);
  return true;
}

export interface TableUrlState {
  filters: Record<string, string>;
  sort: SortState | null;
}

/**
 * Reads `<key>.<filterId>=value` and `<key>.sort=[-]columnId` from a query string. Unknown
 * filters, invalid values and sorts on non-sortable columns are dropped: the URL is user input.
 */
export function readUrlState(
  search: string,
  key: string,
  filters: readonly FilterDef[],
  sortableIds: readonly string[],
): Partial<TableUrlState> {
  const params = new URLSearchParams(search);
  const state: Partial<TableUrlState> = {};
  const values: Record<string, string> = {};
  for (const filter of filters) {
    const value = params.get(`${key}.${filter.id}`)?.trim();
    if (value && isValidFilterValue(filter, value)) values[filter.id] = value;
  }
  if (Object.keys(values).length > 0) state.filters = values;
  const sort = params.get(`${key}.sort`);
  if (sort) {
    const desc = sort.startsWith("-");
    const id = desc ? sort.slice(1) : sort;
    if (sortableIds.includes(id)) state.sort = { id, desc };
  }
  return state;
}

/** Writes the table's state into a query string, keeping every parameter that is not the table's. */
export function writeUrlState(search: string, key: string, state: TableUrlState): string {
  const params = new URLSearchParams(search);
  for (const name of [...params.keys()]) {
    if (name.startsWith(`${key}.`)) params.delete(name);
  }
  for (const [id, value] of Object.entries(activeFilters(state.filters))) params.set(`${key}.${id}`, value);
  if (state.sort) params.set(`${key}.sort`, `${state.sort.desc ? "-" : ""}${state.sort.id}`);
  const out = params.toString();
  return out ? `?${out}` : "";
}

/** localStorage key for a table's hidden columns; the query key names the list. */
export function columnStorageKey(queryKey: readonly unknown[]): string {
  let name: string;
  try {
    name = JSON.stringify(queryKey);
  } catch {
    // A bigint or a cycle in the key: fall back to its string form rather than fail the page.
    name = queryKey.map(String).join("/");
  }
  return `switchyard:data-table:hidden-columns:${name}`;
}

/**
 * Stored as the list of hidden column ids, so a column added later shows by default. Ids that no
 * longer exist or cannot be hidden are ignored.
 */
export function parseHiddenColumns(raw: string | null, hideableIds: readonly string[]): Record<string, boolean> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (!Array.isArray(parsed)) return {};
  const visibility: Record<string, boolean> = {};
  for (const id of parsed) {
    if (typeof id === "string" && hideableIds.includes(id)) visibility[id] = false;
  }
  return visibility;
}

export function serializeHiddenColumns(visibility: Record<string, boolean>): string {
  return JSON.stringify(Object.keys(visibility).filter((id) => visibility[id] === false).sort());
}
