import { migrationsCurrent } from "@/server/db/migrate";
import { appPool } from "@/server/db/pool";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const pool = appPool();
    const current = await migrationsCurrent((sql) => pool.query(sql));
    if (!current) return Response.json({ status: "migrations_pending" }, { status: 503 });
    return Response.json({ status: "ok" });
  } catch {
    return Response.json({ status: "database_unavailable" }, { status: 503 });
  }
}
