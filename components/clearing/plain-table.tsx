import type { ReactNode } from "react";
import { cn } from "@/components/ui/cn";

export const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
export const td = "px-3 py-2 align-top";

/** A column heading; `end` right-aligns it over amounts and counts. */
export type PlainColumn = string | { readonly label: string; readonly end: true };

/** A small read-only table with a muted heading row (the statement templates' lists and preview). */
export function PlainTable({ columns, caption, testId, className, children }: { columns: readonly PlainColumn[]; caption?: string; testId?: string; className?: string; children: ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className={cn("w-full border-collapse text-sm", className)} data-testid={testId}>
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead className="bg-muted">
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={cn(th, typeof c !== "string" && "text-right")}>
                {typeof c === "string" ? c : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
