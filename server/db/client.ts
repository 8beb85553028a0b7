import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { appPool } from "./pool";

declare global {
  var __switchyardPrisma: PrismaClient | undefined;
}

/** The Prisma client over the app pool (app role, RLS in force). Only server/db and services use it. */
export function prisma(): PrismaClient {
  if (!globalThis.__switchyardPrisma) {
    globalThis.__switchyardPrisma = new PrismaClient({ adapter: new PrismaPg(appPool()) });
  }
  return globalThis.__switchyardPrisma;
}

export async function disconnectPrisma(): Promise<void> {
  const client = globalThis.__switchyardPrisma;
  globalThis.__switchyardPrisma = undefined;
  if (client) await client.$disconnect();
}
