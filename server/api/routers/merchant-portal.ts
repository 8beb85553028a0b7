import { getMerchant } from "@/server/core/merchants/service";
import { findStores } from "@/server/core/merchants/service";
import { z } from "zod";
import { merchantProcedure, router } from "../trpc";

// Every procedure here takes the merchant from the session, never from input.
export const merchantPortalRouter = router({
  profile: merchantProcedure.query(({ ctx }) => getMerchant(ctx.tx, ctx.tctx, ctx.merchantId)),
  stores: merchantProcedure
    .input(z.object({ cursor: z.string().nullish(), limit: z.number().int().optional() }))
    .query(({ ctx, input }) => findStores(ctx.tx, ctx.tctx, { ...input, merchantId: ctx.merchantId })),
});
