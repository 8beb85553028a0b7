import { describe, expect, it } from "vitest";
import { contextFromHeaders, parseCookies } from "./context";

describe("parseCookies", () => {
  it("reads name=value pairs separated by semicolons, trimming spaces", () => {
    expect(parseCookies("swy_session=abc; swy_locale=en;other=1")).toEqual(
      new Map([
        ["swy_session", "abc"],
        ["swy_locale", "en"],
        ["other", "1"],
      ]),
    );
  });

  it("is empty for no header, an empty one or one without pairs", () => {
    for (const header of [null, undefined, "", ";", "  ;  ; ", "novalue", "=orphan"]) expect(parseCookies(header), String(header)).toEqual(new Map());
  });

  it("keeps the first of repeated names (the browser sends the most specific cookie first)", () => {
    expect(parseCookies("swy_session=first; swy_session=second").get("swy_session")).toBe("first");
  });

  it("keeps '=' inside values and decodes percent-escapes; a malformed escape is kept as it is", () => {
    expect(parseCookies("t=abc==; u=a%20b%3Bc").get("t")).toBe("abc==");
    expect(parseCookies("u=a%20b%3Bc").get("u")).toBe("a b;c");
    expect(parseCookies("bad=%E0%A4%A; good=1")).toEqual(
      new Map([
        ["bad", "%E0%A4%A"],
        ["good", "1"],
      ]),
    );
  });

  it("does not let a name with surrounding spaces differ from the plain name", () => {
    expect(parseCookies("  swy_session  =  tok  ").get("swy_session")).toBe("tok");
  });

  it("a session token (base64url) survives unchanged", () => {
    const token = "Zm9vYmFyYmF6cXV4LV9fLS0tMTIzNDU2Nzg5MDEyMzQ1Ng";
    expect(parseCookies(`swy_session=${token}`).get("swy_session")).toBe(token);
  });
});

describe("contextFromHeaders", () => {
  it("takes host, origin, cookies, user agent and the first forwarded address", () => {
    const ctx = contextFromHeaders(
      new Headers({ host: "acme.localhost:3000", origin: "http://acme.localhost:3000", cookie: "swy_session=t", "user-agent": "UA", "x-forwarded-for": " 203.0.113.7 , 10.0.0.1", "x-request-id": "req-1" }),
    );
    expect(ctx).toMatchObject({ host: "acme.localhost:3000", origin: "http://acme.localhost:3000", ip: "203.0.113.7", userAgent: "UA", requestId: "req-1", setCookies: [] });
    expect(ctx.cookies.get("swy_session")).toBe("t");
  });

  it("has no origin and an empty host when the headers are missing, and makes a request id", () => {
    const ctx = contextFromHeaders(new Headers());
    expect(ctx.origin).toBeNull();
    expect(ctx.host).toBe("");
    expect(ctx.ip).toBeNull();
    expect(ctx.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(contextFromHeaders(new Headers()).requestId).not.toBe(ctx.requestId);
  });

  it("falls back to x-real-ip and caps a client-sent request id at 64 characters", () => {
    const ctx = contextFromHeaders(new Headers({ "x-real-ip": "198.51.100.2", "x-request-id": "r".repeat(500) }));
    expect(ctx.ip).toBe("198.51.100.2");
    expect(ctx.requestId).toBe("r".repeat(64));
  });
});
