"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { ToastProvider } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import type { MessageKey } from "@/i18n/catalogue";
import { LanguageSwitcher } from "./language-switcher";

export interface NavItem {
  href: string;
  label: MessageKey;
  group: "business" | "administration" | "merchantPortal";
}

export function ConsoleShell({
  brandName,
  hasLogo,
  user,
  nav,
  accountHref = "/account",
  saveLocale = true,
  children,
}: {
  /** Tenant users keep their language on their account; the platform console only sets the cookie. */
  saveLocale?: boolean;
  accountHref?: string;
  brandName: string;
  hasLogo: boolean;
  user: { name: string; email: string; roleLabel: string };
  nav: NavItem[];
  children: ReactNode;
}) {
  const t = useT();
  const pathname = usePathname();
  const trpc = useTRPC();
  const setLocale = useMutation(trpc.account.setLocale.mutationOptions());
  const active = (href: string) => (href === "/" || href === "/m" ? pathname === href : pathname === href || pathname.startsWith(`${href}/`));

  async function signOut() {
    await fetch("/api/auth/sign-out", { method: "POST" });
    window.location.assign("/login");
  }

  const groups: Array<NavItem["group"]> = ["business", "administration", "merchantPortal"];
  return (
    <ToastProvider>
      <div className="flex min-h-screen">
        <aside className="hidden w-60 shrink-0 flex-col border-r border-border bg-card md:flex">
          <div className="flex items-center gap-2 border-b border-border px-4 py-4">
            {hasLogo ? <img src="/api/brand/logo" alt="" className="h-8 w-8 rounded-brand object-contain" /> : <span className="h-8 w-8 rounded-brand bg-primary" aria-hidden />}
            <span className="truncate font-semibold" data-testid="brand-name">
              {brandName}
            </span>
          </div>
          <nav aria-label={t("nav.menu")} className="flex-1 space-y-4 p-3">
            {groups.map((g) => {
              const items = nav.filter((n) => n.group === g);
              if (!items.length) return null;
              return (
                <div key={g}>
                  <p className="px-2 pb-1 text-xs font-medium uppercase tracking-wide text-muted-foreground">{t(`nav.${g}`)}</p>
                  <ul className="space-y-0.5">
                    {items.map((item) => (
                      <li key={item.href}>
                        <Link
                          href={item.href}
                          aria-current={active(item.href) ? "page" : undefined}
                          className={`block rounded-brand px-2 py-1.5 text-sm ${active(item.href) ? "bg-primary text-primary-foreground" : "hover:bg-muted"}`}
                        >
                          {t(item.label)}
                        </Link>
                      </li>
                    ))}
                  </ul>
                </div>
              );
            })}
          </nav>
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="flex items-center justify-between gap-4 border-b border-border bg-card px-6 py-3">
            <span className="font-semibold md:hidden">{brandName}</span>
            <div className="ml-auto flex items-center gap-4">
              <LanguageSwitcher {...(saveLocale ? { onSaved: (locale: "zh-CN" | "en") => setLocale.mutateAsync({ locale }) } : {})} />
              <Link href={accountHref} className="text-sm" data-testid="current-user">
                {user.name} <span className="text-muted-foreground">· {user.roleLabel}</span>
              </Link>
              <button type="button" onClick={signOut} className="rounded-brand border border-border px-3 py-1 text-sm hover:bg-muted">
                {t("common.signOut")}
              </button>
            </div>
          </header>
          <main className="flex-1 p-6">{children}</main>
        </div>
      </div>
    </ToastProvider>
  );
}
