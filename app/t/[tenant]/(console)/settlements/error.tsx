"use client";

import { ErrorState } from "@/components/ui/states";

// A failure while rendering the settlements page on the server (e.g. the database is unreachable).
export default function SettlementsError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorState error={error} onRetry={reset} className="rounded-brand border border-border bg-card" />;
}
