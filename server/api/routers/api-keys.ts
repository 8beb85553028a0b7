import { createApiKey, listApiKeys, revokeApiKey } from "@/server/core/merchant-api/keys";
import { ZApiKeyCreate, ZApiKeyList, ZApiKeyRevoke } from "@/server/core/merchant-api/schema";
import { permissionProcedure, router } from "../trpc";

// Merchant API keys in the console. The secret is in create's answer only; list never has it.
export const apiKeysRouter = router({
  list: permissionProcedure("merchants.write").input(ZApiKeyList).query(({ ctx, input }) => listApiKeys(ctx.tx, ctx.tctx, input)),
  create: permissionProcedure("merchants.write").input(ZApiKeyCreate).mutation(({ ctx, input }) => createApiKey(ctx.tx, ctx.tctx, input)),
  revoke: permissionProcedure("merchants.write").input(ZApiKeyRevoke).mutation(({ ctx, input }) => revokeApiKey(ctx.tx, ctx.tctx, input)),
});
