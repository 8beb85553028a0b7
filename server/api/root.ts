import { accountRouter } from "./routers/account";
import { apiKeysRouter } from "./routers/api-keys";
import { calendarRouter } from "./routers/calendar";
import { channelsRouter, pricingRouter, registrationsRouter, routingRouter } from "./routers/channels";
import { dashboardRouter } from "./routers/dashboard";
import { devicesRouter } from "./routers/devices";
import { ledgerRouter, proposalsRouter } from "./routers/ledger";
import { merchantPortalRouter } from "./routers/merchant-portal";
import { merchantsRouter, storesRouter } from "./routers/merchants";
import { exceptionsRouter, paymentsRouter } from "./routers/payments";
import { exceptionQueueRouter, statementsRouter } from "./routers/clearing";
import { platformRouter } from "./routers/platform";
import { auditRouter, settingsRouter } from "./routers/settings";
import { settlementRouter } from "./routers/settlement";
import { usersRouter } from "./routers/users";
import { walletsRouter } from "./routers/wallets";
import { webhooksRouter } from "./routers/webhooks";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  dashboard: dashboardRouter,
  platform: platformRouter,
  settings: settingsRouter,
  audit: auditRouter,
  users: usersRouter,
  merchants: merchantsRouter,
  stores: storesRouter,
  calendar: calendarRouter,
  ledger: ledgerRouter,
  proposals: proposalsRouter,
  merchantPortal: merchantPortalRouter,
  channels: channelsRouter,
  registrations: registrationsRouter,
  pricing: pricingRouter,
  routing: routingRouter,
  apiKeys: apiKeysRouter,
  payments: paymentsRouter,
  wallets: walletsRouter,
  exceptions: exceptionsRouter,
  statements: statementsRouter,
  exceptionQueue: exceptionQueueRouter,
  webhooks: webhooksRouter,
  settlement: settlementRouter,
  devices: devicesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
