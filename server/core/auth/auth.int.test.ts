import { createHash } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import { reopenTenant, suspendTenant } from "@/server/core/platform/service";
import { systemResolveTenantByHost } from "@/server/core/tenancy/resolve";
import { createUser, setUserStatus } from "@/server/core/users/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, signIn, systemContext, TEST_PASSWORD, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { callerAs, failureCode, outcome, tenantHost } from "@/server/testing/trpc";
import { deleteSessionByToken, validateSession } from "./session";
import { INVALID_CREDENTIALS, LOGIN_MAX_FAILURES, signInTenantUser } from "./sign-in";

// Sign-in, lockout and the session table (ARCHITECTURE.md §4 "Sessions"): every event that should
// end a session ends it at once, checked through a real procedure (account.me → UNAUTHORIZED).

let db: TestDatabase;
let t: TestTenant;
let other: TestTenant;
const ACCOUNT_NUMBER = "6214830012345678";
/** Every password used in this file; none may ever reach the audit log. */
const PASSWORDS = new Set<string>([TEST_PASSWORD]);
const pw = (p: string) => (PASSWORDS.add(p), p);
const tokensSeen = new Set<string>();

beforeAll(async () => {
  db = await createTestDatabase("auth");
  useTestKeyring();
  t = await makeTenant("authco");
  other = await makeTenant("otherco");
});

afterAll(async () => {
  await db?.drop();
});

async function addUser(tenant: TestTenant, email: string, role: "OWNER" | "ADMIN" | "OPERATIONS" | "FINANCE" | "VIEWER", password = TEST_PASSWORD): Promise<string> {
  const u = await withTenantTx(tenant.id, (tx) => createUser(tx, ownerContext(tenant), { email, name: email, role, password }));
  return u.id;
}

async function login(tenant: TestTenant, email: string, password = TEST_PASSWORD, previousToken?: string): Promise<string> {
  const r = await signInTenantUser(tenant, { email, password }, { ip: "10.0.0.1", userAgent: "vitest", previousToken: previousToken ?? null, requestId: "req-auth-test" });
  tokensSeen.add(r.token);
  return r.token;
}

