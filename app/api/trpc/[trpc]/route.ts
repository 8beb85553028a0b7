import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { contextFromHeaders } from "@/server/api/context";
import { appRouter } from "@/server/api/root";
import { logger } from "@/server/lib/logger";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  const ctx = contextFromHeaders(req.headers);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => ctx,
    responseMeta: () => ({ headers: new Headers([["x-request-id", ctx.requestId], ...ctx.setCookies.map((c): [string, string] => ["set-cookie", c])]) }),
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        logger.error({ requestId: ctx.requestId, path, err: { message: error.message, cause: error.cause?.message } }, "procedure failed");
      }
    },
  });
}

export { handler as GET, handler as POST };
