"use client";

import { Button, type ButtonVariant } from "./button";
import { useT } from "@/i18n/client";

/** The end of every dialog form: the general error (if any), Cancel and the submit button. */
export function FormFooter({
  error,
  onCancel,
  loading,
  submitLabel,
  submitVariant = "primary",
  className = "",
}: {
  error?: string | null;
  onCancel: () => void;
  loading: boolean;
  submitLabel?: string;
  submitVariant?: ButtonVariant;
  className?: string;
}) {
  const t = useT();
  return (
    <>
      {error ? (
        <p role="alert" className={`text-sm text-danger ${className}`}>
          {error}
        </p>
      ) : null}
      <div className={`flex justify-end gap-2 ${className}`}>
        <Button variant="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
        <Button type="submit" variant={submitVariant} loading={loading}>
          {submitLabel ?? t("common.create")}
        </Button>
      </div>
    </>
  );
}
