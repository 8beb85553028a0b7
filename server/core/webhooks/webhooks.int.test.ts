import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import { createMerchant } from "@/server/core/merchants/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { drainOutboxOnce, registerOutboxBatchHandler, startOutboxDrainer } from "@/server/jobs/outbox";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { makeTenant } from "@/server/testing/tenants";
import { checkTarget, type Resolver } from "./guard";
import { createWebhookDeliveryHandler } from "./handler";
import { publishWebhook, WEBHOOK_TOPIC } from "./publish";
import { RETRY_DELAYS_SECONDS, type TargetPolicy } from "./rules";
import {
  createWebhookEndpoint,
  findWebhookEvents,
  getWebhookEndpoint,
  getWebhookEvent,
  listObjectWebhookEvents,
  PREVIOUS_SECRET_VALID_MS,
  resendWebhookEvent,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from "./service";
import { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from "./signature";

// Merchant webhooks end to end against real PostgreSQL (RLS in force) and real HTTP receivers on
// 127.0.0.1: the schedule under a fake clock, the signature on every attempt, notifyUrl, secret
// rotation, the address guard, NO_ENDPOINT, manual resend and tenant isolation.

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("webhooks");
});
afterAll(async () => db?.drop());

const T0 = new Date("2026-11-28T02:00:00.000Z");
let clock = new Date(T0);
const TIMEOUT_MS = 400;
const LOOPBACK_OK: TargetPolicy = { production: false, allowLoopback: true };

function useHandler(policy: TargetPolicy = LOOPBACK_OK, resolve?: Resolver) {
  registerOutboxBatchHandler(WEBHOOK_TOPIC, createWebhookDeliveryHandler({ now: () => new Date(clock), timeoutMs: TIMEOUT_MS, policy: () => policy, ...(resolve ? { resolve } : {}) }));
}

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The fake clock when it arrived. */
  at: Date;
}
type Answer = "ok" | "fail" | "hang";

/** A receiver on 127.0.0.1 that answers each request as `decide` says and remembers all of them. */
async function receiver(decide: (r: Received, seen: number) => Answer) {
  const received: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: Received = { path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: new Date(clock) };
      received.push(r);
      const answer = decide(r, received.filter((x) => x.path === r.path).length);
      if (answer === "hang") hanging.push(res);
      else if (answer === "ok") res.writeHead(200, { "content-type": "text/plain" }).end("received, thanks");
      else res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "boom", detail: "x".repeat(2000) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  closers.push(close);
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, received, port, close };
}
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
  clock = new Date(T0);
});

async function setUp(label: string) {
  const t = await makeTenant();
  const merchants = await t.run(async (tx) => {
    const out: string[] = [];
    for (const name of [`${label} Noodles`, `${label} Tea`, `${label} Bakery`]) out.push((await createMerchant(tx, t.ctx, merchantInput(name))).id);
    return out;
  });
  return { ...t, merchants };
}
type Setup = Awaited<ReturnType<typeof setUp>>;

async function endpoint(t: Setup, merchantId: string, url: string) {
  return t.run((tx) => createWebhookEndpoint(tx, t.ctx, { merchantId, url }, { now: clock }));
}

async function publishMany(t: Setup, merchantId: string, n: number, extra: { notifyUrl?: string; objectId?: string; type?: "payment.succeeded" | "refund.succeeded" } = {}) {
  return t.run(async (tx) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const { eventId } = await publishWebhook(tx, t.ctx, {
        merchantId,
        type: extra.type ?? "payment.succeeded",
        objectType: extra.type === "refund.succeeded" ? "refund" : "payment",
        objectId: extra.objectId ?? randomUUID(),
        data: { amountMinor: 1000n + BigInt(i), subject: "午餐套餐" },
        ...(extra.notifyUrl ? { notifyUrl: extra.notifyUrl } : {}),
      });
      ids.push(eventId);
    }
    return ids;
  });
}

interface EventRow {
  id: string;
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
}
const eventRows = (ids: string[]) => ownerQuery<EventRow>(db.url, `SELECT id, status::text, attempts, next_attempt_at, delivered_at FROM webhook_event WHERE id = ANY($1::uuid[])`, [ids]);
const attemptRows = (id: string) =>
  ownerQuery<{ attempt: number; status_code: number | null; latency_ms: number; response_excerpt: string | null; error: string | null; trigger: string; created_at: Date; url: string }>(
    db.url,
    `SELECT attempt, status_code, latency_ms, response_excerpt, error, trigger, created_at, url FROM webhook_attempt WHERE event_id = $1 ORDER BY created_at, attempt`,
    [id],
  );
