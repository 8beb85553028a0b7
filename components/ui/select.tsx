"use client";

import type { ComponentProps } from "react";
import { cn, controlClass } from "./cn";
import { useFieldControl } from "./field";

export interface SelectOption {
  value: string;
  label: string;
  disabled?: boolean;
}

export interface SelectProps extends ComponentProps<"select"> {
  /** Rendered before `children`. */
  options?: readonly SelectOption[];
  /** Adds a first option with value "" (e.g. t("common.all") in a filter). */
  placeholder?: string;
}

/** A native <select>: keyboard, screen-reader and mobile behaviour for free. */
export function Select({ className, options, placeholder, children, ...props }: SelectProps) {
  const a11y = useFieldControl(props);
  return (
    <select {...props} {...a11y} className={cn(controlClass, "h-9 pe-8", className)}>
      {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
      {options?.map((o) => (
        <option key={o.value} value={o.value} disabled={o.disabled}>
          {o.label}
        </option>
      ))}
      {children}
    </select>
  );
}
