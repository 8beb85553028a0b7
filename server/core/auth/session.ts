import { createHash, randomBytes } from "node:crypto";
import type { UserRole } from "@/server/db/generated/prisma/enums";
import type { Tx } from "@/server/db/tenant-tx";

// The cookie carries a random token; the table keeps only its sha256, checked on every request.
// Sign-out, suspension, a password or role change delete the row, so a copied cookie stops working.

export const SESSION_COOKIE = "swy_session";
export const PLATFORM_SESSION_COOKIE = "swy_platform_session";
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60 * 1000;
const TOUCH_AFTER_MS = 60 * 1000;

export function newSessionToken(): { token: string; id: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, id: sessionIdOf(token) };
}

export function sessionIdOf(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface SessionUser {
  sessionId: string;
  userId: string;
  email: string;
  name: string;
  role: UserRole;
  merchantId: string | null;
  locale: string | null;
}

export async function createSession(
  tx: Tx,
  tenantId: string,
  userId: string,
  meta: { ip?: string | null; userAgent?: string | null },
): Promise<string> {
  const { token, id } = newSessionToken();
  const now = Date.now();
  await tx.session.create({
    data: {
      tenantId,
      id,
      userId,
      expiresAt: new Date(now + SESSION_ABSOLUTE_MS),
      ip: meta.ip?.slice(0, 64) ?? null,
      userAgent: meta.userAgent?.slice(0, 256) ?? null,
    },
  });
  return token;
}

/** The signed-in user for a cookie token within the bound tenant, or null. */
export async function validateSession(tx: Tx, tenantId: string, token: string | null | undefined): Promise<SessionUser | null> {
  if (!token || token.length > 200) return null;
  const id = sessionIdOf(token);
  const s = await tx.session.findUnique({
    where: { tenantId_id: { tenantId, id } },
    select: {
      id: true,
      expiresAt: true,
      lastSeenAt: true,
      user: { select: { id: true, email: true, name: true, role: true, merchantId: true, status: true, locale: true } },
    },
  });
  if (!s) return null;
  const now = Date.now();
  if (s.expiresAt.getTime() <= now || s.lastSeenAt.getTime() + SESSION_IDLE_MS <= now || s.user.status !== "ACTIVE") {
    await tx.session.deleteMany({ where: { tenantId, id } });
    return null;
  }
  if (now - s.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
    await tx.session.update({ where: { tenantId_id: { tenantId, id } }, data: { lastSeenAt: new Date(now) } });
  }
  return {
    sessionId: s.id,
    userId: s.user.id,
    email: s.user.email,
    name: s.user.name,
    role: s.user.role,
    merchantId: s.user.merchantId,
    locale: s.user.locale,
  };
}

export async function deleteSessionByToken(tx: Tx, tenantId: string, token: string): Promise<void> {
  await tx.session.deleteMany({ where: { tenantId, id: sessionIdOf(token) } });
}

export async function deleteUserSessions(tx: Tx, tenantId: string, userId: string): Promise<number> {
  const r = await tx.session.deleteMany({ where: { tenantId, userId } });
  return r.count;
}
