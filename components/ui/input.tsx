"use client";

import type { ComponentProps } from "react";
import { cn, controlClass } from "./cn";
import { useFieldControl } from "./field";

export function Input({ className, ...props }: ComponentProps<"input">) {
  const a11y = useFieldControl(props);
  return <input {...props} {...a11y} className={cn(controlClass, "h-9", className)} />;
}
