import { useCallback, useEffect, useRef, useState } from "react";
import { collectAllPages } from "./collect-pages";
import { csvFilename, rowsToCsv, type CsvColumn } from "./csv";
import type { FetchPage, SortState } from "./table-state";

export interface CsvExportConfig<Row> {
  filename: string;
  columns: CsvColumn<Row>[];
}

export type CsvExportState =
  | { status: "idle" }
  | { status: "running"; rows: number }
  | { status: "done"; rows: number }
  | { status: "error"; error: unknown };

// Large pages: an export is a batch job run from the browser, and fewer round trips matter more
// than time to first row. 200 is the largest page every list procedure accepts (keyset clampLimit).
const EXPORT_PAGE_SIZE = 200;

/** Saves CSV text as a file from the browser (the name made safe by csvFilename). */
export function downloadCsv(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = csvFilename(filename);
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: some browsers read the blob URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function useCsvExport<Row>(fetchPage: FetchPage<Row>, config: CsvExportConfig<Row> | undefined) {
  const [state, setState] = useState<CsvExportState>({ status: "idle" });
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback(
    async (sort: SortState | null, filters: Record<string, string>) => {
      if (!config || controller.current) return;
      const abort = new AbortController();
      controller.current = abort;
      setState({ status: "running", rows: 0 });
      try {
        const rows = await collectAllPages({
          fetchPage,
          sort,
          filters,
          limit: EXPORT_PAGE_SIZE,
          signal: abort.signal,
          onProgress: (n) => setState({ status: "running", rows: n }),
        });
        downloadCsv(config.filename, rowsToCsv(config.columns, rows));
        setState({ status: "done", rows: rows.length });
      } catch (error) {
        setState(abort.signal.aborted ? { status: "idle" } : { status: "error", error });
      } finally {
        if (controller.current === abort) controller.current = null;
      }
    },
    [fetchPage, config],
  );

  const cancel = useCallback(() => controller.current?.abort(), []);

  return { state, start, cancel };
}
