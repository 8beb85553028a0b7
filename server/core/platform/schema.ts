import { z } from "zod";
import { PASSWORD_MIN_LENGTH } from "@/server/core/auth/password-policy";

export const ZSlug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, { message: "validation.slug" })
  .refine((s) => !["www", "api", "admin", "platform", "app", "static"].includes(s), { message: "validation.slugReserved" });

export const ZTimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "validation.timeZone" },
);

export const ZPassword = z.string().min(PASSWORD_MIN_LENGTH, { message: "validation.password" }).max(200);

export const ZCreateTenant = z
  .object({
    slug: ZSlug,
    name: z.string().trim().min(2).max(80),
    ownerEmail: z.string().trim().toLowerCase().email(),
    ownerName: z.string().trim().min(1).max(80).optional(),
    ownerPassword: ZPassword,
    timeZone: ZTimeZone.default("Asia/Shanghai"),
    settlementMode: z.enum(["DIRECT", "CUSTODIAL"]).default("DIRECT"),
    licenceNumber: z.string().trim().max(64).optional(),
    defaultLocale: z.enum(["zh-CN", "en"]).default("zh-CN"),
  })
  .refine((v) => v.settlementMode !== "CUSTODIAL" || (v.licenceNumber && v.licenceNumber.length > 0), {
    message: "validation.licenceRequired",
    path: ["licenceNumber"],
  });
export type TCreateTenant = z.input<typeof ZCreateTenant>;

export const ZTenantStatusChange = z.object({
  tenantId: z.string().uuid(),
  reason: z.string().trim().min(3).max(500),
});
