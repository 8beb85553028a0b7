"use client";

import type { ReactNode } from "react";
import { useT } from "@/i18n/client";
import { Button } from "./button";
import { cn } from "./cn";

export interface EmptyStateProps {
  /** Defaults to t("common.empty"). */
  title?: ReactNode;
  description?: ReactNode;
  action?: ReactNode;
  className?: string;
}

export function EmptyState({ title, description, action, className }: EmptyStateProps) {
  const t = useT();
  return (
    <div className={cn("flex flex-col items-center gap-2 px-6 py-12 text-center", className)}>
      <p className="text-base font-medium text-foreground">{title ?? t("common.empty")}</p>
      {description ? <p className="max-w-md text-sm text-muted-foreground">{description}</p> : null}
      {action ? <div className="mt-2">{action}</div> : null}
    </div>
  );
}

export interface LoadingStateProps {
  /** Number of skeleton rows. */
  rows?: number;
  className?: string;
}

export function LoadingState({ rows = 5, className }: LoadingStateProps) {
  const t = useT();
  return (
    <div role="status" aria-live="polite" className={cn("flex flex-col gap-2 p-4", className)}>
      <span className="sr-only">{t("common.loading")}</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} aria-hidden="true" className="h-8 animate-pulse rounded-brand bg-muted motion-reduce:animate-none" />
      ))}
    </div>
  );
}

export interface ErrorStateProps {
  error: unknown;
  onRetry?: () => void;
  /** Defaults to t("common.errorTitle"). */
  title?: ReactNode;
  /** Smaller, left-aligned: for an error below content that is still shown (a failed next page). */
  compact?: boolean;
  className?: string;
}

export function errorMessage(error: unknown): string | null {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === "string" && error) return error;
  return null;
}

export function ErrorState({ error, onRetry, title, compact = false, className }: ErrorStateProps) {
  const t = useT();
  const message = errorMessage(error) ?? t("ui.unknownError");
  return (
    <div
      role="alert"
      className={cn(
        compact ? "flex flex-wrap items-center gap-3 px-4 py-3" : "flex flex-col items-center gap-2 px-6 py-12 text-center",
        className,
      )}
    >
      <p className="font-medium text-danger">{title ?? t("common.errorTitle")}</p>
      <p className="max-w-md break-words text-sm text-muted-foreground">{message}</p>
      {onRetry ? (
        <Button variant="secondary" size="sm" onClick={onRetry} className={compact ? undefined : "mt-2"}>
          {t("common.retry")}
        </Button>
      ) : null}
    </div>
  );
}