const outboxOf = (ids: string[]) =>
  ownerQuery<{ event_id: string; status: string; attempts: number; available_at: Date; last_error: string | null }>(
    db.url,
    `SELECT payload->>'eventId' AS event_id, status::text, attempts, available_at, last_error FROM outbox_event WHERE topic = $1 AND payload->>'eventId' = ANY($2::text[])`,
    [WEBHOOK_TOPIC, ids],
  );

/** Makes every still-pending event due now (in the database) and moves the fake clock to the earliest next attempt. */
async function advanceToNextAttempt(ids: string[]): Promise<boolean> {
  const pending = (await eventRows(ids)).filter((e) => e.status === "PENDING");
  if (pending.length === 0) return false;
  const next = Math.min(...pending.map((e) => e.next_attempt_at!.getTime()));
  clock = new Date(next);
  const due = pending.filter((e) => e.next_attempt_at!.getTime() === next).map((e) => e.id);
  await ownerQuery(db.url, `UPDATE outbox_event SET available_at = now() WHERE topic = $1 AND status = 'PENDING' AND payload->>'eventId' = ANY($2::text[])`, [WEBHOOK_TOPIC, due]);
  return true;
}

/** The endpoint secret as the merchant got it at creation (or rotation). */
const secrets = new Map<string, string>();

