import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { MerchantDetail } from "@/components/merchants/merchant-detail";
import { MerchantSettlementSettings, StatementDownload } from "@/components/settlement/merchant-settlement";
import { can } from "@/server/core/auth/roles";
import { requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function MerchantPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireConsoleUser();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const merchant = await (await serverApi()).merchants.get({ id }).catch((e: unknown) => {
    if (e instanceof TRPCError && e.code === "NOT_FOUND") return null;
    throw e;
  });
  if (!merchant) notFound();
  const { today } = await (await serverApi()).settlement.settings({ merchantId: id });
  return (
    <div className="space-y-6">
    <MerchantDetail
      canEdit={can(me.role, "merchants.write")}
      merchant={{
        id: merchant.id,
        status: merchant.status,
        legalName: merchant.legalName,
        shortName: merchant.shortName,
        creditCode: merchant.creditCode,
        legalRepresentative: merchant.legalRepresentative,
        mcc: merchant.mcc,
        contactName: merchant.contactName,
        contactPhone: merchant.contactPhone,
        contactEmail: merchant.contactEmail ?? "",
        settlementAccountName: merchant.settlementAccountName ?? "",
        settlementBankName: merchant.settlementBankName ?? "",
        settlementAccountLast4: merchant.settlementAccountLast4,
      }}
    />
      <MerchantSettlementSettings merchantId={merchant.id} canEdit={can(me.role, "settlement.settings")} />
      <StatementDownload merchantId={merchant.id} today={today} />
    </div>
  );
}
