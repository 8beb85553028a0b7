import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The lint rule of issue 4: simulators share no signing or crypto code with the connectors. A
// connector that verified its own signatures with the simulator's code (or the reverse) would pass
// every integration test while being wrong against the real channel. Source files on each side may
// import only their own folder, the harness (simulators) and shared non-crypto modules (connectors);
// tests are exempt, since an integration test starts a simulator and drives a connector against it.

const root = path.resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(full);
  }
  return out;
}

/** Every module specifier a file imports or re-exports, resolved to a project path when relative or "@/". */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specs.map((s) => (s.startsWith("@/") ? path.join(root, s.slice(2)) : s.startsWith(".") ? path.resolve(path.dirname(file), s) : s));
}

const rel = (p: string) => path.relative(root, p);

describe("connectors and simulators share no code", () => {
  const simulators = path.join(root, "server/simulators");
  const channels = path.join(root, "server/channels");

  it("finds files on both sides (the rule is not vacuous)", () => {
    expect(sourceFiles(simulators).length).toBeGreaterThan(5);
    expect(sourceFiles(channels).length).toBeGreaterThan(10);
  });

  it("no simulator source imports anything outside server/simulators except node built-ins", () => {
    const offending = sourceFiles(simulators).flatMap((file) =>
      importsOf(file)
        .filter((spec) => (path.isAbsolute(spec) ? !spec.startsWith(simulators + path.sep) : !spec.startsWith("node:")))
        .map((spec) => `${rel(file)} imports ${path.isAbsolute(spec) ? rel(spec) : spec}`),
    );
    expect(offending).toEqual([]);
  });

  it("no connector source imports a simulator", () => {
    const offending = sourceFiles(channels).flatMap((file) =>
      importsOf(file)
        .filter((spec) => path.isAbsolute(spec) && spec.startsWith(simulators))
        .map((spec) => `${rel(file)} imports ${rel(spec)}`),
    );
    expect(offending).toEqual([]);
  });

  it("each channel's signing lives on its own side: the connector and simulator folders define their crypto separately", () => {
    for (const channel of ["wechat", "alipay", "bank"]) {
      const sim = sourceFiles(path.join(simulators, channel)).map((f) => readFileSync(f, "utf8")).join("\n");
      const con = sourceFiles(path.join(channels, channel)).map((f) => readFileSync(f, "utf8")).join("\n");
      // Both sides sign or verify with node:crypto themselves.
      expect(sim, `${channel} simulator`).toMatch(/from "node:crypto"/);
      expect(con, `${channel} connector`).toMatch(/from "node:crypto"/);
    }
  });

  it("the check itself catches a crossing import", () => {
    const probe = path.join(root, "server/channels/boundary.test.ts");
    expect(importsOf(probe).some((s) => s === "node:fs")).toBe(true);
  });
});
