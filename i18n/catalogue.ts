// Add each area's messages here under its namespace.
import { common } from "./messages/common";
import { errors, validation } from "./messages/errors";
import { calendar } from "./messages/calendar";
import { channels, pricing, registrations } from "./messages/channels";
import { ledger } from "./messages/ledger";
import { payments } from "./messages/payments";
import { clearing } from "./messages/clearing";
import { statementTemplates } from "./messages/statement-templates";
import { exceptionQueue } from "./messages/exception-queue";
import { routing } from "./messages/routing";
import { auth, dashboard, nav, roles } from "./messages/console";
import { audit, branding, merchants, platform, users } from "./messages/merchants";
import { ui } from "./messages/ui";
import { wallets } from "./messages/wallets";
import { webhooks } from "./messages/webhooks";
import { payoutResults } from "./messages/payout-results";
import { settlement } from "./messages/settlement";
import { business } from "./messages/business-dashboard";
import { devices } from "./messages/devices";
import { policies } from "./messages/policies";

export const catalogue = {
  common,
  errors,
  validation,
  calendar,
  ledger,
  nav,
  auth,
  roles,
  dashboard,
  merchants,
  users,
  branding,
  audit,
  platform,
  ui,
  channels,
  registrations,
  pricing,
  routing,
  payments,
  clearing,
  statementTemplates,
  exceptionQueue,
  wallets,
  webhooks,
  payoutResults,
  settlement,
  business,
  devices,
  policies,
} as const;

export type Catalogue = typeof catalogue;
export type Namespace = keyof Catalogue;
export type MessageKey = {
  [N in Namespace]: `${N}.${Extract<keyof Catalogue[N]["en"], string>}`;
}[Namespace];
