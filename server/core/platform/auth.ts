import { withPlatformReadTx, withPlatformTx } from "@/server/db/platform";
import { withSystemTx } from "@/server/db/tenant-tx";
import { dummyPasswordHash, verifyPassword } from "@/server/core/auth/password";
import { newSessionToken, sessionIdOf, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from "@/server/core/auth/session";
import { INVALID_CREDENTIALS, LOGIN_LOCK, LOGIN_MAX_FAILURES, LOGIN_WINDOW, lockedError, type TSignIn } from "@/server/core/auth/sign-in";

export interface PlatformSessionAdmin {
  adminId: string;
  email: string;
  name: string;
}

export async function signInPlatformAdmin(input: TSignIn, meta: { requestId?: string; previousToken?: string | null }): Promise<{ token: string; adminId: string }> {
  const key = `platform:${input.email}`;
  const locked = await withSystemTx((tx) => tx.$queryRaw<Array<{ u: Date | null }>>`SELECT system_login_locked_until(${key}) AS u`);
  if (locked[0]?.u) throw lockedError(locked[0].u);
  const admin = await withPlatformReadTx((tx) =>
    tx.platformAdmin.findUnique({ where: { email: input.email }, select: { id: true, passwordHash: true, isActive: true } }),
  );
  const ok = await verifyPassword(input.password, admin?.passwordHash ?? (await dummyPasswordHash()));
  if (!admin || !ok || !admin.isActive) {
    const r = await withSystemTx((tx) =>
      tx.$queryRaw<Array<{ u: Date | null }>>`SELECT system_login_failed(${key}, ${LOGIN_MAX_FAILURES}::int, ${LOGIN_WINDOW}::interval, ${LOGIN_LOCK}::interval) AS u`,
    );
    if (r[0]?.u) throw lockedError(r[0].u);
    throw INVALID_CREDENTIALS;
  }
  await withSystemTx((tx) => tx.$executeRaw`SELECT system_login_succeeded(${key})`);
  const { token, id } = newSessionToken();
  await withPlatformTx({ actorId: admin.id, action: "platform.sign_in", requestId: meta.requestId ?? null }, async (tx) => {
    if (meta.previousToken) await tx.platformSession.deleteMany({ where: { id: sessionIdOf(meta.previousToken) } });
    await tx.platformSession.create({ data: { id, platformAdminId: admin.id, expiresAt: new Date(Date.now() + SESSION_ABSOLUTE_MS) } });
  });
  return { token, adminId: admin.id };
}

export async function validatePlatformSession(token: string | null | undefined): Promise<PlatformSessionAdmin | null> {
  if (!token || token.length > 200) return null;
  const id = sessionIdOf(token);
  return withPlatformReadTx(async (tx) => {
    const s = await tx.platformSession.findUnique({
      where: { id },
      select: { expiresAt: true, lastSeenAt: true, platformAdmin: { select: { id: true, email: true, name: true, isActive: true } } },
    });
    const now = Date.now();
    if (!s || !s.platformAdmin.isActive || s.expiresAt.getTime() <= now || s.lastSeenAt.getTime() + SESSION_IDLE_MS <= now) {
      if (s) await tx.platformSession.deleteMany({ where: { id } });
      return null;
    }
    if (now - s.lastSeenAt.getTime() > 60_000) await tx.platformSession.update({ where: { id }, data: { lastSeenAt: new Date(now) } });
    return { adminId: s.platformAdmin.id, email: s.platformAdmin.email, name: s.platformAdmin.name };
  });
}

export async function signOutPlatform(token: string): Promise<void> {
  await withPlatformReadTx((tx) => tx.platformSession.deleteMany({ where: { id: sessionIdOf(token) } }));
}
