import { recordAudit } from "@/server/core/audit/service";
import { hashPassword, verifyPassword } from "@/server/core/auth/password";
import { canAssignRole, CONSOLE_ROLES, MERCHANT_ROLES } from "@/server/core/auth/roles";
import { deleteUserSessions } from "@/server/core/auth/session";
import { DomainError, forbidden, notFound } from "@/server/core/errors/domain-error";
import { Prisma } from "@/server/db/generated/prisma/client";
import type { UserRole } from "@/server/db/generated/prisma/enums";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, toPage } from "@/server/db/keyset";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import {
  ZMerchantUserCreate,
  ZOwnPasswordChange,
  ZPasswordReset,
  ZUserCreate,
  ZUserFind,
  ZUserRoleChange,
  ZUserStatusChange,
  type TMerchantUserCreate,
  type TUserCreate,
  type TUserFind,
} from "./schema";

export const userSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
  status: true,
  merchantId: true,
  locale: true,
  createdAt: true,
  merchant: { select: { shortName: true } },
} as const satisfies Prisma.UserSelect;

function actorRole(ctx: TenantContext): UserRole {
  // The ops CLI and seed act as the operator, with an owner's authority over users.
  if (ctx.actor.kind === "SYSTEM") return "OWNER";
  if (ctx.actor.kind !== "USER") throw forbidden();
  return ctx.actor.role as UserRole;
}

function emailClash(e: unknown): never {
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
    throw new DomainError("CONFLICT", "USER_EMAIL_TAKEN", "A user with this email already exists", { field: "email" });
  }
  throw e;
}

export async function findUsers(tx: Tx, ctx: TenantContext, raw: TUserFind) {
  const input = ZUserFind.parse(raw);
  const limit = clampLimit(input.limit);
  const rows = await tx.user.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.role ? { role: input.role } : {}),
      ...(input.merchantId ? { merchantId: input.merchantId } : {}),
      ...(input.kind === "console" ? { role: { in: [...CONSOLE_ROLES] } } : input.kind === "merchant" ? { role: { in: [...MERCHANT_ROLES] } } : {}),
      ...(input.q ? { OR: [{ email: { contains: input.q.toLowerCase() } }, { name: { contains: input.q, mode: "insensitive" } }] } : {}),
      ...afterCreatedAtDesc(input.cursor),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: userSelect,
  });
  return toPage(rows, limit, cursorOfCreatedAt);
}

async function getUser(tx: Tx, ctx: TenantContext, userId: string) {
  const u = await tx.user.findFirst({ where: { tenantId: ctx.tenantId, id: userId }, select: userSelect });
  if (!u) throw notFound("User");
  return u;
}

export async function createUser(tx: Tx, ctx: TenantContext, raw: TUserCreate) {
  const input = ZUserCreate.parse(raw);
  if (!canAssignRole(actorRole(ctx), input.role)) throw forbidden("Only an owner can make another owner");
  const passwordHash = await hashPassword(input.password);
  try {
    const user = await tx.user.create({
      data: { tenantId: ctx.tenantId, email: input.email, name: input.name, role: input.role, passwordHash },
      select: userSelect,
    });
    await recordAudit(tx, ctx, { action: "user.create", entityType: "user", entityId: user.id, after: user });
    return user;
  } catch (e) {
    emailClash(e);
  }
}

export async function createMerchantUser(tx: Tx, ctx: TenantContext, raw: TMerchantUserCreate) {
  const input = ZMerchantUserCreate.parse(raw);
  const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: input.merchantId }, select: { id: true, status: true } });
  if (!merchant) throw notFound("Merchant");
  if (merchant.status !== "ACTIVE") throw new DomainError("PRECONDITION", "MERCHANT_NOT_ACTIVE", "Users can only be added to an active merchant");
  const passwordHash = await hashPassword(input.password);
  try {
    const user = await tx.user.create({
      data: { tenantId: ctx.tenantId, email: input.email, name: input.name, role: input.role, merchantId: input.merchantId, passwordHash },
      select: userSelect,
    });
    await recordAudit(tx, ctx, { action: "merchant_user.create", entityType: "user", entityId: user.id, after: user });
    return user;
  } catch (e) {
    emailClash(e);
  }
}

async function assertNotLastOwner(tx: Tx, ctx: TenantContext, userId: string) {
  const owners = await tx.user.count({ where: { tenantId: ctx.tenantId, role: "OWNER", status: "ACTIVE", id: { not: userId } } });
  if (owners === 0) throw new DomainError("PRECONDITION", "LAST_OWNER", "A service provider needs at least one active owner");
}

