import type { RowData } from "@tanstack/react-table";

// What DataTable reads from a column's `meta`. Declared once here so column files get it typed.
declare module "@tanstack/react-table" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the signature must match table-core's
  interface ColumnMeta<TData extends RowData, TValue> {
    /** Name in the column menu when `header` is not a plain string. */
    label?: string;
    /** "right" for amounts and counts (header and cells). */
    align?: "left" | "right";
  }
}

export {};
