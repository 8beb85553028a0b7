import type { Metadata } from "next";
import type { CSSProperties, ReactNode } from "react";
import "./globals.css";
import { I18nProvider } from "@/i18n/client";
import { ApiProvider } from "@/components/providers/trpc";
import { pageContext } from "@/server/api/page-context";

export async function generateMetadata(): Promise<Metadata> {
  const { tenant, branding } = await pageContext();
  return { title: tenant ? branding.productName || tenant.name : "Switchyard", robots: { index: false } };
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { locale, timeZone, brandVars } = await pageContext();
  return (
    <html lang={locale} style={brandVars as CSSProperties}>
      <body className="min-h-screen antialiased">
        <I18nProvider locale={locale} timeZone={timeZone}>
          <ApiProvider>{children}</ApiProvider>
        </I18nProvider>
      </body>
    </html>
  );
}
