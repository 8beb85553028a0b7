import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { contextFromHeaders } from "./context";
import { createCaller } from "./root";

/** The tRPC caller for server components: same procedures, same checks, this request's cookies. */
export const serverApi = cache(async () => {
  const h = await headers();
  return createCaller(contextFromHeaders(new Headers(h)));
});
