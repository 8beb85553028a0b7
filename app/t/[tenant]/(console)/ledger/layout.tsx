import type { ReactNode } from "react";
import { LedgerNav } from "@/components/ledger/ledger-nav";
import { pagePermission } from "@/server/api/page-guards";

// The sections of the ledger. Each page below still checks its own permission: a layout is not
// re-rendered on every navigation, so it cannot be the gate.
export default async function LedgerLayout({ children }: { children: ReactNode }) {
  const { allowed } = await pagePermission("ledger.read");
  return (
    <>
      {allowed ? <LedgerNav /> : null}
      {children}
    </>
  );
}
