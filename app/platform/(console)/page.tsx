import { TenantsView } from "@/components/platform/tenants-view";

export default function PlatformHome() {
  return <TenantsView baseHost={process.env.SWITCHYARD_BASE_HOST ?? "localhost"} />;
}
