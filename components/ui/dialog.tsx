"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";
import { useT } from "@/i18n/client";
import { cn, focusRing } from "./cn";

export interface DialogProps {
  open: boolean;
  /** Called for Escape, the close button and a backdrop click; the parent sets open=false. */
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  /** Action buttons, right-aligned. */
  footer?: ReactNode;
  size?: "sm" | "md" | "lg";
  /** false while something must not be interrupted (e.g. a payout being submitted). */
  dismissible?: boolean;
  className?: string;
}

const sizeClass = { sm: "max-w-sm", md: "max-w-lg", lg: "max-w-3xl" } as const;

/**
 * A modal on the native <dialog>: showModal() gives the focus trap, inert background, Escape and
 * top layer. What it does not do reliably everywhere, we add: focus goes back to the opener.
 */
export function Dialog({ open, onClose, title, description, children, footer, size = "md", dismissible = true, className }: DialogProps) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const pressStartedOnBackdrop = useRef(false);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      el.showModal();
    } else if (!open && el.open) {
      el.close();
    }
  }, [open]);

  // Unmounted while open (e.g. the page navigated): still give focus back.
  useEffect(() => () => opener.current?.focus(), []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      className={cn(
        // Preflight zeroes margins, which would pin the modal to the top-left corner.
        "m-auto w-[calc(100%-2rem)] rounded-brand border border-border bg-card p-0 text-foreground shadow-xl backdrop:bg-foreground/40",
        sizeClass[size],
        className,
      )}
      onCancel={(e) => {
        // Escape. Prevent the native close so that `open` stays the single source of truth.
        e.preventDefault();
        if (dismissible) onClose();
      }}
      onClose={() => {
        const target = opener.current;
        opener.current = null;
        target?.focus();
        if (open) onClose();
      }}
      onMouseDown={(e) => {
        pressStartedOnBackdrop.current = e.target === e.currentTarget;
      }}
      onClick={(e) => {
        // The dialog element has no padding, so a click whose target is the dialog itself landed
        // on the backdrop. Require the press to start there too, so selecting text and releasing
        // outside does not close it.
        if (dismissible && pressStartedOnBackdrop.current && e.target === e.currentTarget) onClose();
      }}
    >
      <div className="flex max-h-[85vh] flex-col">
        <div className="flex items-start justify-between gap-4 border-b border-border px-5 py-4">
          <div className="min-w-0">
            <h2 id={titleId} className="text-lg font-semibold">
              {title}
            </h2>
            {description ? (
              <p id={descriptionId} className="mt-1 text-sm text-muted-foreground">
                {description}
              </p>
            ) : null}
          </div>
          {dismissible ? (
            <button
              type="button"
              onClick={onClose}
              aria-label={t("common.close")}
              className={cn("-me-2 rounded-brand p-1.5 text-muted-foreground hover:bg-muted hover:text-foreground", focusRing)}
            >
              <svg aria-hidden="true" viewBox="0 0 16 16" className="size-4" fill="none" stroke="currentColor" strokeWidth="2">
                <path d="M4 4l8 8M12 4l-8 8" />
              </svg>
            </button>
          ) : null}
        </div>
        <div className="overflow-y-auto px-5 py-4">{children}</div>
        {footer ? <div className="flex flex-wrap justify-end gap-2 border-t border-border px-5 py-3">{footer}</div> : null}
      </div>
    </dialog>
  );
}
