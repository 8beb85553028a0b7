import { BusinessDashboard } from "@/components/dashboard/business-dashboard";
import { DashboardView } from "@/components/dashboard/dashboard-view";
import { requireConsoleUser } from "@/server/api/page-guards";
import { serverApi } from "@/server/api/server-caller";

export default async function DashboardPage() {
  const me = await requireConsoleUser();
  const summary = await (await serverApi()).dashboard.summary();
  return (
    <div className="space-y-8">
      <DashboardView name={me.name} summary={summary} />
      <BusinessDashboard />
    </div>
  );
}
