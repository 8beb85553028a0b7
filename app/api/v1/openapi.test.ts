import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "@/server/core/merchant-api/openapi";

// /api/v1/openapi.json matches the implementation: every route file under app/api/v1 has its path
// in the document with exactly the methods the file exports, and the document names nothing else.

const ROOT = path.join(process.cwd(), "app", "api", "v1");
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith("_") ? [] : routeFiles(full);
    return /^route\.(ts|tsx|js)$/.test(entry.name) ? [full] : [];
  });
}

/** app/api/v1/payments/[id]/route.ts → /api/v1/payments/{id} */
function urlPathOf(file: string): string {
  const segments = path.relative(ROOT, path.dirname(file)).split(path.sep).filter((s) => s !== "");
  return ["/api/v1", ...segments.map((s) => s.replace(/^\[(.+)\]$/, "{$1}"))].join("/");
}

async function implemented(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const file of routeFiles(ROOT)) {
    const mod = (await import(file)) as Record<string, unknown>;
    out[urlPathOf(file)] = HTTP_METHODS.filter((m) => typeof mod[m] === "function").map((m) => m.toLowerCase());
  }
  return out;
}

function documented(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [p, item] of Object.entries(openApiDocument().paths)) {
    out[p] = Object.keys(item).filter((k) => (HTTP_METHODS as readonly string[]).includes(k.toUpperCase()));
  }
  return out;
}

const sorted = (map: Record<string, string[]>) => Object.fromEntries(Object.entries(map).sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => [k, [...v].sort()]));

describe("the OpenAPI document", () => {
  it("finds the route files (the comparison is not vacuous)", async () => {
    const routes = await implemented();
    expect(Object.keys(routes)).toEqual(expect.arrayContaining(["/api/v1/ping", "/api/v1/echo", "/api/v1/products", "/api/v1/openapi.json"]));
  });

  it("has exactly the paths and methods of the route files under app/api/v1", async () => {
    expect(sorted(documented())).toEqual(sorted(await implemented()));
  });

  it("resolves every $ref, documents the error shape, and requires Idempotency-Key on every POST", () => {
    const doc = openApiDocument();
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/components\/[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) {
      const [, , group, name] = ref.slice(8, -1).split("/");
      expect((doc.components as Record<string, Record<string, unknown>>)[group!]?.[name!], ref).toBeDefined();
    }
    expect(doc.components.schemas.Error.properties.error.required).toEqual(["code", "message"]);
    for (const [p, item] of Object.entries(doc.paths)) {
      const post = (item as { post?: { parameters?: Array<{ name: string; in: string; required: boolean }> } }).post;
      if (post) expect(post.parameters?.find((x) => x.name === "Idempotency-Key"), p).toMatchObject({ in: "header", required: true });
    }
    expect(doc.info.description).toContain("SWY1-HMAC-SHA256");
  });
});
