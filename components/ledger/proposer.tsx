"use client";

import { useT } from "@/i18n/client";

/**
 * Who proposed or decided: proposals keep the user id, and a finance user cannot list users, so
 * the reader sees "you" for themselves and a short id for anyone else (the audit log has the rest).
 */
export function Proposer({ userId, meId }: { userId: string | null; meId: string }) {
  const t = useT();
  if (!userId) return <span className="text-muted-foreground">—</span>;
  if (userId === meId) return <span className="font-medium">{t("ledger.you")}</span>;
  return (
    <span className="font-mono text-xs" title={userId}>
      {userId.slice(0, 8)}
    </span>
  );
}
