import { z } from "zod";
import { PASSWORD_MIN_LENGTH } from "@/server/core/auth/password-policy";

export const ZConsoleRole = z.enum(["OWNER", "ADMIN", "OPERATIONS", "FINANCE", "VIEWER"]);
export const ZMerchantRole = z.enum(["MERCHANT_ADMIN", "MERCHANT_STAFF"]);
const ZPassword = z.string().min(PASSWORD_MIN_LENGTH, { message: "validation.password" }).max(200);

export const ZUserCreate = z.object({
  email: z.string().trim().toLowerCase().email(),
  name: z.string().trim().min(1).max(80),
  role: ZConsoleRole,
  password: ZPassword,
});
export type TUserCreate = z.input<typeof ZUserCreate>;

export const ZMerchantUserCreate = z.object({
  merchantId: z.string().uuid(),
  email: z.string().trim().toLowerCase().email(),
  name: z.string().trim().min(1).max(80),
  role: ZMerchantRole,
  password: ZPassword,
});
export type TMerchantUserCreate = z.input<typeof ZMerchantUserCreate>;

export const ZUserRoleChange = z.object({ userId: z.string().uuid(), role: ZConsoleRole });
export const ZUserStatusChange = z.object({ userId: z.string().uuid(), status: z.enum(["ACTIVE", "DISABLED"]) });
export const ZPasswordReset = z.object({ userId: z.string().uuid(), password: ZPassword });
export const ZOwnPasswordChange = z.object({ currentPassword: z.string().min(1).max(200), newPassword: ZPassword });
export const ZUserFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  q: z.string().trim().max(100).optional(),
  role: z.enum(["OWNER", "ADMIN", "OPERATIONS", "FINANCE", "VIEWER", "MERCHANT_ADMIN", "MERCHANT_STAFF"]).optional(),
  merchantId: z.string().uuid().optional(),
  kind: z.enum(["console", "merchant"]).optional(),
});
export type TUserFind = z.input<typeof ZUserFind>;
