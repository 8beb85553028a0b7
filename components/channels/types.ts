import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import type { ChannelType, ProductCode } from "@/server/channels/types";

// What the channel, registration and pricing procedures return, as the client sees it after
// superjson (bigint and Date intact).
type Out = inferRouterOutputs<AppRouter>;
type In = inferRouterInputs<AppRouter>;

export type ChannelTypeInfo = Out["channels"]["types"][number];
export type AccountFieldDef = ChannelTypeInfo["fields"][number];
export type ChannelListItem = Out["channels"]["list"][number];
export type ChannelAccountDetail = Out["channels"]["get"];
export type CredentialVersion = ChannelAccountDetail["versions"][number];
export type ChannelHealthReport = Out["channels"]["health"];
export type HealthWindow = ChannelHealthReport["windows"]["m5"];
export type HealthEvent = ChannelHealthReport["events"][number];
export type ChannelNotificationRow = Out["channels"]["notifications"][number];
export type RegistrationRow = Out["registrations"]["find"]["items"][number];
export type FeeRuleRow = Out["pricing"]["feeRules"][number];
export type ProductRuleRow = Out["pricing"]["productRules"][number];
export type MerchantLimitRow = NonNullable<Out["pricing"]["merchantLimit"]>;
export type ChannelSettingsInput = In["channels"]["update"]["settings"];

export type { ChannelType, ProductCode };
export type HealthState = ChannelListItem["healthState"];
export type RegistrationStatus = RegistrationRow["status"];
export type OrderType = ProductRuleRow["orderType"];

// The same lists as server/channels/types.ts (only its types may be imported here).
export const CHANNEL_TYPE_LIST = ["WECHAT", "ALIPAY", "BANK", "SANDBOX"] as const satisfies readonly ChannelType[];
export const PRODUCT_LIST = [
  "WECHAT_FACE",
  "ALIPAY_FACE",
  "WECHAT_CODE",
  "ALIPAY_CODE",
  "WECHAT_QR",
  "ALIPAY_QR",
  "WALLET",
  "BANK_QUICK",
] as const satisfies readonly ProductCode[];
export const REGISTRATION_STATUSES = ["PENDING", "ACTIVE", "SUSPENDED", "REJECTED"] as const satisfies readonly RegistrationStatus[];
export const ORDER_TYPES = ["CONSUMPTION", "RECHARGE"] as const satisfies readonly OrderType[];
export const HEALTH_STATES = ["HEALTHY", "PAUSED", "HALF_OPEN"] as const satisfies readonly HealthState[];