describe("the retry schedule (fake clock, real receivers)", () => {
  it("every event ends DELIVERED or FAILED exactly on the schedule; every attempt is signed; the id never changes", async () => {
    useHandler();
    const t = await setUp("Sched");
    // Fails about half of all calls, by a hash of the event and the call number (deterministic).
    const flaky = await receiver((r, n) => (createHash("sha256").update(`${JSON.parse(r.body).id}:${n}`).digest()[0]! % 2 ? "fail" : "ok"));
    const down = await receiver(() => "fail");
    const stuck = await receiver(() => "hang");
    const [mFlaky, mDown, mStuck] = t.merchants as [string, string, string];
    for (const [m, url] of [[mFlaky, flaky.url("/flaky")], [mDown, down.url("/down")], [mStuck, stuck.url("/stuck")]] as const) {
      secrets.set(m, (await endpoint(t, m, url)).secret);
    }
    const flakyIds = await publishMany(t, mFlaky, 12);
    const downIds = await publishMany(t, mDown, 2);
    const stuckIds = await publishMany(t, mStuck, 2);
    const all = [...flakyIds, ...downIds, ...stuckIds];

    let rounds = 0;
    const before = Date.now();
    const first = await drainOutboxOnce(100);
    expect(first.claimed).toBe(16);
    // A retry is due in the outbox after the schedule's first wait (15 s of real time).
    const retried = (await outboxOf(downIds))[0]!;
    expect(retried.status).toBe("PENDING");
    expect(retried.available_at.getTime()).toBeGreaterThanOrEqual(before + 15_000 - 50);
    expect(retried.available_at.getTime()).toBeLessThanOrEqual(Date.now() + 15_000 + 50);
    expect(retried.last_error).toMatch(/^attempt 1: HTTP 500/);
    while (await advanceToNextAttempt(all)) {
      await drainOutboxOnce(100);
      if (++rounds > 20) throw new Error("the schedule did not end");
    }
    expect(rounds).toBe(15);

    const events = await eventRows(all);
    expect(events.filter((e) => e.status !== "DELIVERED" && e.status !== "FAILED")).toEqual([]);
    const outbox = new Map((await outboxOf(all)).map((o) => [o.event_id, o]));
    for (const e of events) {
      const attempts = await attemptRows(e.id);
      expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
      expect(e.attempts).toBe(attempts.length);
      // Exactly on the schedule: attempt n+1 starts RETRY_DELAYS_SECONDS[n-1] after attempt n.
      for (let i = 1; i < attempts.length; i++) {
        expect(attempts[i]!.created_at.getTime() - attempts[i - 1]!.created_at.getTime()).toBe(RETRY_DELAYS_SECONDS[i - 1]! * 1000);
      }
      expect(attempts[0]!.created_at.getTime()).toBe(T0.getTime());
      expect(attempts.every((a) => a.trigger === "SCHEDULE")).toBe(true);
      if (e.status === "DELIVERED") {
        expect(attempts.at(-1)).toMatchObject({ status_code: 200, error: null, response_excerpt: "received, thanks" });
        expect(attempts.slice(0, -1).every((a) => a.status_code === 500)).toBe(true);
        expect(e.delivered_at!.getTime()).toBe(attempts.at(-1)!.created_at.getTime());
        expect(e.next_attempt_at).toBeNull();
        expect(outbox.get(e.id)).toMatchObject({ status: "DONE", attempts: attempts.length, last_error: null });
      } else {
        expect(attempts).toHaveLength(16);
        expect(e.next_attempt_at).toBeNull();
        expect(outbox.get(e.id)).toMatchObject({ status: "FAILED", attempts: 16 });
        expect(outbox.get(e.id)!.last_error).toMatch(/^attempt 16: /);
      }
    }
    expect(events.filter((e) => downIds.includes(e.id)).map((e) => e.status)).toEqual(["FAILED", "FAILED"]);
    expect(events.filter((e) => stuckIds.includes(e.id)).map((e) => e.status)).toEqual(["FAILED", "FAILED"]);
    // The flaky receiver failed about half of its calls, and every one of its events got through.
    const flakyCalls = flaky.received.length;
    expect(events.filter((e) => flakyIds.includes(e.id)).every((e) => e.status === "DELIVERED")).toBe(true);
    expect(flakyCalls).toBeGreaterThan(12);
    expect(flakyCalls).toBeLessThan(12 * 4);

    // An error answer is kept as an excerpt of at most 500 characters; a hang is a timeout.
    const downAttempt = (await attemptRows(downIds[0]!))[0]!;
    expect(downAttempt.response_excerpt).toHaveLength(500);
    expect(downAttempt.response_excerpt!.startsWith('{"error":"boom"')).toBe(true);
    expect(downAttempt.error).toBe("HTTP 500");
    for (const a of await attemptRows(stuckIds[0]!)) {
      expect(a).toMatchObject({ status_code: null, response_excerpt: null, error: `timed out after ${TIMEOUT_MS} ms` });
      expect(a.latency_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    }
    expect(stuck.received).toHaveLength(2 * 16);
    expect(down.received).toHaveLength(2 * 16);

    // Every request: signed (verifiable at the fake time it arrived), JSON, our user agent, and
    // the same body (the same event id) on every attempt of an event.
    const bodies = new Map<string, string>();
    for (const [r, merchantId] of [...flaky.received.map((r) => [r, mFlaky] as const), ...down.received.map((r) => [r, mDown] as const), ...stuck.received.map((r) => [r, mStuck] as const)]) {
      const header = r.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()] as string;
      expect(verifyWebhookSignature(header, r.body, [secrets.get(merchantId)!], r.at)).toEqual({ ok: true, timestamp: r.at.getTime() / 1000 });
      expect(header.match(/v1=/g)).toHaveLength(1);
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["user-agent"]).toBe("Switchyard-Webhooks/1");
      const body = JSON.parse(r.body) as { id: string; type: string; createdAt: string; data: { amountMinor: number; subject: string } };
      expect(Object.keys(body)).toEqual(["id", "type", "createdAt", "data"]);
      expect(all).toContain(body.id);
      expect(body.type).toBe("payment.succeeded");
      expect(body.data.subject).toBe("午餐套餐");
      expect(typeof body.data.amountMinor).toBe("number");
      if (bodies.has(body.id)) expect(r.body).toBe(bodies.get(body.id));
      else bodies.set(body.id, r.body);
    }
    expect([...bodies.keys()].sort()).toEqual([...all].sort());
  });
});

