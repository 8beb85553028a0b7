import type { ReactNode } from "react";
import { ConsoleShell } from "@/components/shell/console-shell";
import { pageContext } from "@/server/api/page-context";
import { requireMerchantUser } from "@/server/api/page-guards";

// The merchant portal: the tenant's brand, the merchant's own data only (every procedure behind
// it takes the merchant from the session).
export default async function PortalLayout({ children }: { children: ReactNode }) {
  const me = await requireMerchantUser();
  const { tenant, branding, t } = await pageContext();
  return (
    <ConsoleShell
      brandName={branding.productName || tenant?.name || me.tenant.name}
      hasLogo={tenant?.hasLogo ?? false}
      user={{ name: me.name, email: me.email, roleLabel: t(`roles.${me.role}`) }}
      accountHref="/m/account"
      nav={[
        { href: "/m", label: "nav.profile", group: "merchantPortal" },
        { href: "/m/stores", label: "nav.stores", group: "merchantPortal" },
        { href: "/m/payments", label: "settlement.portalPaymentsTitle", group: "merchantPortal" },
        { href: "/m/settlements", label: "settlement.portalSettlementsTitle", group: "merchantPortal" },
        { href: "/m/devices", label: "settlement.portalDevicesTitle", group: "merchantPortal" },
        { href: "/m/developers", label: "settlement.portalDevelopersTitle", group: "merchantPortal" },
      ]}
    >
      {children}
    </ConsoleShell>
  );
}
