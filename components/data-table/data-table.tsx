"use client";

import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent, type ReactNode } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type VisibilityState } from "@tanstack/react-table";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { Input } from "@/components/ui/input";
import { ProgressBar } from "@/components/ui/progress";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, errorMessage, LoadingState } from "@/components/ui/states";
import { ColumnVisibilityMenu } from "./column-visibility-menu";
import {
  activeFilters,
  columnStorageKey,
  hasActiveFilters,
  nextSort,
  parseHiddenColumns,
  readUrlState,
  serializeHiddenColumns,
  writeUrlState,
  type FetchPage,
  type FilterDef,
  type Page,
  type SortState,
} from "./table-state";
import { useCsvExport, type CsvExportConfig } from "./use-csv-export";
import "./column-meta";

export type { FetchPage, FetchPageArgs, FilterDef, Page, SortState } from "./table-state";
export type { CsvExportConfig } from "./use-csv-export";

export interface DataTableProps<Row> {
  /**
   * Names the list in the query cache (invalidate it to refetch) and keys the saved column choice.
   * Include everything fetchPage closes over (e.g. a merchant id): fetchPage itself is not compared.
   */
  queryKey: readonly unknown[];
  /** Server-side keyset pagination, sort and filter: the table never sorts or filters locally. */
  fetchPage: FetchPage<Row>;
  /**
   * A column is sortable only with `enableSorting: true`; `sortDescFirst` makes the first click
   * sort descending. `meta.align: "right"` for numbers, `meta.label` when `header` is not a string,
   * `enableHiding: false` to keep a column out of the column menu.
   */
  columns: ColumnDef<Row, unknown>[];
  getRowId: (row: Row) => string;
  /** Makes the row clickable and focusable (Enter/Space). Ignored when rowHref is set. */
  onRowClick?: (row: Row) => void;
  /** Adds a "Details" link per row; the whole row is clickable too (Ctrl/Cmd-click opens a tab). */
  rowHref?: (row: Row) => string;
  filters?: FilterDef[];
  csv?: CsvExportConfig<Row>;
  /** Accessible name (visually hidden caption). Strongly recommended. */
  label?: string;
  pageSize?: number;
  initialSort?: SortState | null;
  /** Mirror filters and sort in the URL as `<key>.<filter>=…` and `<key>.sort=-column`, so links and Back keep them. */
  urlStateKey?: string;
  /** Empty state when no filters are active (with filters, a "no matches" state with a reset button is shown). */
  emptyTitle?: ReactNode;
  emptyDescription?: ReactNode;
  emptyAction?: ReactNode;
  /** Extra buttons at the right of the toolbar. */
  toolbar?: ReactNode;
  className?: string;
}

const TEXT_FILTER_DEBOUNCE_MS = 300;
const INTERACTIVE = "a, button, input, select, textarea, label, summary, [role='button'], [role='link']";

