import { z } from "zod";
import { DomainError } from "@/server/core/errors/domain-error";
import type { UserRole, UserStatus } from "@/server/db/generated/prisma/enums";
import { authorizedTenantId, withSystemTx, withTenantTx } from "@/server/db/tenant-tx";
import { recordAudit } from "@/server/core/audit/service";
import { dummyPasswordHash, verifyPassword } from "./password";
import { createSession, deleteSessionByToken } from "./session";

export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW = "15 minutes";
export const LOGIN_LOCK = "15 minutes";

export const ZSignIn = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(200),
});
export type TSignIn = z.infer<typeof ZSignIn>;

// One message for unknown email, wrong password and disabled account: which accounts exist is
// not revealed. The lockout is keyed by email whether or not the account exists, for the same reason.
export const INVALID_CREDENTIALS = new DomainError("UNAUTHORIZED", "INVALID_CREDENTIALS", "Email or password is incorrect");

export function lockedError(until: Date): DomainError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return new DomainError("RATE_LIMITED", "SIGN_IN_LOCKED", `Too many failed attempts. Try again in ${minutes} minute(s).`, { params: { minutes } });
}

interface LoginRow {
  id: string;
  password_hash: string;
  status: UserStatus;
  role: UserRole;
  merchant_id: string | null;
}

export interface SignInResult {
  token: string;
  userId: string;
  role: UserRole;
  merchantId: string | null;
}

export async function signInTenantUser(
  tenant: { id: string; status: string },
  input: TSignIn,
  meta: { ip?: string | null; userAgent?: string | null; previousToken?: string | null; requestId?: string },
): Promise<SignInResult> {
  const key = `tenant:${tenant.id}:${input.email}`;
  const locked = await withSystemTx((tx) => tx.$queryRaw<Array<{ u: Date | null }>>`SELECT system_login_locked_until(${key}) AS u`);
  const lockedUntil = locked[0]?.u;
  if (lockedUntil) throw lockedError(lockedUntil);

  const rows = await withSystemTx((tx) =>
    tx.$queryRaw<LoginRow[]>`SELECT * FROM system_user_for_login(${tenant.id}::uuid, ${input.email})`,
  );
  const user = rows[0];
  const ok = await verifyPassword(input.password, user?.password_hash ?? (await dummyPasswordHash()));
  if (!user || !ok || user.status !== "ACTIVE" || tenant.status !== "ACTIVE") {
    const r = await withSystemTx((tx) =>
      tx.$queryRaw<Array<{ u: Date | null }>>`SELECT system_login_failed(${key}, ${LOGIN_MAX_FAILURES}::int, ${LOGIN_WINDOW}::interval, ${LOGIN_LOCK}::interval) AS u`,
    );
    const nowLocked = r[0]?.u;
    if (nowLocked) throw lockedError(nowLocked);
    throw INVALID_CREDENTIALS;
  }
  await withSystemTx((tx) => tx.$executeRaw`SELECT system_login_succeeded(${key})`);

  const tenantId = authorizedTenantId(tenant.id);
  const token = await withTenantTx(tenantId, async (tx) => {
    // Rotation: whatever session this browser had is ended; the new one gets a fresh token.
    if (meta.previousToken) await deleteSessionByToken(tx, tenantId, meta.previousToken);
    const t = await createSession(tx, tenantId, user.id, meta);
    await recordAudit(
      tx,
      { tenantId, actor: { kind: "USER", userId: user.id, email: input.email, role: user.role, merchantId: user.merchant_id }, ...(meta.requestId ? { requestId: meta.requestId } : {}) },
      { action: "auth.sign_in", entityType: "user", entityId: user.id, after: { ip: meta.ip ?? null } },
    );
    return t;
  });
  return { token, userId: user.id, role: user.role, merchantId: user.merchant_id };
}
