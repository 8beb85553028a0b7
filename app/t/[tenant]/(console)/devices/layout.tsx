import type { ReactNode } from "react";
import { DevicesNav } from "@/components/devices/parts";

// The fleet's sections. Each page checks its own permission: a layout is not re-rendered on every
// navigation, so it cannot be the gate.
export default function DevicesLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <DevicesNav />
      {children}
    </>
  );
}
