/** Joins class names, skipping falsy parts. No tailwind-merge (no new packages): callers should add classes, not fight the defaults. */
export function cn(...parts: Array<string | false | null | undefined>): string {
  return parts.filter(Boolean).join(" ");
}

/**
 * The one focus style. An outline rather than a box-shadow ring, because outlines survive Windows
 * forced-colours mode and box-shadows do not.
 */
export const focusRing =
  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-primary";

/** Shared look of text-like controls (input, select, textarea). */
export const controlClass = cn(
  "w-full rounded-brand border border-border bg-card px-3 text-sm text-foreground",
  "placeholder:text-muted-foreground disabled:cursor-not-allowed disabled:opacity-50",
  "aria-[invalid=true]:border-danger",
  focusRing,
);
