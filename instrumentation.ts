// Jobs run inside the app process by default; set SWITCHYARD_JOBS=off on web instances when a
// separate `npm run worker` process runs them instead (several of either are safe).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.SWITCHYARD_JOBS !== "off" && process.env.DATABASE_URL) {
    const { startJobs } = await import("./server/jobs/runner");
    await startJobs();
  }
}
