// Database settings shared by the app, the CLI, the worker and the tests.
export const APP_ROLE = "switchyard_app";
export const PLATFORM_ROLE = "switchyard_platform";

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. `npm start` starts the embedded database and sets it; to use PostgreSQL set DATABASE_URL=postgresql://user@host:5432/db",
    );
  }
  return url;
}
