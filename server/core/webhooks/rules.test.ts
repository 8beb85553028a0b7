import { describe, expect, it } from "vitest";
import { addressRefusal, classifyAddress, ipv6Bytes, RETRY_DELAYS_SECONDS, retryDelaySeconds, targetPolicyFromEnv, WEBHOOK_MAX_ATTEMPTS } from "./rules";
import { cachedResolver, checkUrlOffline } from "./guard";

describe("the retry schedule", () => {
  it("waits 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h: sixteen attempts in all", () => {
    const m = 60;
    const h = 3600;
    expect(RETRY_DELAYS_SECONDS).toEqual([15, 15, 30, 3 * m, 10 * m, 20 * m, 30 * m, 30 * m, 30 * m, 60 * m, 3 * h, 3 * h, 3 * h, 6 * h, 6 * h]);
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(16);
    expect(Array.from({ length: 16 }, (_, i) => retryDelaySeconds(i + 1))).toEqual([...RETRY_DELAYS_SECONDS, null]);
    expect(() => retryDelaySeconds(0)).toThrow(RangeError);
    // A little over 24 hours from the first attempt to the last.
    expect(RETRY_DELAYS_SECONDS.reduce((a, b) => a + b, 0)).toBe(24 * h + 4 * m);
  });
});

describe("address classes", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.254", "cgnat"],
    ["100.128.0.1", "public"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["93.184.216.34", "public"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fd00::1", "unique-local"],
    ["fc00::", "unique-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "reserved"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["2002:c0a8:0101::1", "private"],
    ["2001:db8::1", "reserved"],
    ["2606:4700:4700::1111", "public"],
  ])("%s is %s", (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  it("parses IPv6 forms to their bytes and refuses non-addresses", () => {
    expect(ipv6Bytes("::1")).toEqual([...Array(15).fill(0), 1]);
    expect(ipv6Bytes("[::ffff:1.2.3.4]")).toEqual([...Array(10).fill(0), 255, 255, 1, 2, 3, 4]);
    expect(ipv6Bytes("1::")).toEqual([0, 1, ...Array(14).fill(0)]);
    expect(classifyAddress("example.com")).toBeNull();
    expect(classifyAddress("999.1.1.1")).toBeNull();
  });
});

describe("the address policy", () => {
  const prod = { production: true, allowLoopback: false };
  const prodLoop = { production: true, allowLoopback: true };
  const dev = { production: false, allowLoopback: false };

  it("refuses loopback everywhere unless the flag allows it", () => {
    for (const ip of ["127.0.0.1", "::1", "0.0.0.0", "::ffff:127.0.0.1"]) {
      expect(addressRefusal(ip, dev), ip).toMatch(/loopback.*SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK/);
      expect(addressRefusal(ip, prod), ip).toMatch(/loopback/);
      expect(addressRefusal(ip, prodLoop), ip).toBeNull();
    }
  });

  it("refuses private, link-local, CGNAT and unique-local ranges in production only", () => {
    for (const ip of ["10.0.0.1", "192.168.0.10", "172.20.1.1", "169.254.169.254", "100.64.1.1", "fd00::1", "fe80::1"]) {
      expect(addressRefusal(ip, prod), ip).toMatch(/range/);
      expect(addressRefusal(ip, prodLoop), ip).toMatch(/range/);
      expect(addressRefusal(ip, dev), ip).toBeNull();
    }
    expect(addressRefusal("93.184.216.34", prod)).toBeNull();
    expect(addressRefusal("2606:4700:4700::1111", prod)).toBeNull();
  });

  it("reads NODE_ENV and SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK", () => {
    expect(targetPolicyFromEnv({ NODE_ENV: "production" })).toEqual(prod);
    expect(targetPolicyFromEnv({ NODE_ENV: "production", SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK: "1" })).toEqual(prodLoop);
    expect(targetPolicyFromEnv({ NODE_ENV: "development", SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK: "true" })).toEqual(dev);
  });

  it("checks a URL without the network when it is saved: shape, address literals and localhost", () => {
    expect(checkUrlOffline("https://hooks.example.com/swy?x=1", prod)).toMatchObject({ ok: true });
    expect(checkUrlOffline("ftp://example.com/", prod)).toMatchObject({ ok: false, code: "WEBHOOK_URL_INVALID" });
    expect(checkUrlOffline("https://user:pw@example.com/", prod)).toMatchObject({ ok: false, code: "WEBHOOK_URL_INVALID" });
    expect(checkUrlOffline("http://10.0.0.8/hook", prod)).toMatchObject({ ok: false, code: "WEBHOOK_TARGET_REFUSED" });
    expect(checkUrlOffline("http://[::1]:8080/hook", dev)).toMatchObject({ ok: false, code: "WEBHOOK_TARGET_REFUSED" });
    expect(checkUrlOffline("http://localhost:8080/hook", dev)).toMatchObject({ ok: false, code: "WEBHOOK_TARGET_REFUSED" });
    // The URL parser turns other spellings of an address into the dotted form first.
    expect(checkUrlOffline("http://2130706433/hook", dev)).toMatchObject({ ok: false, code: "WEBHOOK_TARGET_REFUSED" });
    expect(checkUrlOffline("http://0x7f.1/hook", dev)).toMatchObject({ ok: false, code: "WEBHOOK_TARGET_REFUSED" });
    expect(checkUrlOffline("http://127.0.0.1:8080/hook", prodLoop)).toMatchObject({ ok: true });
  });
});

describe("the delivery resolver's cache", () => {
  it("asks once per host within its lifetime, and does not remember failures", async () => {
    const asked: string[] = [];
    let fail = true;
    const resolve = cachedResolver(async (host) => {
      asked.push(host);
      if (host === "flaky.test" && fail) throw new Error("ENOTFOUND");
      return [{ address: "93.184.216.34", family: 4 as const }];
    }, 60_000);
    await resolve("a.test");
    await resolve("a.test");
    await resolve("b.test");
    await expect(resolve("flaky.test")).rejects.toThrow("ENOTFOUND");
    fail = false;
    expect(await resolve("flaky.test")).toEqual([{ address: "93.184.216.34", family: 4 }]);
    expect(asked).toEqual(["a.test", "b.test", "flaky.test", "flaky.test"]);
  });
});
