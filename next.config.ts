import type { NextConfig } from "next";

const config: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // Server-only packages with native-ish or WASM parts are loaded by Node, not bundled.
  serverExternalPackages: ["pg", "pg-boss", "pino", "@electric-sql/pglite", "@electric-sql/pglite-socket", "@prisma/adapter-pg", "@prisma/client", "pdfkit"],
  typescript: { ignoreBuildErrors: false },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default config;
