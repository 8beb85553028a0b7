// A separate job worker, for when jobs should not run inside the web processes.
import { runningEmbeddedUrl } from "@/server/db/embedded";
import { startJobs } from "@/server/jobs/runner";
import { closeAppPool } from "@/server/db/pool";
import { logger } from "@/server/lib/logger";

if (!process.env.DATABASE_URL) {
  const url = runningEmbeddedUrl();
  if (!url) {
    console.error("Set DATABASE_URL, or start the embedded database with `npm start` first.");
    process.exit(2);
  }
  process.env.DATABASE_URL = url;
}
const jobs = await startJobs();
logger.info("worker running");
const stop = async () => {
  await jobs.stop();
  await closeAppPool();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
