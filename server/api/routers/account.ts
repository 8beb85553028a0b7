import { z } from "zod";
import { changeOwnPassword, setOwnLocale } from "@/server/core/users/service";
import { ZOwnPasswordChange } from "@/server/core/users/schema";
import { signedInProcedure, router } from "../trpc";

export const accountRouter = router({
  me: signedInProcedure.query(({ ctx }) => ({
    userId: ctx.user.userId,
    email: ctx.user.email,
    name: ctx.user.name,
    role: ctx.user.role,
    merchantId: ctx.user.merchantId,
    locale: ctx.user.locale,
    tenant: { id: ctx.tenant.id, slug: ctx.tenant.slug, name: ctx.tenant.name },
  })),
  changePassword: signedInProcedure.input(ZOwnPasswordChange).mutation(({ ctx, input }) => changeOwnPassword(ctx.tx, ctx.tctx, input)),
  setLocale: signedInProcedure.input(z.object({ locale: z.enum(["zh-CN", "en"]) })).mutation(({ ctx, input }) => setOwnLocale(ctx.tx, ctx.tctx, input.locale)),
});