describe("the running drainer", () => {
  it("delivers as events commit, and a hanging endpoint does not hold back the others", async () => {
    // A longer timeout than the other tests', so "before the hang ends" has room on a busy machine.
    const hangMs = 3_000;
    registerOutboxBatchHandler(WEBHOOK_TOPIC, createWebhookDeliveryHandler({ now: () => new Date(clock), timeoutMs: hangMs, policy: () => LOOPBACK_OK }));
    const t = await setUp("Drainer");
    const stuck = await receiver(() => "hang");
    const ok = await receiver(() => "ok");
    await endpoint(t, t.merchants[0]!, stuck.url("/stuck"));
    await endpoint(t, t.merchants[1]!, ok.url("/ok"));
    const stop = startOutboxDrainer({ idleMs: 20 });
    try {
      const [stuckId] = await publishMany(t, t.merchants[0]!, 1);
      const okIds = await publishMany(t, t.merchants[1]!, 20);
      const started = Date.now();
      await expect.poll(() => ok.received.length, { timeout: 5_000, interval: 10 }).toBe(20);
      // All twenty arrived while the stuck attempt was still waiting for its timeout.
      expect(Date.now() - started).toBeLessThan(hangMs);
      expect(stuck.received).toHaveLength(1);
      await expect.poll(async () => (await eventRows(okIds)).filter((e) => e.status === "DELIVERED").length, { timeout: 5_000, interval: 20 }).toBe(20);
      await expect.poll(async () => (await eventRows([stuckId!]))[0]!.attempts, { timeout: 10_000, interval: 50 }).toBe(1);
      expect((await attemptRows(stuckId!))[0]).toMatchObject({ error: `timed out after ${hangMs} ms` });
    } finally {
      await stop();
    }
  });
});

describe("targets", () => {
  it("notifyUrl overrides the endpoint (signed with the endpoint's secret), even while the endpoint is off", async () => {
    useHandler();
    const t = await setUp("Override");
    const r = await receiver(() => "ok");
    const m = t.merchants[0]!;
    const { secret } = await endpoint(t, m, r.url("/endpoint"));
    const [viaEndpoint] = await publishMany(t, m, 1);
    const [viaOverride] = await publishMany(t, m, 1, { notifyUrl: r.url("/override?order=42") });
    await drainOutboxOnce();
    expect(r.received.map((x) => [x.path, JSON.parse(x.body).id]).sort()).toEqual(
      [
        ["/endpoint", viaEndpoint],
        ["/override?order=42", viaOverride],
      ].sort(),
    );
    for (const x of r.received) expect(verifyWebhookSignature(x.headers["switchyard-signature"] as string, x.body, [secret], clock).ok).toBe(true);
    expect((await attemptRows(viaOverride!))[0]!.url).toBe(r.url("/override?order=42"));

    // Deliveries off: the endpoint gets nothing (NO_ENDPOINT), a notifyUrl still does.
    await t.run((tx) => updateWebhookEndpoint(tx, t.ctx, { merchantId: m, enabled: false }));
    const [offEndpoint] = await publishMany(t, m, 1);
    const [offOverride] = await publishMany(t, m, 1, { notifyUrl: r.url("/override-2") });
    await drainOutboxOnce();
    const rows = new Map((await eventRows([viaEndpoint!, viaOverride!, offEndpoint!, offOverride!])).map((e) => [e.id, e.status]));
    expect([rows.get(viaEndpoint!), rows.get(viaOverride!), rows.get(offEndpoint!), rows.get(offOverride!)]).toEqual(["DELIVERED", "DELIVERED", "NO_ENDPOINT", "DELIVERED"]);
    expect(r.received.map((x) => x.path)).toContain("/override-2");
  });

  it("NO_ENDPOINT: a merchant without an endpoint gets no attempt (even with a notifyUrl: no secret to sign with); the outbox entry is done", async () => {
    useHandler();
    const t = await setUp("None");
    const r = await receiver(() => "ok");
    const ids = [...(await publishMany(t, t.merchants[1]!, 2)), ...(await publishMany(t, t.merchants[1]!, 1, { notifyUrl: r.url("/nobody") }))];
    expect(await drainOutboxOnce()).toMatchObject({ claimed: 3, done: 3 });
    expect((await eventRows(ids)).map((e) => [e.status, e.attempts])).toEqual(ids.map(() => ["NO_ENDPOINT", 0]));
    for (const id of ids) expect(await attemptRows(id)).toEqual([]);
    expect((await outboxOf(ids)).map((o) => o.status)).toEqual(["DONE", "DONE", "DONE"]);
    expect(r.received).toEqual([]);
  });
});

