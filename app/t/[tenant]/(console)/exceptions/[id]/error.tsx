"use client";

import { ErrorState } from "@/components/ui/states";

// A failure while rendering the exceptions page on the server (e.g. the database is unreachable). In
// production Next replaces the message with a digest, so nothing internal reaches the browser.
export default function ExceptionsError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorState error={error} onRetry={reset} className="rounded-brand border border-border bg-card" />;
}
