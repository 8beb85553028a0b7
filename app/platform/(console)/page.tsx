import { PlatformOverview } from "@/components/platform/platform-overview";
import { TenantsView } from "@/components/platform/tenants-view";

export default function PlatformHome() {
  return (
    <div className="space-y-8">
      <TenantsView baseHost={process.env.SWITCHYARD_BASE_HOST ?? "localhost"} />
      <PlatformOverview />
    </div>
  );
}