describe("secret rotation", () => {
  it("signs with both secrets (two v1) for 24 hours after a rotation, then with the new one only", async () => {
    useHandler();
    const t = await setUp("Rotate");
    const r = await receiver(() => "ok");
    const m = t.merchants[0]!;
    const created = await endpoint(t, m, r.url("/hook"));
    expect(created).toMatchObject({ secretVersion: 1, previousSecretExpiresAt: null });
    const rotatedAt = new Date(T0.getTime() + 3600_000);
    const rotated = await t.run((tx) => rotateWebhookSecret(tx, t.ctx, { merchantId: m }, rotatedAt));
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated).toMatchObject({ secretVersion: 2, previousSecretExpiresAt: new Date(rotatedAt.getTime() + PREVIOUS_SECRET_VALID_MS) });

    clock = new Date(rotatedAt.getTime() + PREVIOUS_SECRET_VALID_MS - 1000);
    await publishMany(t, m, 1);
    await drainOutboxOnce();
    const during = r.received.at(-1)!;
    const header = during.headers["switchyard-signature"] as string;
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifyWebhookSignature(header, during.body, [rotated.secret], clock).ok).toBe(true);
    expect(verifyWebhookSignature(header, during.body, [created.secret], clock).ok).toBe(true);
    // The first v1 is the new secret's.
    expect(verifyWebhookSignature(header.split(",").slice(0, 2).join(","), during.body, [rotated.secret], clock).ok).toBe(true);

    clock = new Date(rotatedAt.getTime() + PREVIOUS_SECRET_VALID_MS + 1000);
    await publishMany(t, m, 1);
    await drainOutboxOnce();
    const after = r.received.at(-1)!;
    const afterHeader = after.headers["switchyard-signature"] as string;
    expect(afterHeader.match(/v1=/g)).toHaveLength(1);
    expect(verifyWebhookSignature(afterHeader, after.body, [rotated.secret], clock).ok).toBe(true);
    expect(verifyWebhookSignature(afterHeader, after.body, [created.secret], clock)).toEqual({ ok: false, reason: "SIGNATURE_MISMATCH" });
    expect((await t.run((tx) => getWebhookEndpoint(tx, t.ctx, { merchantId: m }, clock)))!.previousSecretExpiresAt).toBeNull();
  });
});

describe("the address guard", () => {
  const production: TargetPolicy = { production: true, allowLoopback: false };
  const fakeDns: Resolver = async (host) => {
    const table: Record<string, Array<{ address: string; family: 4 | 6 }>> = {
      "hooks.public.test": [{ address: "93.184.216.34", family: 4 }],
      "hooks.v6.test": [{ address: "2606:4700:4700::1111", family: 6 }],
      "split.test": [
        { address: "93.184.216.34", family: 4 },
        { address: "10.0.0.5", family: 4 },
      ],
      "metadata.test": [{ address: "169.254.169.254", family: 4 }],
      "office.test": [{ address: "fd00::17", family: 6 }],
    };
    const rows = table[host];
    if (!rows) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return rows;
  };

  it("in production refuses 10.x, 192.168.x, 127.x (without the flag), ::1, fd00::, 169.254.x and any host resolving to one; allows a public address", async () => {
    for (const url of ["http://10.1.2.3/h", "http://192.168.1.20/h", "http://127.0.0.1:9/h", "http://[::1]/h", "http://[fd00::1]/h", "http://169.254.169.254/latest/meta-data", "http://split.test/h", "http://metadata.test/h", "http://office.test/h"]) {
      const r = await checkTarget(url, production, fakeDns);
      expect(r, url).toMatchObject({ ok: false, code: "WEBHOOK_TARGET_REFUSED" });
    }
    expect(await checkTarget("http://127.0.0.1:9/h", { production: true, allowLoopback: true }, fakeDns)).toMatchObject({ ok: true });
    expect(await checkTarget("https://hooks.public.test/h", production, fakeDns)).toMatchObject({ ok: true, addresses: [{ address: "93.184.216.34", family: 4 }] });
    expect(await checkTarget("https://hooks.v6.test/h", production, fakeDns)).toMatchObject({ ok: true });
    expect(await checkTarget("https://93.184.216.34/h", production, fakeDns)).toMatchObject({ ok: true });
    expect(await checkTarget("https://nowhere.test/h", production, fakeDns)).toMatchObject({ ok: false, code: "WEBHOOK_DNS_FAILED" });
  });

  it("a refused target is a failed attempt with a clear error, retried on the schedule; it delivers once allowed", async () => {
    const t = await setUp("Guard");
    const r = await receiver(() => "ok");
    const m = t.merchants[0]!;
    await endpoint(t, m, r.url("/hook"));
    const [id] = await publishMany(t, m, 1);
    useHandler(production);
    expect(await drainOutboxOnce()).toMatchObject({ claimed: 1, retried: 1 });
    const [attempt] = await attemptRows(id!);
    expect(attempt).toMatchObject({ status_code: null, error: expect.stringMatching(/^WEBHOOK_TARGET_REFUSED: Webhooks may not go to 127\.0\.0\.1: 127\.0\.0\.1 is a loopback address/) });
    expect((await eventRows([id!]))[0]).toMatchObject({ status: "PENDING", attempts: 1, next_attempt_at: new Date(T0.getTime() + 15_000) });
    expect(r.received).toEqual([]);

    useHandler({ production: true, allowLoopback: true });
    await advanceToNextAttempt([id!]);
    expect(await drainOutboxOnce()).toMatchObject({ claimed: 1, done: 1 });
    expect((await eventRows([id!]))[0]).toMatchObject({ status: "DELIVERED", attempts: 2 });
    expect(r.received).toHaveLength(1);
  });

  it("saving an endpoint refuses an address literal the policy refuses", async () => {
    const t = await setUp("GuardSave");
    for (const url of ["http://10.0.0.1/hook", "http://[fd00::1]/hook", "http://169.254.169.254/", "http://127.0.0.1:8080/hook"]) {
      const e = await t.run((tx) => createWebhookEndpoint(tx, t.ctx, { merchantId: t.merchants[0]!, url }, { policy: production })).catch((x: unknown) => x);
      expect(e, url).toBeInstanceOf(DomainError);
      expect(e, url).toMatchObject({ kind: "BAD_INPUT", code: "WEBHOOK_TARGET_REFUSED", field: "url" });
    }
    const bad = await t.run((tx) => createWebhookEndpoint(tx, t.ctx, { merchantId: t.merchants[0]!, url: "ftp://example.com/x" })).catch((x: unknown) => x);
    expect(bad).toBeInstanceOf(Error);
  });
});

