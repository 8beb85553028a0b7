"use client";

import { ErrorState } from "./states";

/**
 * A console page's error boundary (each route's error.tsx): a failure while rendering the page on
 * the server (e.g. the database is unreachable), with a retry. In production Next replaces the
 * message with a digest, so nothing internal reaches the browser.
 */
export function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorState error={error} onRetry={reset} className="rounded-brand border border-border bg-card" />;
}
