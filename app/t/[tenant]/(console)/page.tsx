import { DashboardView } from "@/components/dashboard/dashboard-view";
import { requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function DashboardPage() {
  const me = await requireConsoleUser();
  const summary = await (await serverApi()).dashboard.summary();
  return <DashboardView name={me.name} summary={summary} />;
}
