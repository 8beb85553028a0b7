import type { ReactNode } from "react";
import { ConsoleShell, type NavItem } from "@/components/shell/console-shell";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const me = await requireConsoleUser();
  const { tenant, branding, t } = await pageContext();
  const nav: NavItem[] = [
    { href: "/", label: "nav.dashboard", group: "business" },
    { href: "/payments", label: "payments.navTitle", group: "business" },
    { href: "/exceptions", label: "payments.exceptionsNav", group: "business" },
    { href: "/merchants", label: "nav.merchants", group: "business" },
    { href: "/stores", label: "nav.stores", group: "business" },
    { href: "/devices", label: "devices.navTitle", group: "business" },
    { href: "/calendar", label: "nav.calendar", group: "business" },
    { href: "/channels", label: "channels.navTitle", group: "business" },
    { href: "/registrations", label: "registrations.navTitle", group: "business" },
    { href: "/pricing", label: "pricing.navTitle", group: "business" },
    { href: "/routing", label: "routing.navTitle", group: "business" },
  ];
  // Wallets and payouts exist for custodial (licensed) providers only; their pages explain why to a direct one.
  const overview = await (await serverApi()).wallets.overview().catch(() => null);
  if (overview?.settlementMode === "CUSTODIAL") {
    nav.push({ href: "/wallets", label: "wallets.navWallets", group: "business" }, { href: "/payouts", label: "wallets.navPayouts", group: "business" });
  }
  nav.push({ href: "/settlements", label: "settlement.navTitle", group: "business" });
  if (can(me.role, "ledger.read")) nav.push({ href: "/ledger", label: "nav.ledger", group: "business" });
  if (can(me.role, "ledger.read")) nav.push({ href: "/income", label: "settlement.incomeNav", group: "business" });
  if (can(me.role, "recon.import")) nav.push({ href: "/statements", label: "clearing.navTitle", group: "business" });
  if (can(me.role, "users.manage")) nav.push({ href: "/users", label: "nav.users", group: "administration" });
  if (can(me.role, "branding.manage")) nav.push({ href: "/branding", label: "nav.branding", group: "administration" });
  // Everyone may read the policies (finance works by the approval threshold); owners and admins change them.
  nav.push({ href: "/policies", label: "nav.policies", group: "administration" });
  if (can(me.role, "audit.read")) nav.push({ href: "/audit", label: "nav.audit", group: "administration" });
  return (
    <ConsoleShell
      brandName={branding.productName || tenant?.name || me.tenant.name}
      hasLogo={tenant?.hasLogo ?? false}
      user={{ name: me.name, email: me.email, roleLabel: t(`roles.${me.role}`) }}
      nav={nav}
    >
      {children}
    </ConsoleShell>
  );
}
