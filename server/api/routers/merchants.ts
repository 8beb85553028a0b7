import { z } from "zod";
import { archiveMerchant, createMerchant, createStore, findMerchants, findStores, getMerchant, getStore, updateMerchant, updateStore } from "@/server/core/merchants/service";
import { ZMerchantCreate, ZMerchantFind, ZMerchantUpdate, ZStoreFind, ZStoreInput, ZStoreUpdate } from "@/server/core/merchants/schema";
import { createMerchantUser, findUsers } from "@/server/core/users/service";
import { ZMerchantUserCreate } from "@/server/core/users/schema";
import { permissionProcedure, router, tenantProcedure } from "../trpc";

const ZId = z.object({ id: z.string().uuid() });

export const merchantsRouter = router({
  find: tenantProcedure.input(ZMerchantFind).query(({ ctx, input }) => findMerchants(ctx.tx, ctx.tctx, input)),
  get: tenantProcedure.input(ZId).query(({ ctx, input }) => getMerchant(ctx.tx, ctx.tctx, input.id)),
  create: permissionProcedure("merchants.write").input(ZMerchantCreate).mutation(({ ctx, input }) => createMerchant(ctx.tx, ctx.tctx, input)),
  update: permissionProcedure("merchants.write").input(ZMerchantUpdate).mutation(({ ctx, input }) => updateMerchant(ctx.tx, ctx.tctx, input)),
  archive: permissionProcedure("merchants.write").input(ZId).mutation(({ ctx, input }) => archiveMerchant(ctx.tx, ctx.tctx, input.id)),
  findUsers: tenantProcedure
    .input(z.object({ merchantId: z.string().uuid(), cursor: z.string().nullish(), limit: z.number().int().optional() }))
    .query(({ ctx, input }) => findUsers(ctx.tx, ctx.tctx, { ...input, kind: "merchant" })),
  createUser: permissionProcedure("merchants.write").input(ZMerchantUserCreate).mutation(({ ctx, input }) => createMerchantUser(ctx.tx, ctx.tctx, input)),
});

export const storesRouter = router({
  find: tenantProcedure.input(ZStoreFind).query(({ ctx, input }) => findStores(ctx.tx, ctx.tctx, input)),
  get: tenantProcedure.input(ZId).query(({ ctx, input }) => getStore(ctx.tx, ctx.tctx, input.id)),
  create: permissionProcedure("merchants.write").input(ZStoreInput).mutation(({ ctx, input }) => createStore(ctx.tx, ctx.tctx, input)),
  update: permissionProcedure("merchants.write").input(ZStoreUpdate).mutation(({ ctx, input }) => updateStore(ctx.tx, ctx.tctx, input)),
});
