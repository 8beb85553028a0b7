"use client";

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useT } from "@/i18n/client";
import { cn, focusRing } from "./cn";

type ToastTone = "success" | "error";

interface ToastItem {
  id: number;
  tone: ToastTone;
  message: string;
}

export interface ToastApi {
  success: (message: string) => void;
  error: (message: string) => void;
  dismiss: (id: number) => void;
}

const ToastContext = createContext<ToastApi | null>(null);

const SUCCESS_MS = 5000;
const MAX_VISIBLE = 5;

/**
 * Success toasts go away after a few seconds; error toasts stay until dismissed, because an error
 * someone did not get to read is an error nobody acts on.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const t = useT();
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    const timer = timers.current.get(id);
    if (timer) clearTimeout(timer);
    timers.current.delete(id);
    setToasts((list) => list.filter((x) => x.id !== id));
  }, []);

  const push = useCallback(
    (tone: ToastTone, message: string) => {
      const id = nextId.current++;
      setToasts((list) => [...list, { id, tone, message }].slice(-MAX_VISIBLE));
      if (tone === "success") timers.current.set(id, setTimeout(() => dismiss(id), SUCCESS_MS));
    },
    [dismiss],
  );

  useEffect(() => {
    const map = timers.current;
    return () => map.forEach((timer) => clearTimeout(timer));
  }, []);

  const api = useMemo<ToastApi>(
    () => ({ success: (m) => push("success", m), error: (m) => push("error", m), dismiss }),
    [push, dismiss],
  );

  return (
    <ToastContext.Provider value={api}>
      {children}
      {/* Always rendered: a live region must exist before its content changes to be announced. */}
      <section aria-label={t("ui.notifications")} className="pointer-events-none fixed inset-x-4 bottom-4 z-50 flex justify-end">
        <ol aria-live="polite" className="flex w-full max-w-sm flex-col gap-2">
          {toasts.map((toast) => (
            <li
              key={toast.id}
              className={cn(
                "pointer-events-auto flex items-start gap-3 rounded-brand border border-border border-s-4 bg-card px-4 py-3 text-sm text-foreground shadow-lg",
                toast.tone === "success" ? "border-s-success" : "border-s-danger",
              )}
            >
              <p className="min-w-0 flex-1 break-words">{toast.message}</p>
              <button
                type="button"
                onClick={() => dismiss(toast.id)}
                aria-label={t("ui.dismiss")}
                className={cn("-me-1 rounded-brand p-1 text-muted-foreground hover:bg-muted hover:text-foreground", focusRing)}
              >
                <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="2">
                  <path d="M4 4l8 8M12 4l-8 8" />
                </svg>
              </button>
            </li>
          ))}
        </ol>
      </section>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const value = useContext(ToastContext);
  if (!value) throw new Error("useToast outside ToastProvider");
  return value;
}
