import { afterEach, describe, expect, it } from "vitest";
import { baseHost, classifyHost, stripPort } from "./host";

// Host → tenant key (ARCHITECTURE.md §2). The result only routes; the server still resolves the
// tenant through system_tenant_by_* and re-checks the session's membership.

describe("stripPort", () => {
  it.each([
    ["acme.localhost:3000", "acme.localhost"],
    ["acme.localhost", "acme.localhost"],
    ["  ACME.LocalHost:3000 ", "acme.localhost"],
    ["127.0.0.1:8080", "127.0.0.1"],
    ["[::1]:3000", "[::1]"],
    ["[::1]", "[::1]"],
    ["", ""],
  ])("%j → %j", (input, expected) => {
    expect(stripPort(input)).toBe(expected);
  });
});

describe("classifyHost with the default base host (localhost)", () => {
  it.each([["localhost:3000"], ["localhost"], ["LOCALHOST:3000"], ["127.0.0.1:3000"], ["127.0.0.1"], ["[::1]:3000"], [""]])("%j is the platform", (host) => {
    expect(classifyHost(host, "localhost")).toEqual({ kind: "platform" });
  });

  it("null and undefined (no Host header) are the platform, which still needs a platform session", () => {
    expect(classifyHost(null, "localhost")).toEqual({ kind: "platform" });
    expect(classifyHost(undefined, "localhost")).toEqual({ kind: "platform" });
  });

  it.each([
    ["acme.localhost:3000", "acme"],
    ["acme.localhost", "acme"],
    ["ACME.LocalHost:3000", "acme"],
    ["huiyun.localhost:3000", "huiyun"],
    ["a-b.localhost", "a-b"],
    ["t1234567890123456789012345678901.localhost", "t1234567890123456789012345678901"],
  ])("%j names the tenant slug %j", (host, slug) => {
    expect(classifyHost(host, "localhost")).toEqual({ kind: "tenant-slug", slug });
  });

  it("a label that cannot be a slug is not a tenant and not the platform either", () => {
    for (const host of ["ab.localhost", "1acme.localhost", "acme-.localhost", "ac_me.localhost", "www.acme.localhost", "x".repeat(33) + ".localhost", ".localhost"]) {
      expect(classifyHost(host, "localhost").kind, host).toBe("unknown");
    }
    expect(classifyHost("[::1", "localhost").kind).toBe("unknown");
  });

  it("anything outside the base host is a custom domain, compared without port and case", () => {
    expect(classifyHost("Pay.Acme.COM:443", "localhost")).toEqual({ kind: "custom-domain", domain: "pay.acme.com" });
    // Look-alikes of the base host are custom domains too, never a tenant of ours.
    expect(classifyHost("acme.localhost.evil.example", "localhost")).toEqual({ kind: "custom-domain", domain: "acme.localhost.evil.example" });
    expect(classifyHost("evillocalhost", "localhost")).toEqual({ kind: "custom-domain", domain: "evillocalhost" });
    expect(classifyHost("acme.localhost.", "localhost")).toEqual({ kind: "custom-domain", domain: "acme.localhost." });
  });
});

describe("classifyHost with a production base host", () => {
  const base = "switchyard.example.com";
  it("the base host is the platform and its subdomains are tenants", () => {
    expect(classifyHost("switchyard.example.com", base)).toEqual({ kind: "platform" });
    expect(classifyHost("acme.switchyard.example.com", base)).toEqual({ kind: "tenant-slug", slug: "acme" });
    expect(classifyHost("acme.localhost:3000", base)).toEqual({ kind: "custom-domain", domain: "acme.localhost" });
    expect(classifyHost("notswitchyard.example.com", base)).toEqual({ kind: "custom-domain", domain: "notswitchyard.example.com" });
  });
});

describe("baseHost", () => {
  const saved = process.env.SWITCHYARD_BASE_HOST;
  afterEach(() => {
    if (saved === undefined) delete process.env.SWITCHYARD_BASE_HOST;
    else process.env.SWITCHYARD_BASE_HOST = saved;
  });

  it("defaults to localhost and follows SWITCHYARD_BASE_HOST (lowercased); classifyHost uses it by default", () => {
    delete process.env.SWITCHYARD_BASE_HOST;
    expect(baseHost()).toBe("localhost");
    expect(classifyHost("acme.localhost:3000")).toEqual({ kind: "tenant-slug", slug: "acme" });
    process.env.SWITCHYARD_BASE_HOST = "Pay.Example.COM";
    expect(baseHost()).toBe("pay.example.com");
    expect(classifyHost("acme.pay.example.com")).toEqual({ kind: "tenant-slug", slug: "acme" });
    expect(classifyHost("acme.localhost:3000")).toEqual({ kind: "custom-domain", domain: "acme.localhost" });
  });
});
