import type { ReactNode } from "react";
import { WalletsNav } from "@/components/wallets/parts";

// The sections of wallets and payouts. Each page below checks the settlement mode and its own
// permission: a layout is not re-rendered on every navigation, so it cannot be the gate.
export default function WalletsLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <WalletsNav />
      {children}
    </>
  );
}
