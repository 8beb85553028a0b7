import { CalendarView } from "@/components/calendar/calendar-view";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/server/core/auth/roles";
import { pageContext } from "@/server/api/page-context";
import { requireConsoleUser } from "@/server/api/page-guards";

export default async function CalendarPage() {
  const me = await requireConsoleUser();
  const { t, timeZone } = await pageContext();
  const year = Number(new Intl.DateTimeFormat("en", { timeZone, year: "numeric" }).format(new Date()));
  return (
    <div className="space-y-6">
      <PageHeader title={t("calendar.title")} description={t("calendar.description")} />
      <CalendarView canEdit={can(me.role, "calendar.manage")} initialYear={year} />
    </div>
  );
}
