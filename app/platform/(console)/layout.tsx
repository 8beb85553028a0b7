import { TRPCError } from "@trpc/server";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { ConsoleShell } from "@/components/shell/console-shell";
import { pageContext } from "@/server/api/page-context";
import { serverApi } from "@/server/api/server-caller";

export default async function PlatformLayout({ children }: { children: ReactNode }) {
  const admin = await (await serverApi()).platform.me().catch((e: unknown) => {
    if (e instanceof TRPCError && (e.code === "UNAUTHORIZED" || e.code === "NOT_FOUND")) return null;
    throw e;
  });
  if (!admin) redirect("/login");
  const { t } = await pageContext();
  return (
    <ConsoleShell saveLocale={false} brandName="Switchyard" hasLogo={false} user={{ name: admin.name, email: admin.email, roleLabel: t("nav.platform") }} accountHref="/" nav={[{ href: "/", label: "nav.tenants", group: "administration" }]}>
      {children}
    </ConsoleShell>
  );
}
