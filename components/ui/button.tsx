import type { ComponentProps } from "react";
import { cn, focusRing } from "./cn";
import { Spinner } from "./spinner";

export type ButtonVariant = "primary" | "secondary" | "ghost" | "danger";
export type ButtonSize = "sm" | "md" | "lg" | "icon";

const variantClass: Record<ButtonVariant, string> = {
  primary: "bg-primary text-primary-foreground hover:bg-primary/90",
  secondary: "border border-border bg-card text-foreground hover:bg-muted",
  ghost: "text-foreground hover:bg-muted",
  // Tinted rather than solid: there is no danger-foreground token, and the tenant's
  // primary-foreground may not be readable on red.
  danger: "border border-danger/40 bg-danger/10 text-danger hover:bg-danger/15",
};

const sizeClass: Record<ButtonSize, string> = {
  sm: "h-8 gap-1.5 px-3 text-sm",
  md: "h-9 gap-2 px-4 text-sm",
  lg: "h-10 gap-2 px-5 text-base",
  icon: "size-9",
};

/** Button look for other elements too, e.g. a Next <Link> in a page header. */
export function buttonClass(variant: ButtonVariant = "primary", size: ButtonSize = "md", className?: string): string {
  return cn(
    "inline-flex items-center justify-center whitespace-nowrap rounded-brand font-medium transition-colors",
    "disabled:cursor-not-allowed disabled:opacity-50",
    focusRing,
    variantClass[variant],
    sizeClass[size],
    className,
  );
}

export interface ButtonProps extends ComponentProps<"button"> {
  variant?: ButtonVariant;
  size?: ButtonSize;
  /** Disables the button and shows a spinner; keep the label so the button does not change width. */
  loading?: boolean;
}

/** type defaults to "button": a stray submit inside a form is a worse bug than a missing type. */
export function Button({ variant, size, loading = false, disabled, className, type = "button", children, ...props }: ButtonProps) {
  return (
    <button
      type={type}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
      className={buttonClass(variant, size, className)}
      {...props}
    >
      {loading ? <Spinner /> : null}
      {children}
    </button>
  );
}
