import { MerchantProfile } from "@/components/merchants/merchant-profile";
import { requireMerchantUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function MerchantPortalHome() {
  await requireMerchantUser();
  const m = await (await serverApi()).merchantPortal.profile();
  return <MerchantProfile m={m} />;
}
