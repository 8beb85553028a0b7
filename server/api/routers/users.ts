import { changeUserRole, createUser, findUsers, resetUserPassword, setUserStatus } from "@/server/core/users/service";
import { ZPasswordReset, ZUserCreate, ZUserFind, ZUserRoleChange, ZUserStatusChange } from "@/server/core/users/schema";
import { permissionProcedure, router } from "../trpc";

export const usersRouter = router({
  find: permissionProcedure("users.manage").input(ZUserFind).query(({ ctx, input }) => findUsers(ctx.tx, ctx.tctx, input)),
  create: permissionProcedure("users.manage").input(ZUserCreate).mutation(({ ctx, input }) => createUser(ctx.tx, ctx.tctx, input)),
  changeRole: permissionProcedure("users.manage").input(ZUserRoleChange).mutation(({ ctx, input }) => changeUserRole(ctx.tx, ctx.tctx, input)),
  setStatus: permissionProcedure("users.manage").input(ZUserStatusChange).mutation(({ ctx, input }) => setUserStatus(ctx.tx, ctx.tctx, input)),
  resetPassword: permissionProcedure("users.manage").input(ZPasswordReset).mutation(({ ctx, input }) => resetUserPassword(ctx.tx, ctx.tctx, input)),
});
