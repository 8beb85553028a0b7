import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import superjson from "superjson";
import { TRPCProvider } from "@/components/providers/trpc";
import { ToastProvider } from "@/components/ui/toast";
import { I18nProvider } from "@/i18n/client";
import type { Locale } from "@/i18n/define";
import type { AppRouter } from "@/server/api/root";

// For component tests: every provider a console component needs (query cache, tRPC, language,
// toasts), rendered to static markup on the server. Tests put their data in `queryClient` under
// `trpc`'s query keys first, so nothing is fetched.

export function serverRenderer() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://localhost/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });
  const render = (node: ReactNode, locale: Locale = "en") =>
    renderToStaticMarkup(
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <I18nProvider locale={locale} timeZone="Asia/Shanghai">
            <ToastProvider>{node}</ToastProvider>
          </I18nProvider>
        </TRPCProvider>
      </QueryClientProvider>,
    );
  return { queryClient, trpc, render };
}