/** The DomainError a sign-in fails with. */
async function signInError(tenant: { id: string; status: string }, email: string, password: string): Promise<DomainError> {
  try {
    await signInTenantUser(tenant, { email, password }, {});
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error(`sign-in as ${email} succeeded`);
}

const valid = (tenant: TestTenant, token: string) => withTenantTx(tenant.id, (tx) => validateSession(tx, tenant.id, token));
const as = (tenant: TestTenant, token: string) => callerAs({ host: tenantHost(tenant.slug), session: token });
const me = (tenant: TestTenant, token: string) => outcome(as(tenant, token).account.me());
const domainCode = (e: unknown) => (e instanceof TRPCError && e.cause instanceof DomainError ? e.cause.code : null);

async function expectSignedOut(tenant: TestTenant, token: string) {
  expect((await me(tenant, token)).code).toBe("UNAUTHORIZED");
}
async function expectSignedIn(tenant: TestTenant, token: string, userId: string) {
  const r = await me(tenant, token);
  expect(r.code).toBe("OK");
  if (r.code === "OK") expect((r.value as { userId: string }).userId).toBe(userId);
}

async function throttleRow(tenant: TestTenant, email: string) {
  return ownerQuery<{ failures: number; locked_until: Date | null }>(db.url, `SELECT failures, locked_until FROM login_throttle WHERE key = $1`, [`tenant:${tenant.id}:${email}`]);
}

describe("sign-in", () => {
  it("succeeds with the right password and stores only the token's sha256", async () => {
    const token = await login(t, t.ownerEmail);
    const user = await valid(t, token);
    expect(user).toMatchObject({ userId: t.ownerId, email: t.ownerEmail, role: "OWNER", merchantId: null });
    const rows = await ownerQuery<{ id: string; ip: string }>(db.url, `SELECT id, ip FROM user_session WHERE tenant_id = $1 AND user_id = $2`, [t.id, t.ownerId]);
    expect(rows.map((r) => r.id)).toContain(createHash("sha256").update(token).digest("hex"));
    expect(rows.map((r) => r.id)).not.toContain(token);
  });

  it("gives the same INVALID_CREDENTIALS for a wrong password, an unknown email and a disabled user", async () => {
    const disabledEmail = "disabled@authco.test";
    const disabledId = await addUser(t, disabledEmail, "VIEWER");
    await withTenantTx(t.id, (tx) => setUserStatus(tx, ownerContext(t), { userId: disabledId, status: "DISABLED" }));

    const errors = [
      await signInError(t, t.ownerEmail, "Wrong-password-9"),
      await signInError(t, "nobody@authco.test", TEST_PASSWORD),
      await signInError(t, disabledEmail, TEST_PASSWORD), // the right password
    ];
    for (const e of errors) {
      expect({ kind: e.kind, code: e.code, message: e.message }).toEqual({ kind: "UNAUTHORIZED", code: "INVALID_CREDENTIALS", message: INVALID_CREDENTIALS.message });
    }
    // The same user in the wrong tenant is unknown there.
    expect((await signInError(other, t.ownerEmail, TEST_PASSWORD)).code).toBe("INVALID_CREDENTIALS");
  });

  it(`locks an email after ${LOGIN_MAX_FAILURES} failures; the right password is then refused with SIGN_IN_LOCKED`, async () => {
    const email = "locked@authco.test";
    const userId = await addUser(t, email, "VIEWER");
    for (let i = 1; i < LOGIN_MAX_FAILURES; i++) expect((await signInError(t, email, `Wrong-${i}-password`)).code).toBe("INVALID_CREDENTIALS");
    const fifth = await signInError(t, email, "Wrong-5-password");
    expect(fifth).toMatchObject({ kind: "RATE_LIMITED", code: "SIGN_IN_LOCKED" });
    const locked = await signInError(t, email, TEST_PASSWORD);
    expect(locked.code).toBe("SIGN_IN_LOCKED");
    expect(locked.message).toMatch(/Try again in 1[45] minute/);
    const [row] = await throttleRow(t, email);
    expect(row!.locked_until!.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);

    // Only that key: another email of the tenant and the same email in another tenant still sign in.
    await login(t, t.ownerEmail);
    await addUser(other, email, "VIEWER");
    await login(other, email);

    // When the lock runs out the right password works again.
    await ownerQuery(db.url, `UPDATE login_throttle SET locked_until = now() - interval '1 second' WHERE key = $1`, [`tenant:${t.id}:${email}`]);
    const token = await login(t, email);
    expect((await valid(t, token))?.userId).toBe(userId);
  });

  it("locks an email that has no account the same way (which emails exist is not revealed)", async () => {
    const ghost = "ghost@authco.test";
    const codes: string[] = [];
    for (let i = 0; i < LOGIN_MAX_FAILURES + 1; i++) codes.push((await signInError(t, ghost, TEST_PASSWORD)).code);
    expect(codes).toEqual([...Array<string>(LOGIN_MAX_FAILURES - 1).fill("INVALID_CREDENTIALS"), "SIGN_IN_LOCKED", "SIGN_IN_LOCKED"]);
    expect((await throttleRow(t, ghost))[0]?.locked_until).toBeInstanceOf(Date);
  });

  it("a success clears the failure counter", async () => {
    const email = "counter@authco.test";
    await addUser(t, email, "VIEWER");
    for (let i = 1; i < LOGIN_MAX_FAILURES; i++) await signInError(t, email, "Wrong-password-0");
    expect((await throttleRow(t, email))[0]?.failures).toBe(LOGIN_MAX_FAILURES - 1);
    await login(t, email);
    expect(await throttleRow(t, email)).toEqual([]);
    // Had the counter survived, the first of these would lock.
    for (let i = 1; i < LOGIN_MAX_FAILURES; i++) expect((await signInError(t, email, "Wrong-password-0")).code).toBe("INVALID_CREDENTIALS");
    expect((await signInError(t, email, "Wrong-password-0")).code).toBe("SIGN_IN_LOCKED");
  });

  it("rotates the session: signing in again with the previous token ends the old one", async () => {
    const email = "rotate@authco.test";
    const userId = await addUser(t, email, "VIEWER");
    const t1 = await login(t, email);
    const t2 = await login(t, email, TEST_PASSWORD, t1);
    expect(await valid(t, t1)).toBeNull();
    expect((await valid(t, t2))?.userId).toBe(userId);
    // Without a previous token (another browser) both stay.
    const t3 = await login(t, email);
    expect((await valid(t, t2))?.userId).toBe(userId);
    expect((await valid(t, t3))?.userId).toBe(userId);
    // A previous token of another tenant's session is not ended by signing in here.
    const otherToken = await login(other, other.ownerEmail);
    await login(t, email, TEST_PASSWORD, otherToken);
    expect((await valid(other, otherToken))?.userId).toBe(other.ownerId);
  });

  it("sign-out (deleteSessionByToken) makes a copied token worthless; the user's other sessions remain", async () => {
    const email = "signout@authco.test";
    const userId = await addUser(t, email, "VIEWER");
    const token = await login(t, email);
    const elsewhere = await login(t, email);
    const copied = `${token}`;
    await withTenantTx(t.id, (tx) => deleteSessionByToken(tx, t.id, token));
    expect(await valid(t, copied)).toBeNull();
    await expectSignedOut(t, copied);
    await expectSignedIn(t, elsewhere, userId);
  });

  it("rejects tokens that are empty, absurdly long or of another tenant", async () => {
    expect(await valid(t, "")).toBeNull();
    expect(await valid(t, "x".repeat(201))).toBeNull();
    const otherToken = await login(other, other.ownerEmail);
    expect(await valid(t, otherToken)).toBeNull();
  });
});

describe("events that end sessions", () => {
  let ownerToken: string;
  beforeAll(async () => {
    ownerToken = await login(t, t.ownerEmail);
  });

  it("a role change ends that user's sessions (and only theirs)", async () => {
    const email = "role@authco.test";
    const userId = await addUser(t, email, "ADMIN");
    const token = await login(t, email);
    await expectSignedIn(t, token, userId);
    const r = await as(t, ownerToken).users.changeRole({ userId, role: "OPERATIONS" });
    expect(r.role).toBe("OPERATIONS");
    await expectSignedOut(t, token);
    await expectSignedIn(t, ownerToken, t.ownerId);
    // Signing in again gives the new role.
    expect((await valid(t, await login(t, email)))?.role).toBe("OPERATIONS");
  });

  it("a password reset ends the user's sessions; the old password stops working", async () => {
    const email = "reset@authco.test";
    const userId = await addUser(t, email, "VIEWER");
    const token = await login(t, email);
    await as(t, ownerToken).users.resetPassword({ userId, password: pw("Reset-password-22") });
    await expectSignedOut(t, token);
    expect((await signInError(t, email, TEST_PASSWORD)).code).toBe("INVALID_CREDENTIALS");
    expect((await valid(t, await login(t, email, "Reset-password-22")))?.userId).toBe(userId);
  });

  it("disabling a user ends their sessions and refuses sign-in; enabling lets them back", async () => {
    const email = "disable@authco.test";
    const userId = await addUser(t, email, "FINANCE");
    const token = await login(t, email);
    await as(t, ownerToken).users.setStatus({ userId, status: "DISABLED" });
    await expectSignedOut(t, token);
    expect(await ownerQuery(db.url, `SELECT id FROM user_session WHERE tenant_id = $1 AND user_id = $2`, [t.id, userId])).toEqual([]);
    expect((await signInError(t, email, TEST_PASSWORD)).code).toBe("INVALID_CREDENTIALS");
    await as(t, ownerToken).users.setStatus({ userId, status: "ACTIVE" });
    await login(t, email);
  });

  it("a user disabled behind the app's back (no session cleanup) is still refused: validateSession checks the status", async () => {
    const email = "sneaky-disable@authco.test";
    const userId = await addUser(t, email, "VIEWER");
    const token = await login(t, email);
    await ownerQuery(db.url, `UPDATE app_user SET status = 'DISABLED' WHERE tenant_id = $1 AND id = $2`, [t.id, userId]);
    await expectSignedOut(t, token);
    // Still refused on the next call. (validateSession also deletes the row, but the tenant rung
    // throws UNAUTHORIZED inside the same transaction, so that delete is rolled back.)
    await expectSignedOut(t, token);
    expect(await valid(t, token)).toBeNull();
  });

  it("changing one's own password ends all of one's sessions; a wrong current password changes nothing", async () => {
    const email = "ownpw@authco.test";
    const userId = await addUser(t, email, "VIEWER");
    const token = await login(t, email);
    const other = await login(t, email);
    const wrong = await outcome(as(t, token).account.changePassword({ currentPassword: "Not-my-password-1", newPassword: pw("Own-new-password-1") }));
    expect(wrong.code).toBe("BAD_REQUEST");
    if (wrong.code !== "OK") expect(domainCode(wrong.error)).toBe("WRONG_PASSWORD");
    await expectSignedIn(t, token, userId);
    await as(t, token).account.changePassword({ currentPassword: TEST_PASSWORD, newPassword: "Own-new-password-1" });
    await expectSignedOut(t, token);
    await expectSignedOut(t, other);
    expect((await signInError(t, email, TEST_PASSWORD)).code).toBe("INVALID_CREDENTIALS");
    await login(t, email, "Own-new-password-1");
  });

  it("suspending the tenant ends every session of it (deleted, not just blocked) and refuses sign-in until reopened", async () => {
    const susp = await makeTenant("suspco");
    const viewerEmail = "viewer@suspco.test";
    await addUser(susp, viewerEmail, "VIEWER");
    const tokens = [await login(susp, susp.ownerEmail), await login(susp, viewerEmail)];
    const bystander = await login(other, other.ownerEmail);

    const r = await suspendTenant({ adminId: null, email: "ops@platform.test" }, susp.id, "unpaid invoices");
    expect(r.sessionsEnded).toBe(2);
    for (const token of tokens) await expectSignedOut(susp, token);
    expect(await ownerQuery(db.url, `SELECT id FROM user_session WHERE tenant_id = $1`, [susp.id])).toEqual([]);
    await expectSignedIn(other, bystander, other.ownerId);

    const resolved = await systemResolveTenantByHost(tenantHost(susp.slug));
    expect(resolved?.status).toBe("SUSPENDED");
    expect((await signInError(resolved!, susp.ownerEmail, TEST_PASSWORD)).code).toBe("INVALID_CREDENTIALS");

    await reopenTenant({ adminId: null, email: "ops@platform.test" }, susp.id, "paid");
    for (const token of tokens) await expectSignedOut(susp, token);
    const reopened = await systemResolveTenantByHost(tenantHost(susp.slug));
    await expectSignedIn(susp, await login({ ...susp, status: reopened!.status }, susp.ownerEmail), susp.ownerId);
  });
});

describe("owner rules", () => {
  it("the last active owner can be neither demoted nor disabled", async () => {
    const solo = await makeTenant("soloco");
    const token = await login(solo, solo.ownerEmail);
    const demote = await outcome(as(solo, token).users.changeRole({ userId: solo.ownerId, role: "ADMIN" }));
    expect(demote.code).toBe("PRECONDITION_FAILED");
    if (demote.code !== "OK") expect(domainCode(demote.error)).toBe("LAST_OWNER");
    const self = await outcome(as(solo, token).users.setStatus({ userId: solo.ownerId, status: "DISABLED" }));
    if (self.code !== "OK") expect(domainCode(self.error)).toBe("CANNOT_DISABLE_SELF");
    expect(self.code).toBe("PRECONDITION_FAILED");
    // The operator (CLI, acting as the system) cannot disable the last owner either.
    const viaCli = await withTenantTx(solo.id, (tx) => setUserStatus(tx, systemContext(solo, "cli"), { userId: solo.ownerId, status: "DISABLED" })).catch((e: unknown) => e);
    expect(viaCli).toMatchObject({ code: "LAST_OWNER" });

    // A second owner makes demotion possible; a disabled owner does not count.
    const second = await addUser(solo, "second@soloco.test", "OWNER");
    await as(solo, token).users.changeRole({ userId: second, role: "ADMIN" });
    const third = await addUser(solo, "third@soloco.test", "OWNER");
    await as(solo, token).users.setStatus({ userId: third, status: "DISABLED" });
    expect(await failureCode(as(solo, token).users.changeRole({ userId: solo.ownerId, role: "ADMIN" }))).toBe("PRECONDITION_FAILED");
    await as(solo, token).users.setStatus({ userId: third, status: "ACTIVE" });
    await as(solo, token).users.changeRole({ userId: solo.ownerId, role: "ADMIN" });
    const rows = await ownerQuery<{ id: string; role: string }>(db.url, `SELECT id, role FROM app_user WHERE tenant_id = $1 AND role = 'OWNER' AND status = 'ACTIVE'`, [solo.id]);
    expect(rows).toEqual([{ id: third, role: "OWNER" }]);
  });

  it("an admin cannot make, change, reset or disable an owner; operations cannot manage users at all", async () => {
    await addUser(t, "admin@authco.test", "ADMIN");
    await addUser(t, "ops@authco.test", "OPERATIONS");
    const viewerId = await addUser(t, "plain-viewer@authco.test", "VIEWER");
    const admin = as(t, await login(t, "admin@authco.test"));
    const ops = as(t, await login(t, "ops@authco.test"));

    expect(await failureCode(admin.users.create({ email: "owner2@authco.test", name: "Owner 2", role: "OWNER", password: TEST_PASSWORD }))).toBe("FORBIDDEN");
    expect(await failureCode(admin.users.changeRole({ userId: viewerId, role: "OWNER" }))).toBe("FORBIDDEN");
    expect(await failureCode(admin.users.changeRole({ userId: t.ownerId, role: "VIEWER" }))).toBe("FORBIDDEN");
    expect(await failureCode(admin.users.resetPassword({ userId: t.ownerId, password: pw("Takeover-password-1") }))).toBe("FORBIDDEN");
    expect(await failureCode(admin.users.setStatus({ userId: t.ownerId, status: "DISABLED" }))).toBe("FORBIDDEN");
    expect(await failureCode(ops.users.create({ email: "x@authco.test", name: "X", role: "VIEWER", password: TEST_PASSWORD }))).toBe("FORBIDDEN");
    expect(await ownerQuery(db.url, `SELECT id FROM app_user WHERE email IN ('owner2@authco.test', 'x@authco.test')`)).toEqual([]);
    const owner = await ownerQuery<{ role: string; status: string }>(db.url, `SELECT role, status FROM app_user WHERE id = $1`, [t.ownerId]);
    expect(owner).toEqual([{ role: "OWNER", status: "ACTIVE" }]);
    await login(t, t.ownerEmail); // the owner's password was not reset

    // Control: an admin can create an admin.
    const created = await admin.users.create({ email: "admin2@authco.test", name: "Admin 2", role: "ADMIN", password: TEST_PASSWORD });
    expect(created.role).toBe("ADMIN");
  });
});

describe("the audit log", () => {
  interface AuditRow {
    tenant_id: string;
    actor_kind: string;
    actor_email: string | null;
    action: string;
    entity_id: string | null;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    request_id: string | null;
  }
  const rowsOf = (tenantId: string) =>
    ownerQuery<AuditRow>(db.url, `SELECT tenant_id, actor_kind, actor_email, action, entity_id, before, after, request_id FROM audit_log WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);

  it("records sign-ins and every mutation, with before/after where something changed", async () => {
    // Merchants, with a bank account number, through the procedures.
    const owner = as(t, await login(t, t.ownerEmail));
    const m = await owner.merchants.create(merchantInput("Audit Mart", { settlementAccountNumber: ACCOUNT_NUMBER }));
    await owner.merchants.update({ id: m.id, shortName: "Audit Mart 2", settlementAccountNumber: "6214830087654321" });
    await owner.account.setLocale({ locale: "zh-CN" });

    const rows = await rowsOf(t.id);
    const byAction = (action: string) => rows.filter((r) => r.action === action);

    const signIns = byAction("auth.sign_in");
    expect(signIns.length).toBeGreaterThan(10);
    expect(signIns.find((r) => r.entity_id === t.ownerId)).toMatchObject({ actor_kind: "USER", actor_email: t.ownerEmail, after: { ip: "10.0.0.1" }, request_id: "req-auth-test" });

    const roleChange = byAction("user.role_change").find((r) => r.after?.role === "OPERATIONS");
    expect(roleChange).toMatchObject({ before: { role: "ADMIN" }, after: { role: "OPERATIONS", sessionsEnded: 1 }, actor_email: t.ownerEmail });
    expect(byAction("user.status_change").some((r) => r.before?.status === "ACTIVE" && r.after?.status === "DISABLED" && r.after?.sessionsEnded === 1)).toBe(true);
    expect(byAction("user.password_reset").some((r) => r.after?.sessionsEnded === 1)).toBe(true);
    expect(byAction("user.password_change")).toHaveLength(1);
    expect(byAction("user.locale_change").at(-1)).toMatchObject({ after: { locale: "zh-CN" } });
    expect(byAction("user.create").length).toBeGreaterThan(10);
    expect(byAction("user.create").every((r) => r.after !== null && r.after.email !== undefined)).toBe(true);

    const created = byAction("merchant.create").find((r) => r.entity_id === m.id);
    expect(created?.after).toMatchObject({ shortName: "Audit Mart", settlementAccountLast4: "5678" });
    const updated = byAction("merchant.update").find((r) => r.entity_id === m.id);
    expect(updated).toMatchObject({ before: { shortName: "Audit Mart" }, after: { shortName: "Audit Mart 2", settlementAccountLast4: "4321" } });

    const susp = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM tenant WHERE slug = 'suspco'`);
    const suspRows = await rowsOf(susp[0]!.id);
    expect(suspRows.find((r) => r.action === "tenant.suspend")).toMatchObject({ actor_kind: "PLATFORM", before: { status: "ACTIVE" }, after: { status: "SUSPENDED", reason: "unpaid invoices", sessionsEnded: 2 } });
    expect(suspRows.find((r) => r.action === "tenant.reopen")).toMatchObject({ before: { status: "SUSPENDED" }, after: { status: "ACTIVE" } });
  });

  it("writes nothing for a refused mutation (the transaction rolls back with it)", async () => {
    const rows = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM audit_log WHERE after->>'email' IN ('owner2@authco.test', 'x@authco.test')`);
    expect(rows[0]!.n).toBe(0);
  });

  it("never holds a password, a password hash, a session token, a sealed value or an account number", async () => {
    const all = await ownerQuery<{ text: string }>(db.url, `SELECT coalesce(before::text, '') || ' ' || coalesce(after::text, '') AS text FROM audit_log UNION ALL SELECT coalesce(before::text, '') || ' ' || coalesce(after::text, '') FROM platform_audit_log`);
    expect(all.length).toBeGreaterThan(30);
    const forbidden = [...PASSWORDS, ...tokensSeen, "scrypt$", "swy1:", ACCOUNT_NUMBER, "6214830087654321"];
    const found = all.flatMap((r) => forbidden.filter((f) => r.text.includes(f)).map((f) => `${f} in ${r.text.slice(0, 200)}`));
    expect(found).toEqual([]);
    // The scan does find what it looks for.
    expect(all.some((r) => r.text.includes("Audit Mart"))).toBe(true);
  });
});
