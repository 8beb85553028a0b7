"use client";

import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { useT } from "@/i18n/client";

export interface MerchantProfileData {
  legalName: string;
  shortName: string;
  creditCode: string;
  legalRepresentative: string;
  mcc: string;
  contactName: string;
  contactPhone: string;
  contactEmail: string | null;
  status: "ACTIVE" | "SUSPENDED" | "ARCHIVED";
  settlementAccountName: string | null;
  settlementBankName: string | null;
  settlementAccountLast4: string | null;
}

export function MerchantProfile({ m }: { m: MerchantProfileData }) {
  const t = useT();
  const rows: Array<[string, string]> = [
    [t("merchants.legalName"), m.legalName],
    [t("merchants.creditCode"), m.creditCode],
    [t("merchants.legalRepresentative"), m.legalRepresentative],
    [t("merchants.mcc"), m.mcc],
    [t("merchants.contactName"), m.contactName],
    [t("merchants.contactPhone"), m.contactPhone],
    [t("merchants.contactEmail"), m.contactEmail ?? "—"],
    [t("merchants.settlementAccountName"), m.settlementAccountName ?? "—"],
    [t("merchants.settlementBankName"), m.settlementBankName ?? "—"],
    [t("merchants.settlementAccountNumber"), m.settlementAccountLast4 ? `•••• ${m.settlementAccountLast4}` : "—"],
  ];
  return (
    <div className="max-w-3xl space-y-6">
      <PageHeader title={m.shortName} actions={<Badge tone={m.status === "ACTIVE" ? "success" : "warning"}>{t(`roles.${m.status}`)}</Badge>} />
      <Card>
        <CardHeader>
          <CardTitle>{t("nav.profile")}</CardTitle>
        </CardHeader>
        <CardContent>
          <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[200px_1fr]">
            {rows.map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="text-muted-foreground">{k}</dt>
                <dd data-testid={`profile-${k}`}>{v}</dd>
              </div>
            ))}
          </dl>
        </CardContent>
      </Card>
    </div>
  );
}
