import { notFound } from "next/navigation";
import { ImportView } from "@/components/devices/import-view";
import { pagePermission } from "@/server/api/page-guards";

export default async function DevicesImportPage() {
  const { allowed } = await pagePermission("devices.manage");
  if (!allowed) notFound();
  return <ImportView />;
}