export function DataTable<Row>({
  queryKey,
  fetchPage,
  columns,
  getRowId,
  onRowClick,
  rowHref,
  filters = [],
  csv,
  label,
  pageSize = 50,
  initialSort = null,
  urlStateKey,
  emptyTitle,
  emptyDescription,
  emptyAction,
  toolbar,
  className,
}: DataTableProps<Row>) {
  const { locale, t } = useI18n();
  const router = useRouter();
  const baseId = useId();

  // `draft` is what the inputs show; `applied` is what the server is asked for (text is debounced).
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [applied, setApplied] = useState<Record<string, string>>({});
  const [sort, setSort] = useState<SortState | null>(initialSort);
  // With URL state, wait one effect for the URL to be read, so the first fetch already has it.
  const [ready, setReady] = useState(urlStateKey === undefined);
  const [columnVisibility, setColumnVisibility] = useState<VisibilityState>({});
  const [visibilityLoaded, setVisibilityLoaded] = useState(false);
  const debounceTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const query = useInfiniteQuery({
    queryKey: [...queryKey, { sort, filters: applied, limit: pageSize }],
    queryFn: ({ pageParam, signal }) => fetchPage({ cursor: pageParam, limit: pageSize, sort, filters: applied, signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last: Page<Row>) => last.nextCursor,
    // Keep the old rows on screen (dimmed) while a new sort or filter loads.
    placeholderData: keepPreviousData,
    enabled: ready,
  });

  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);

  const table = useReactTable({
    data: rows,
    columns,
    getRowId: (row) => getRowId(row),
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualFiltering: true,
    manualPagination: true,
    state: { columnVisibility, sorting: sort ? [sort] : [] },
    onColumnVisibilityChange: setColumnVisibility,
  });

  const leafColumns = table.getAllLeafColumns();
  const sortableIds = leafColumns.filter((c) => c.columnDef.enableSorting === true).map((c) => c.id);
  const hideableKey = leafColumns
    .filter((c) => c.getCanHide())
    .map((c) => c.id)
    .join("\u0000");

  // --- URL state -------------------------------------------------------------------------------
  useEffect(() => {
    if (urlStateKey === undefined) return;
    const state = readUrlState(window.location.search, urlStateKey, filters, sortableIds);
    if (state.filters) {
      setDraft(state.filters);
      setApplied(activeFilters(state.filters));
    }
    if (state.sort) setSort(state.sort);
    setReady(true);
    // Read once on mount; later changes flow the other way (state → URL).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (urlStateKey === undefined || !ready) return;
    const search = writeUrlState(window.location.search, urlStateKey, { filters: applied, sort });
    if (search !== window.location.search) {
      // replaceState (not the router) so typing in a filter neither re-renders the route nor
      // floods history; Next keeps useSearchParams in sync with it. Its own state is preserved.
      window.history.replaceState(window.history.state, "", `${window.location.pathname}${search}${window.location.hash}`);
    }
  }, [urlStateKey, ready, applied, sort]);

  // --- column visibility, persisted per list ---------------------------------------------------
  const storageKey = columnStorageKey(queryKey);
  useEffect(() => {
    let stored: string | null = null;
    try {
      stored = window.localStorage.getItem(storageKey);
    } catch {
      // Storage can be disabled (privacy mode); the default columns are fine.
    }
    setColumnVisibility(parseHiddenColumns(stored, hideableKey ? hideableKey.split("\u0000") : []));
    setVisibilityLoaded(true);
  }, [storageKey, hideableKey]);

  useEffect(() => {
    if (!visibilityLoaded) return;
    try {
      window.localStorage.setItem(storageKey, serializeHiddenColumns(columnVisibility));
    } catch {
      // See above.
    }
  }, [storageKey, columnVisibility, visibilityLoaded]);

  // --- filters ---------------------------------------------------------------------------------
  useEffect(
    () => () => {
      if (debounceTimer.current) clearTimeout(debounceTimer.current);
    },
    [],
  );

  function applyNow(next: Record<string, string>) {
    if (debounceTimer.current) clearTimeout(debounceTimer.current);
    debounceTimer.current = null;
    setApplied(activeFilters(next));
  }

  function setFilter(filter: FilterDef, value: string) {
    const next = { ...draft, [filter.id]: value };
    setDraft(next);
    if (filter.type !== "text") {
      applyNow(next);
      return;
    }
    if (debounceTimer.current) clearTimeout(debounceTimer.current);
    debounceTimer.current = setTimeout(() => {
      debounceTimer.current = null;
      setApplied(activeFilters(next));
    }, TEXT_FILTER_DEBOUNCE_MS);
  }

  function resetFilters() {
    setDraft({});
    applyNow({});
  }

  // --- infinite loading ------------------------------------------------------------------------
  const { hasNextPage, isFetchingNextPage, isFetchNextPageError, isPlaceholderData, fetchNextPage } = query;
  const canAutoLoad = rows.length > 0 && hasNextPage && !isFetchingNextPage && !isFetchNextPageError && !isPlaceholderData;
  const sentinelRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinelRef.current;
    if (!el || !canAutoLoad) return;
    // Re-created after every page, so if the sentinel is still visible the next page follows
    // until the viewport is filled. Stops on an error until the user retries.
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void fetchNextPage();
      },
      { rootMargin: "200px" },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [canAutoLoad, fetchNextPage]);

  // --- export ----------------------------------------------------------------------------------
  const exporter = useCsvExport(fetchPage, csv);

  function startExport() {
    // Export what the inputs show, including text typed within the debounce window.
    applyNow(draft);
    void exporter.start(sort, activeFilters(draft));
  }

  // --- rows ------------------------------------------------------------------------------------
  function onRowMouseClick(e: MouseEvent<HTMLTableRowElement>, row: Row, href: string | undefined) {
    const interactive = e.target instanceof Element ? e.target.closest(INTERACTIVE) : null;
    if (interactive && e.currentTarget.contains(interactive)) return;
    // Selecting an order number to copy it is not a click on the row.
    if (window.getSelection()?.toString()) return;
    if (href !== undefined) {
      if (e.metaKey || e.ctrlKey) window.open(href, "_blank", "noopener");
      else router.push(href);
    } else {
      onRowClick?.(row);
    }
  }

  function onRowKeyDown(e: KeyboardEvent<HTMLTableRowElement>, row: Row) {
    if (e.target !== e.currentTarget || (e.key !== "Enter" && e.key !== " ")) return;
    e.preventDefault();
    onRowClick?.(row);
  }

  const filtered = hasActiveFilters(applied);
  const captionId = `${baseId}-caption`;

  let body: ReactNode;
  if (query.status === "pending") {
    body = <LoadingState rows={Math.min(pageSize, 6)} />;
  } else if (query.status === "error" && rows.length === 0) {
    body = <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  } else if (rows.length === 0) {
    body = filtered ? (
      <EmptyState
        title={t("ui.noMatchesTitle")}
        description={t("ui.noMatchesDescription")}
        action={
          <Button variant="secondary" size="sm" onClick={resetFilters}>
            {t("ui.resetFilters")}
          </Button>
        }
      />
    ) : (
      <EmptyState title={emptyTitle} description={emptyDescription} action={emptyAction} />
    );
  } else {
    body = (
      <>
        <div
          className={cn("overflow-x-auto", label && focusRing)}
          // A scrollable region must be reachable by keyboard to be scrolled.
          tabIndex={label ? 0 : undefined}
          role={label ? "region" : undefined}
          aria-labelledby={label ? captionId : undefined}
        >
          <table aria-busy={isPlaceholderData || undefined} className={cn("w-full border-collapse text-sm", isPlaceholderData && "opacity-60")}>
            {label ? (
              <caption id={captionId} className="sr-only">
                {label}
              </caption>
            ) : null}
            <thead className="bg-muted">
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((header) => {
                    const column = header.column;
                    const sortable = column.columnDef.enableSorting === true && !header.isPlaceholder;
                    const sorted = sort?.id === column.id ? sort : null;
                    const right = column.columnDef.meta?.align === "right";
                    return (
                      <th
                        key={header.id}
                        scope="col"
                        colSpan={header.colSpan}
                        aria-sort={sortable ? (sorted ? (sorted.desc ? "descending" : "ascending") : "none") : undefined}
                        className={cn("whitespace-nowrap px-3 py-2 font-medium text-muted-foreground", right ? "text-right" : "text-left")}
                      >
                        {header.isPlaceholder ? null : sortable ? (
                          <button
                            type="button"
                            onClick={() => setSort((s) => nextSort(s, column.id, column.columnDef.sortDescFirst ?? false))}
                            className={cn(
                              "inline-flex items-center gap-1 rounded-brand hover:text-foreground",
                              right && "flex-row-reverse",
                              sorted && "text-foreground",
                              focusRing,
                            )}
                          >
                            {flexRender(column.columnDef.header, header.getContext())}
                            <SortIcon direction={sorted ? (sorted.desc ? "desc" : "asc") : null} />
                          </button>
                        ) : (
                          flexRender(column.columnDef.header, header.getContext())
                        )}
                      </th>
                    );
                  })}
                  {rowHref ? (
                    <th scope="col" className="px-3 py-2">
                      <span className="sr-only">{t("common.actions")}</span>
                    </th>
                  ) : null}
                </tr>
              ))}
            </thead>
            <tbody>
              {table.getRowModel().rows.map((row) => {
                const href = rowHref?.(row.original);
                const clickable = href !== undefined || onRowClick !== undefined;
                const keyboardRow = href === undefined && onRowClick !== undefined;
                return (
                  <tr
                    key={row.id}
                    onClick={clickable ? (e) => onRowMouseClick(e, row.original, href) : undefined}
                    onKeyDown={keyboardRow ? (e) => onRowKeyDown(e, row.original) : undefined}
                    tabIndex={keyboardRow ? 0 : undefined}
                    className={cn(
                      "border-t border-border",
                      clickable && "cursor-pointer hover:bg-muted/60",
                      keyboardRow && "focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-primary",
                    )}
                  >
                    {row.getVisibleCells().map((cell) => (
                      <td
                        key={cell.id}
                        className={cn("px-3 py-2 align-middle", cell.column.columnDef.meta?.align === "right" && "text-right")}
                      >
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </td>
                    ))}
                    {href !== undefined ? (
                      <td className="whitespace-nowrap px-3 py-2 text-right">
                        <Link href={href} className={cn("rounded-brand text-primary underline-offset-2 hover:underline", focusRing)}>
                          {t("common.details")}
                        </Link>
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        {query.isError ? (
          <ErrorState
            compact
            className="border-t border-border"
            error={query.error}
            onRetry={() => void (isFetchNextPageError ? fetchNextPage() : query.refetch())}
          />
        ) : null}
        <div className="flex items-center justify-between gap-3 border-t border-border px-3 py-2 text-sm text-muted-foreground">
          <span aria-live="polite" className="tabular">
            {t("ui.rowsShown", { count: formatNumber(rows.length, locale) })}
          </span>
          {hasNextPage ? (
            <Button variant="secondary" size="sm" loading={isFetchingNextPage} disabled={isPlaceholderData} onClick={() => void fetchNextPage()}>
              {isFetchingNextPage ? t("ui.loadingMore") : t("common.loadMore")}
            </Button>
          ) : (
            <span>{t("ui.endOfList")}</span>
          )}
        </div>
        <div ref={sentinelRef} aria-hidden="true" className="h-px" />
      </>
    );
  }

  const exportState = exporter.state;

  return (
    <div className={cn("rounded-brand border border-border bg-card text-foreground", className)}>
      <div className="flex flex-wrap items-end justify-between gap-3 border-b border-border p-3">
        {filters.length > 0 ? (
          <form
            role="search"
            aria-label={t("ui.filters")}
            className="flex flex-wrap items-end gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              applyNow(draft);
            }}
          >
            {filters.map((filter) => {
              const id = `${baseId}-filter-${filter.id}`;
              const value = draft[filter.id] ?? "";
              return (
                <div key={filter.id} className={cn("flex flex-col gap-1", filter.type === "text" ? "w-48" : "w-40")}>
                  <label htmlFor={id} className="text-xs font-medium text-muted-foreground">
                    {filter.label}
                  </label>
                  {filter.type === "select" ? (
                    <Select
                      id={id}
                      value={value}
                      onChange={(e) => setFilter(filter, e.target.value)}
                      placeholder={t("common.all")}
                      options={filter.options ?? []}
                    />
                  ) : (
                    <Input
                      id={id}
                      type={filter.type === "date" ? "date" : "search"}
                      value={value}
                      placeholder={filter.placeholder}
                      onChange={(e) => setFilter(filter, e.target.value)}
                    />
                  )}
                </div>
              );
            })}
            {hasActiveFilters(draft) ? (
              <Button variant="ghost" onClick={resetFilters}>
                {t("ui.resetFilters")}
              </Button>
            ) : null}
          </form>
        ) : (
          <span />
        )}
        <div className="flex flex-wrap items-center gap-2">
          {toolbar}
          <ColumnVisibilityMenu columns={leafColumns} />
          {csv ? (
            <Button variant="secondary" onClick={startExport} disabled={exportState.status === "running"}>
              {t("common.exportCsv")}
            </Button>
          ) : null}
        </div>
      </div>

      {exportState.status === "running" ? (
        <div className="flex items-end gap-3 border-b border-border px-3 py-2">
          <ProgressBar
            className="flex-1"
            label={t("ui.exporting")}
            done={exportState.rows}
            valueText={t("ui.exportRowsFetched", { count: formatNumber(exportState.rows, locale) })}
          />
          <Button variant="ghost" size="sm" onClick={exporter.cancel}>
            {t("common.cancel")}
          </Button>
        </div>
      ) : null}
      <div role="status" className="empty:hidden">
        {exportState.status === "done" ? (
          <p className="border-b border-border px-3 py-2 text-sm text-success">
            {t("ui.exportDone", { count: formatNumber(exportState.rows, locale) })}
          </p>
        ) : exportState.status === "error" ? (
          <p className="border-b border-border px-3 py-2 text-sm text-danger">
            {t("ui.exportFailed", { message: errorMessage(exportState.error) ?? t("ui.unknownError") })}
          </p>
        ) : null}
      </div>

      {body}
    </div>
  );
}

function SortIcon({ direction }: { direction: "asc" | "desc" | null }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" className={cn("size-3.5", direction === null && "opacity-40")} fill="currentColor">
      {direction !== "desc" ? <path d="M8 3l4 5H4z" /> : null}
      {direction !== "asc" ? <path d="M8 13l4-5H4z" /> : null}
    </svg>
  );
}
