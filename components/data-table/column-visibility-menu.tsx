"use client";

import { useEffect, useId, useRef, useState } from "react";
import type { Column } from "@tanstack/react-table";
import { useT } from "@/i18n/client";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import "./column-meta";

export function columnLabel<Row>(column: Column<Row, unknown>): string {
  const header = column.columnDef.header;
  return column.columnDef.meta?.label ?? (typeof header === "string" ? header : column.id);
}

/** A disclosure with one checkbox per hideable column; Escape or a click outside closes it. */
export function ColumnVisibilityMenu<Row>({ columns }: { columns: Column<Row, unknown>[] }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const hideable = columns.filter((c) => c.getCanHide());
  const visibleCount = columns.filter((c) => c.getIsVisible()).length;

  useEffect(() => {
    if (!open) return;
    function onPointerDown(e: PointerEvent) {
      if (e.target instanceof Node && !rootRef.current?.contains(e.target)) setOpen(false);
    }
    function onKeyDown(e: KeyboardEvent) {
      if (e.key === "Escape") {
        setOpen(false);
        buttonRef.current?.focus();
      }
    }
    document.addEventListener("pointerdown", onPointerDown);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [open]);

  if (hideable.length === 0) return null;

  return (
    <div ref={rootRef} className="relative">
      <Button
        ref={buttonRef}
        variant="secondary"
        aria-expanded={open}
        aria-controls={panelId}
        title={t("ui.showColumns")}
        onClick={() => setOpen((v) => !v)}
      >
        {t("common.columns")}
      </Button>
      <div
        id={panelId}
        hidden={!open}
        className="absolute end-0 z-20 mt-1 min-w-48 rounded-brand border border-border bg-card p-2 shadow-lg"
      >
        <fieldset>
          <legend className="sr-only">{t("ui.showColumns")}</legend>
          {hideable.map((column) => {
            const visible = column.getIsVisible();
            return (
              <label key={column.id} className="flex cursor-pointer items-center gap-2 rounded-brand px-2 py-1.5 text-sm hover:bg-muted">
                <input
                  type="checkbox"
                  checked={visible}
                  // Hiding the last visible column would leave an empty table with no way to read it.
                  disabled={visible && visibleCount <= 1}
                  onChange={(e) => column.toggleVisibility(e.target.checked)}
                  className={cn("size-4 accent-primary", focusRing)}
                />
                {columnLabel(column)}
              </label>
            );
          })}
        </fieldset>
      </div>
    </div>
  );
}
