import "server-only";
import { TRPCError } from "@trpc/server";
import { notFound, redirect } from "next/navigation";
import { can, isMerchantRole, type Permission } from "@/server/core/auth/roles";
import { serverApi } from "./server-caller";

type Me = Awaited<ReturnType<Awaited<ReturnType<typeof serverApi>>["account"]["me"]>>;

async function me(): Promise<Me | "signin" | "missing"> {
  try {
    return await (await serverApi()).account.me();
  } catch (e) {
    if (e instanceof TRPCError && (e.code === "UNAUTHORIZED" || e.code === "FORBIDDEN")) return "signin";
    if (e instanceof TRPCError && e.code === "NOT_FOUND") return "missing";
    throw e;
  }
}

/** Console pages: a signed-in staff user of this host's tenant, else to the login page. */
export async function requireConsoleUser(): Promise<Me> {
  const r = await me();
  if (r === "signin") redirect("/login");
  if (r === "missing") notFound();
  if (isMerchantRole(r.role)) redirect("/m");
  return r;
}

/** Each page checks its own permission on the server (not only the layout or the nav). */
export async function pagePermission(permission: Permission): Promise<{ me: Me; allowed: boolean }> {
  const user = await requireConsoleUser();
  return { me: user, allowed: can(user.role, permission) };
}

export async function requireMerchantUser(): Promise<Me> {
  const r = await me();
  if (r === "signin") redirect("/login");
  if (r === "missing") notFound();
  if (!isMerchantRole(r.role)) redirect("/");
  return r;
}

/**
 * A record page's one record, or the 404 page: another tenant's record is NOT_FOUND exactly like a
 * missing one, and a malformed id (BAD_REQUEST) is no different to the reader.
 */
export async function loadOrNotFound<T>(load: Promise<T>): Promise<T> {
  try {
    return await load;
  } catch (e) {
    if (e instanceof TRPCError && (e.code === "NOT_FOUND" || e.code === "BAD_REQUEST")) notFound();
    throw e;
  }
}