describe("endpoint management", () => {
  it("creates one endpoint per merchant, shows its secret once and keeps it sealed; updates and turns it off", async () => {
    const t = await setUp("Manage");
    const m = t.merchants[0]!;
    const created = await endpoint(t, m, "https://hooks.example.com/swy");
    expect(created.secret).toMatch(/^whsec_[0-9A-Za-z]{43}$/);
    expect(created).toMatchObject({ merchantId: m, url: "https://hooks.example.com/swy", enabled: true, secretVersion: 1 });
    const stored = await ownerQuery<{ secret: string; previous_secret: string | null }>(db.url, `SELECT secret, previous_secret FROM webhook_endpoint WHERE id = $1`, [created.id]);
    expect(stored[0]!.secret).toMatch(/^swy1:/);
    expect(stored[0]!.secret).not.toContain(created.secret.slice(6));
    const got = await t.run((tx) => getWebhookEndpoint(tx, t.ctx, { merchantId: m }));
    expect(JSON.stringify(got)).not.toContain(created.secret);
    expect(got).toMatchObject({ id: created.id, url: created.url, enabled: true });
    expect(await t.run((tx) => getWebhookEndpoint(tx, t.ctx, { merchantId: t.merchants[1]! }))).toBeNull();

    const again = await t.run((tx) => createWebhookEndpoint(tx, t.ctx, { merchantId: m, url: "https://other.example.com/" })).catch((e: unknown) => e);
    expect(again).toMatchObject({ kind: "CONFLICT", code: "WEBHOOK_ENDPOINT_EXISTS" });

    const moved = await t.run((tx) => updateWebhookEndpoint(tx, t.ctx, { merchantId: m, url: "https://hooks.example.com/v2" }));
    expect(moved).toMatchObject({ url: "https://hooks.example.com/v2", enabled: true, secretVersion: 1 });
    const off = await t.run((tx) => updateWebhookEndpoint(tx, t.ctx, { merchantId: m, enabled: false }));
    expect(off).toMatchObject({ url: "https://hooks.example.com/v2", enabled: false });
    const rotated = await t.run((tx) => rotateWebhookSecret(tx, t.ctx, { merchantId: m }));
    expect(rotated.secretVersion).toBe(2);

    // The audit trail names the changes, never a secret.
    const audit = await ownerQuery<{ action: string; before: unknown; after: unknown }>(db.url, `SELECT action, before, after FROM audit_log WHERE tenant_id = $1 AND entity_type = 'webhook_endpoint' ORDER BY created_at`, [t.tenantId]);
    expect(audit.map((a) => a.action)).toEqual(["webhook_endpoint.create", "webhook_endpoint.update", "webhook_endpoint.update", "webhook_endpoint.rotate_secret"]);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
    expect(JSON.stringify(audit)).not.toContain(rotated.secret);
    const missing = await t.run((tx) => updateWebhookEndpoint(tx, t.ctx, { merchantId: t.merchants[1]!, enabled: false })).catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: "NOT_FOUND" });
  });
});

