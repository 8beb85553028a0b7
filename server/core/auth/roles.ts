import type { UserRole } from "@/server/db/generated/prisma/enums";

// What each console role may do. Pages and procedures both check these on the server.
export const PERMISSIONS = {
  "tenant.read": ["OWNER", "ADMIN", "OPERATIONS", "FINANCE", "VIEWER"],
  "users.manage": ["OWNER", "ADMIN"],
  "branding.manage": ["OWNER", "ADMIN"],
  "settings.manage": ["OWNER", "ADMIN"],
  "audit.read": ["OWNER", "ADMIN"],
  "merchants.write": ["OWNER", "ADMIN", "OPERATIONS"],
  "calendar.manage": ["OWNER", "ADMIN", "FINANCE"],
  "ledger.read": ["OWNER", "ADMIN", "FINANCE", "VIEWER"],
  "ledger.propose": ["OWNER", "ADMIN", "FINANCE"],
  "ledger.close": ["OWNER", "ADMIN", "FINANCE"],
  "proposals.decide": ["OWNER", "ADMIN", "FINANCE"],
  // Channel credentials and settlement accounts: the people who sign contracts with channels.
  "channels.manage": ["OWNER", "ADMIN"],
  "registrations.manage": ["OWNER", "ADMIN", "OPERATIONS"],
  // Products offered, merchant fees and limits.
  "pricing.manage": ["OWNER", "ADMIN"],
  "routing.manage": ["OWNER", "ADMIN", "OPERATIONS"],
  // Payouts (CUSTODIAL): cancel before release, gather batches, propose their release (another
  // person approves through proposals.decide), send and download the payout file.
  "payouts.manage": ["OWNER", "ADMIN", "OPERATIONS", "FINANCE"],
  // Recording a return (退汇) re-credits the source: finance's call.
  "payouts.return": ["OWNER", "ADMIN", "FINANCE"],
  // Refunds from the console; resolving abnormal refunds and late successes is finance's.
  "refunds.create": ["OWNER", "ADMIN", "OPERATIONS"],
  "refunds.manage": ["OWNER", "ADMIN", "FINANCE"],
  // Importing channel and bank statements (clearing).
  "recon.import": ["OWNER", "ADMIN", "FINANCE"],
  // Merchant webhook endpoints (URL, on/off, secret rotation) and resending deliveries: the same
  // people who hand out merchant API keys (merchants.write).
  "webhooks.manage": ["OWNER", "ADMIN", "OPERATIONS"],
  // Settlement (issue 8): running it and confirming a channel's settlement to a merchant (DIRECT)
  // is finance's; a merchant's cycle, risk reserve and bank code change what is paid out.
  "settlement.run": ["OWNER", "ADMIN", "FINANCE"],
  "settlement.settings": ["OWNER", "ADMIN"],
  // The face-device fleet (issue 7): import, assign, suspend, activation codes, remote configuration.
  "devices.manage": ["OWNER", "ADMIN", "OPERATIONS"],
} as const satisfies Record<string, readonly UserRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export const CONSOLE_ROLES = ["OWNER", "ADMIN", "OPERATIONS", "FINANCE", "VIEWER"] as const satisfies readonly UserRole[];
export const MERCHANT_ROLES = ["MERCHANT_ADMIN", "MERCHANT_STAFF"] as const satisfies readonly UserRole[];
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];
export type MerchantRole = (typeof MERCHANT_ROLES)[number];

export function can(role: UserRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly UserRole[]).includes(role);
}

export function isConsoleRole(role: UserRole): role is ConsoleRole {
  return (CONSOLE_ROLES as readonly UserRole[]).includes(role);
}

export function isMerchantRole(role: UserRole): role is MerchantRole {
  return (MERCHANT_ROLES as readonly UserRole[]).includes(role);
}

/** Only an owner may grant or take away the owner role. */
export function canAssignRole(actor: UserRole, target: UserRole): boolean {
  if (target === "OWNER") return actor === "OWNER";
  return actor === "OWNER" || actor === "ADMIN";
}
