import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { contextFromHeaders } from "@/server/api/context";
import { appRouter } from "@/server/api/root";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  const ctx = contextFromHeaders(req.headers);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => ctx,
    responseMeta: () => ({ headers: new Headers([["x-request-id", ctx.requestId], ...ctx.setCookies.map((c): [string, string] => ["set-cookie", c])]) }),
  });
}

export { handler as GET, handler as POST };