export async function changeUserRole(tx: Tx, ctx: TenantContext, raw: unknown) {
  const input = ZUserRoleChange.parse(raw);
  const before = await getUser(tx, ctx, input.userId);
  const role = actorRole(ctx);
  if (before.merchantId) throw new DomainError("PRECONDITION", "MERCHANT_USER_ROLE", "Merchant users keep merchant roles");
  if (!canAssignRole(role, input.role) || !canAssignRole(role, before.role)) throw forbidden("Only an owner can change an owner's role or make an owner");
  if (before.role === "OWNER" && input.role !== "OWNER") await assertNotLastOwner(tx, ctx, input.userId);
  const after = await tx.user.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: input.userId } }, data: { role: input.role }, select: userSelect });
  const ended = await deleteUserSessions(tx, ctx.tenantId, input.userId);
  await recordAudit(tx, ctx, { action: "user.role_change", entityType: "user", entityId: input.userId, before: { role: before.role }, after: { role: after.role, sessionsEnded: ended } });
  return after;
}

export async function setUserStatus(tx: Tx, ctx: TenantContext, raw: unknown) {
  const input = ZUserStatusChange.parse(raw);
  const before = await getUser(tx, ctx, input.userId);
  if (!canAssignRole(actorRole(ctx), before.role)) throw forbidden("Only an owner can disable an owner");
  if (ctx.actor.kind === "USER" && ctx.actor.userId === input.userId && input.status === "DISABLED") {
    throw new DomainError("PRECONDITION", "CANNOT_DISABLE_SELF", "You cannot disable your own account");
  }
  if (before.role === "OWNER" && input.status === "DISABLED") await assertNotLastOwner(tx, ctx, input.userId);
  const after = await tx.user.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: input.userId } }, data: { status: input.status }, select: userSelect });
  const ended = input.status === "DISABLED" ? await deleteUserSessions(tx, ctx.tenantId, input.userId) : 0;
  await recordAudit(tx, ctx, { action: "user.status_change", entityType: "user", entityId: input.userId, before: { status: before.status }, after: { status: after.status, sessionsEnded: ended } });
  return after;
}

export async function resetUserPassword(tx: Tx, ctx: TenantContext, raw: unknown) {
  const input = ZPasswordReset.parse(raw);
  const before = await getUser(tx, ctx, input.userId);
  if (!canAssignRole(actorRole(ctx), before.role)) throw forbidden("Only an owner can reset an owner's password");
  await tx.user.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: input.userId } },
    data: { passwordHash: await hashPassword(input.password), passwordChangedAt: new Date() },
  });
  const ended = await deleteUserSessions(tx, ctx.tenantId, input.userId);
  await recordAudit(tx, ctx, { action: "user.password_reset", entityType: "user", entityId: input.userId, after: { sessionsEnded: ended } });
  return { ok: true as const };
}

/** Changing one's own password ends every session, this one included: the user signs in again. */
export async function changeOwnPassword(tx: Tx, ctx: TenantContext, raw: unknown) {
  const input = ZOwnPasswordChange.parse(raw);
  if (ctx.actor.kind !== "USER") throw forbidden();
  const me = await tx.user.findFirst({ where: { tenantId: ctx.tenantId, id: ctx.actor.userId }, select: { passwordHash: true } });
  if (!me || !(await verifyPassword(input.currentPassword, me.passwordHash))) {
    throw new DomainError("BAD_INPUT", "WRONG_PASSWORD", "The current password is incorrect", { field: "currentPassword" });
  }
  await tx.user.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: ctx.actor.userId } },
    data: { passwordHash: await hashPassword(input.newPassword), passwordChangedAt: new Date() },
  });
  await deleteUserSessions(tx, ctx.tenantId, ctx.actor.userId);
  await recordAudit(tx, ctx, { action: "user.password_change", entityType: "user", entityId: ctx.actor.userId });
  return { ok: true as const };
}

export async function setOwnLocale(tx: Tx, ctx: TenantContext, locale: "zh-CN" | "en") {
  if (ctx.actor.kind !== "USER") throw forbidden();
  await tx.user.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: ctx.actor.userId } }, data: { locale } });
  await recordAudit(tx, ctx, { action: "user.locale_change", entityType: "user", entityId: ctx.actor.userId, after: { locale } });
  return { locale };
}
