import { z } from "zod";
import {
  ZCodeCreate,
  ZConfigCreate,
  ZDeviceAssign,
  ZDeviceBulkAction,
  ZDeviceDaily,
  ZDeviceFind,
  ZDeviceImport,
  ZDeviceRebind,
  ZDeviceUpdate,
  ZFleetRanking,
  ZFleetSettings,
  ZIdle,
} from "@/server/core/devices/schema";
import {
  assignDevices,
  bulkDeviceAction,
  createActivationCode,
  createConfigVersion,
  findDevices,
  fleetOverview,
  getDevice,
  getFleetSettings,
  importDevices,
  listActivationCodes,
  listConfigVersions,
  rebindDevice,
  updateDevice,
  updateFleetSettings,
} from "@/server/core/devices/service";
import { deviceDaily, fleetRanking, idleDevices } from "@/server/core/devices/stats";
import { offlineAlerts } from "@/server/core/devices/offline";
import { permissionProcedure, router } from "../trpc";

// The face-device fleet in the console (issue 7). Reading is anyone's; changing the fleet is
// devices.manage; the fleet settings (offline timeout, 移机 distance, incentive threshold) are
// settings.manage.

const read = permissionProcedure("tenant.read");
const manage = permissionProcedure("devices.manage");

export const devicesRouter = router({
  overview: read.query(({ ctx }) => fleetOverview(ctx.tx, ctx.tctx)),
  find: read.input(ZDeviceFind).query(({ ctx, input }) => findDevices(ctx.tx, ctx.tctx, input)),
  get: read.input(z.object({ id: z.string().uuid() })).query(({ ctx, input }) => getDevice(ctx.tx, ctx.tctx, input.id)),
  daily: read.input(ZDeviceDaily).query(({ ctx, input }) => deviceDaily(ctx.tx, ctx.tctx, input)),
  ranking: read.input(ZFleetRanking).query(({ ctx, input }) => fleetRanking(ctx.tx, ctx.tctx, input)),
  idle: read.input(ZIdle).query(({ ctx, input }) => idleDevices(ctx.tx, ctx.tctx, input)),
  /** Active devices silent past the offline timeout (stamped by the sweep), longest silent first. */
  offline: read.input(z.object({ limit: z.number().int().min(1).max(200).optional() })).query(({ ctx, input }) => offlineAlerts(ctx.tx, ctx.tctx, input)),
  /** Preview (commit: false) or import (commit: true) a CSV of serial numbers. */
  import: manage.input(ZDeviceImport).mutation(({ ctx, input }) => importDevices(ctx.tx, ctx.tctx, input)),
  assign: manage.input(ZDeviceAssign).mutation(({ ctx, input }) => assignDevices(ctx.tx, ctx.tctx, input)),
  bulkAction: manage.input(ZDeviceBulkAction).mutation(({ ctx, input }) => bulkDeviceAction(ctx.tx, ctx.tctx, input)),
  update: manage.input(ZDeviceUpdate).mutation(({ ctx, input }) => updateDevice(ctx.tx, ctx.tctx, input)),
  /** Another channel account for an assigned or active device (its binding redone; REBIND in its history). */
  rebind: manage.input(ZDeviceRebind).mutation(({ ctx, input }) => rebindDevice(ctx.tx, ctx.tctx, input)),
  codes: read.query(({ ctx }) => listActivationCodes(ctx.tx, ctx.tctx)),
  createCode: manage.input(ZCodeCreate).mutation(({ ctx, input }) => createActivationCode(ctx.tx, ctx.tctx, input)),
  configs: read.query(({ ctx }) => listConfigVersions(ctx.tx, ctx.tctx)),
  createConfig: manage.input(ZConfigCreate).mutation(({ ctx, input }) => createConfigVersion(ctx.tx, ctx.tctx, input)),
  settings: read.query(({ ctx }) => getFleetSettings(ctx.tx, ctx.tctx)),
  updateSettings: permissionProcedure("settings.manage").input(ZFleetSettings).mutation(({ ctx, input }) => updateFleetSettings(ctx.tx, ctx.tctx, input)),
});
