"use client";

import type { ComponentProps } from "react";
import { cn, controlClass } from "./cn";
import { useFieldControl } from "./field";

export function Textarea({ className, rows = 4, ...props }: ComponentProps<"textarea">) {
  const a11y = useFieldControl(props);
  return <textarea rows={rows} {...props} {...a11y} className={cn(controlClass, "py-2", className)} />;
}
