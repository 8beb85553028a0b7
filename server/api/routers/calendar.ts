import { deleteCalendarDay, importCalendar, listCalendarDays, upsertCalendarDay } from "@/server/core/calendar/service";
import { ZCalendarDay, ZCalendarDayKey, ZCalendarImport, ZCalendarRange } from "@/server/core/calendar/schema";
import { permissionProcedure, router, tenantProcedure } from "../trpc";

export const calendarRouter = router({
  find: tenantProcedure.input(ZCalendarRange).query(({ ctx, input }) => listCalendarDays(ctx.tx, ctx.tctx, input)),
  upsert: permissionProcedure("calendar.manage").input(ZCalendarDay).mutation(({ ctx, input }) => upsertCalendarDay(ctx.tx, ctx.tctx, input)),
  delete: permissionProcedure("calendar.manage").input(ZCalendarDayKey).mutation(({ ctx, input }) => deleteCalendarDay(ctx.tx, ctx.tctx, input)),
  import: permissionProcedure("calendar.manage").input(ZCalendarImport).mutation(({ ctx, input }) => importCalendar(ctx.tx, ctx.tctx, input)),
});
