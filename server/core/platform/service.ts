import { DomainError } from "@/server/core/errors/domain-error";
import { hashPassword } from "@/server/core/auth/password";
import { withPlatformReadTx, withPlatformTx } from "@/server/db/platform";
import { Prisma } from "@/server/db/generated/prisma/client";
import { DEFAULT_BRANDING } from "@/branding/defaults";
import { provisionChannelDefaults } from "@/server/core/channels/provision";
import { provisionLedger } from "@/server/core/ledger/service";
import { authorizedTenantId } from "@/server/db/tenant-tx";
import { ZCreateTenant, type TCreateTenant } from "./schema";

export interface PlatformActor {
  adminId: string | null;
  email: string;
  requestId?: string;
}

const tenantSelect = {
  id: true,
  slug: true,
  name: true,
  status: true,
  timeZone: true,
  settlementMode: true,
  licenceNumber: true,
  defaultLocale: true,
  customDomain: true,
  createdAt: true,
} as const;

export async function createTenant(actor: PlatformActor, raw: TCreateTenant) {
  const input = ZCreateTenant.parse(raw);
  const passwordHash = await hashPassword(input.ownerPassword);
  try {
    return await withPlatformTx(
      { actorId: actor.adminId, action: "tenant.create", reason: "create tenant", requestId: actor.requestId ?? null },
      async (tx) => {
        const tenant = await tx.tenant.create({
          data: {
            slug: input.slug,
            name: input.name,
            timeZone: input.timeZone,
            settlementMode: input.settlementMode,
            licenceNumber: input.settlementMode === "CUSTODIAL" ? (input.licenceNumber ?? null) : (input.licenceNumber || null),
            defaultLocale: input.defaultLocale,
            // The new tenant's login page carries its own name until it sets its brand.
            branding: { ...DEFAULT_BRANDING, productName: input.name, loginTitle: { "zh-CN": input.name, en: input.name } },
          },
          select: tenantSelect,
        });
        const owner = await tx.user.create({
          data: {
            tenantId: tenant.id,
            email: input.ownerEmail,
            name: input.ownerName ?? input.ownerEmail,
            passwordHash,
            role: "OWNER",
          },
          select: { id: true, email: true },
        });
        await tx.auditLog.create({
          data: {
            tenantId: tenant.id,
            actorKind: "PLATFORM",
            actorId: actor.adminId,
            actorEmail: actor.email,
            action: "tenant.create",
            entityType: "tenant",
            entityId: tenant.id,
            after: { ...tenant, createdAt: tenant.createdAt.toISOString(), ownerEmail: owner.email },
            requestId: actor.requestId ?? null,
          },
        });
        // The books open with the tenant (the platform role is inside this tenant's rows here).
        const tctx = { tenantId: authorizedTenantId(tenant.id), actor: { kind: "PLATFORM" as const, adminId: actor.adminId ?? "00000000-0000-0000-0000-000000000000", email: actor.email } };
        await provisionLedger(tx, tctx);
        // A sandbox channel, default products, fees and route: a sandbox payment works at once.
        await provisionChannelDefaults(tx, tctx);
        return { tenant, owner };
      },
      (r) => ({ targetTenantId: r.tenant.id, after: { slug: r.tenant.slug, name: r.tenant.name, mode: r.tenant.settlementMode } }),
    );
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      throw new DomainError("CONFLICT", "TENANT_SLUG_TAKEN", `The slug "${input.slug}" is already in use`, { field: "slug" });
    }
    throw e;
  }
}

async function setTenantStatus(actor: PlatformActor, tenantId: string, status: "ACTIVE" | "SUSPENDED", reason: string) {
  return withPlatformTx(
    { actorId: actor.adminId, action: status === "SUSPENDED" ? "tenant.suspend" : "tenant.reopen", targetTenantId: tenantId, reason, requestId: actor.requestId ?? null },
    async (tx) => {
      const before = await tx.tenant.findUnique({ where: { id: tenantId }, select: tenantSelect });
      if (!before) throw new DomainError("NOT_FOUND", "NOT_FOUND", "Tenant not found");
      const after = await tx.tenant.update({ where: { id: tenantId }, data: { status }, select: tenantSelect });
      // Suspension ends every session of the tenant at once.
      const ended = status === "SUSPENDED" ? (await tx.session.deleteMany({ where: { tenantId } })).count : 0;
      await tx.auditLog.create({
        data: {
          tenantId,
          actorKind: "PLATFORM",
          actorId: actor.adminId,
          actorEmail: actor.email,
          action: status === "SUSPENDED" ? "tenant.suspend" : "tenant.reopen",
          entityType: "tenant",
          entityId: tenantId,
          before: { status: before.status },
          after: { status, reason, sessionsEnded: ended },
          requestId: actor.requestId ?? null,
        },
      });
      return { tenant: after, sessionsEnded: ended };
    },
    (r) => ({ after: { status: r.tenant.status, sessionsEnded: r.sessionsEnded } }),
  );
}

export const suspendTenant = (actor: PlatformActor, tenantId: string, reason: string) => setTenantStatus(actor, tenantId, "SUSPENDED", reason);
export const reopenTenant = (actor: PlatformActor, tenantId: string, reason: string) => setTenantStatus(actor, tenantId, "ACTIVE", reason);

export async function listTenants() {
  return withPlatformReadTx(async (tx) => {
    const tenants = await tx.tenant.findMany({ select: { ...tenantSelect, _count: { select: { merchants: true, users: true } } }, orderBy: { createdAt: "asc" } });
    return tenants;
  });
}

export async function findTenantBySlug(slug: string) {
  return withPlatformReadTx((tx) => tx.tenant.findUnique({ where: { slug }, select: tenantSelect }));
}

export async function createPlatformAdmin(input: { email: string; name: string; password: string }) {
  const passwordHash = await hashPassword(input.password);
  return withPlatformTx({ actorId: null, action: "platform_admin.create", reason: "ops CLI" }, (tx) =>
    tx.platformAdmin.upsert({
      where: { email: input.email.toLowerCase() },
      create: { email: input.email.toLowerCase(), name: input.name, passwordHash },
      update: { name: input.name, passwordHash },
      select: { id: true, email: true, name: true },
    }),
  );
}