describe("manual resend", () => {
  it("is an extra MANUAL attempt that leaves the schedule alone unless it delivers; it can revive a FAILED event", async () => {
    useHandler();
    const t = await setUp("Resend");
    let answer: Answer = "fail";
    const r = await receiver(() => answer);
    const m = t.merchants[0]!;
    const { secret } = await endpoint(t, m, r.url("/hook"));
    const [id] = await publishMany(t, m, 1);
    await drainOutboxOnce();
    const scheduled = (await eventRows([id!]))[0]!;
    expect(scheduled).toMatchObject({ status: "PENDING", attempts: 1 });

    clock = new Date(T0.getTime() + 5_000);
    const failed = await resendWebhookEvent(t.ctx, { id: id! }, { now: () => new Date(clock), policy: LOOPBACK_OK });
    expect(failed).toMatchObject({ eventId: id, status: "PENDING", attempt: { trigger: "MANUAL", attempt: 1, statusCode: 500 } });
    expect((await eventRows([id!]))[0]).toEqual(scheduled);
    expect((await outboxOf([id!]))[0]).toMatchObject({ status: "PENDING", attempts: 1 });

    answer = "ok";
    const delivered = await resendWebhookEvent(t.ctx, { id: id! }, { now: () => new Date(clock), policy: LOOPBACK_OK });
    expect(delivered).toMatchObject({ status: "DELIVERED", attempt: { trigger: "MANUAL", statusCode: 200, error: null } });
    expect((await eventRows([id!]))[0]).toMatchObject({ status: "DELIVERED", attempts: 1, next_attempt_at: null, delivered_at: clock });
    expect((await outboxOf([id!]))[0]).toMatchObject({ status: "DONE" });
    // Nothing further is scheduled for it.
    await ownerQuery(db.url, `UPDATE outbox_event SET available_at = now() WHERE topic = $1 AND tenant_id = $2`, [WEBHOOK_TOPIC, t.tenantId]);
    expect((await drainOutboxOnce()).claimed).toBe(0);
    expect((await attemptRows(id!)).map((a) => [a.attempt, a.trigger, a.status_code])).toEqual([
      [1, "SCHEDULE", 500],
      [1, "MANUAL", 500],
      [1, "MANUAL", 200],
    ]);
    for (const x of r.received) expect(verifyWebhookSignature(x.headers["switchyard-signature"] as string, x.body, [secret], x.at).ok).toBe(true);
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);

    // A FAILED event (the schedule is over) delivers on a resend.
    answer = "fail";
    const [dead] = await publishMany(t, m, 1);
    await ownerQuery(db.url, `UPDATE outbox_event SET attempts = 15 WHERE payload->>'eventId' = $1`, [dead]);
    await ownerQuery(db.url, `UPDATE webhook_event SET attempts = 15 WHERE id = $1`, [dead]);
    await drainOutboxOnce();
    expect((await eventRows([dead!]))[0]).toMatchObject({ status: "FAILED", attempts: 16 });
    answer = "ok";
    expect(await resendWebhookEvent(t.ctx, { id: dead! }, { policy: LOOPBACK_OK })).toMatchObject({ status: "DELIVERED", attempt: { attempt: 16, trigger: "MANUAL" } });
    expect((await outboxOf([dead!]))[0]).toMatchObject({ status: "FAILED" });

    // No endpoint: nothing to send to.
    const [orphan] = await publishMany(t, t.merchants[2]!, 1);
    expect(await resendWebhookEvent(t.ctx, { id: orphan! }).catch((e: unknown) => e)).toMatchObject({ kind: "PRECONDITION", code: "WEBHOOK_NO_ENDPOINT" });
    const audit = await ownerQuery<{ action: string }>(db.url, `SELECT action FROM audit_log WHERE tenant_id = $1 AND entity_type = 'webhook_event'`, [t.tenantId]);
    expect(audit.map((a) => a.action)).toEqual(["webhook_event.resend", "webhook_event.resend", "webhook_event.resend"]);
  });
});

describe("the delivery log", () => {
  it("pages events newest first (keyset), filters by status, type and object; one event has its body and attempts", async () => {
    useHandler();
    const t = await setUp("Log");
    const r = await receiver(() => "ok");
    const m = t.merchants[0]!;
    await endpoint(t, m, r.url("/hook"));
    const objectId = randomUUID();
    const ids = [...(await publishMany(t, m, 7)), ...(await publishMany(t, m, 2, { objectId, type: "refund.succeeded" }))];
    await publishMany(t, t.merchants[1]!, 3);
    await drainOutboxOnce();

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const p = await t.run((tx) => findWebhookEvents(tx, t.ctx, { merchantId: m, limit: 4, cursor }));
      seen.push(...p.items.map((e) => e.id));
      cursor = p.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(9);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect((await t.run((tx) => findWebhookEvents(tx, t.ctx, {}))).items).toHaveLength(12);
    expect((await t.run((tx) => findWebhookEvents(tx, t.ctx, { status: "NO_ENDPOINT" }))).items).toHaveLength(3);
    expect((await t.run((tx) => findWebhookEvents(tx, t.ctx, { merchantId: m, type: "refund.succeeded" }))).items.map((e) => e.objectId)).toEqual([objectId, objectId]);
    expect((await t.run((tx) => findWebhookEvents(tx, t.ctx, { objectId }))).items).toHaveLength(2);

    const forObject = await t.run((tx) => listObjectWebhookEvents(tx, t.ctx, { objectId }));
    expect(forObject.map((e) => [e.type, e.status, e.lastAttempt?.statusCode])).toEqual([
      ["refund.succeeded", "DELIVERED", 200],
      ["refund.succeeded", "DELIVERED", 200],
    ]);
    const one = await t.run((tx) => getWebhookEvent(tx, t.ctx, { id: forObject[0]!.id }));
    expect(JSON.parse(one.body)).toMatchObject({ id: forObject[0]!.id, type: "refund.succeeded" });
    expect(r.received.map((x) => x.body)).toContain(one.body);
    expect(one.attemptLog.map((a) => [a.attempt, a.statusCode, a.trigger])).toEqual([[1, 200, "SCHEDULE"]]);
  });
});

describe("tenant isolation (RLS)", () => {
  it("another tenant never sees the events, attempts or endpoint", async () => {
    useHandler();
    const a = await setUp("IsoA");
    const b = await setUp("IsoB");
    const r = await receiver(() => "ok");
    await endpoint(a, a.merchants[0]!, r.url("/a"));
    const objectId = randomUUID();
    const [aEvent] = await publishMany(a, a.merchants[0]!, 1, { objectId });
    await drainOutboxOnce();

    expect((await b.run((tx) => findWebhookEvents(tx, b.ctx, {}))).items).toEqual([]);
    expect((await b.run((tx) => findWebhookEvents(tx, b.ctx, { merchantId: a.merchants[0]!, objectId }))).items).toEqual([]);
    expect(await b.run((tx) => listObjectWebhookEvents(tx, b.ctx, { objectId }))).toEqual([]);
    expect(await b.run((tx) => getWebhookEvent(tx, b.ctx, { id: aEvent! })).catch((e: unknown) => e)).toMatchObject({ kind: "NOT_FOUND" });
    expect(await b.run((tx) => getWebhookEndpoint(tx, b.ctx, { merchantId: a.merchants[0]! })).catch((e: unknown) => e)).toMatchObject({ kind: "NOT_FOUND" });
    expect(await b.run((tx) => rotateWebhookSecret(tx, b.ctx, { merchantId: a.merchants[0]! })).catch((e: unknown) => e)).toMatchObject({ kind: "NOT_FOUND" });
    expect(await resendWebhookEvent(b.ctx, { id: aEvent! }).catch((e: unknown) => e)).toMatchObject({ kind: "NOT_FOUND" });
    // Even a query that asks for everything sees only its own tenant's rows.
    const counts = await withTenantTx(b.tenantId, async (tx) => ({
      events: await tx.webhookEvent.count(),
      attempts: await tx.webhookAttempt.count(),
      endpoints: await tx.webhookEndpoint.count(),
    }));
    expect(counts).toEqual({ events: 0, attempts: 0, endpoints: 0 });
    // Control: A sees its own.
    expect((await a.run((tx) => findWebhookEvents(tx, a.ctx, {}))).items.map((e) => e.id)).toEqual([aEvent]);
    expect(r.received).toHaveLength(1);
  });
});
