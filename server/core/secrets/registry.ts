import type { SealContext } from "./envelope";

export interface EncryptedColumn {
  readonly table: string;
  readonly column: string;
  /** The name sealed into the AAD; renaming the column does not change it. */
  readonly field: string;
  readonly tenantColumn: string;
  readonly idColumn: string;
}

// Every column that holds a sealed secret, so key rotation finds them all. A module that adds
// such a column appends its entry here in the same change.
export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  {
    table: "merchant",
    column: "settlement_account_number_enc",
    field: "settlementAccountNumber",
    tenantColumn: "tenant_id",
    idColumn: "id",
  },
  { table: "channel_account", column: "settlement_account_number_enc", field: "settlementAccountNumber", tenantColumn: "tenant_id", idColumn: "id" },
  // One envelope per credential version holding the whole credentials object as JSON.
  { table: "channel_account_version", column: "credentials_enc", field: "credentials", tenantColumn: "tenant_id", idColumn: "id" },
  { table: "merchant_channel_registration", column: "app_auth_token_enc", field: "appAuthToken", tenantColumn: "tenant_id", idColumn: "id" },
  // Merchant API HMAC secrets: encrypted, not hashed, since verifying a signature needs the secret.
  { table: "merchant_api_key", column: "secret_enc", field: "secret", tenantColumn: "tenant_id", idColumn: "id" },
  // The payee's account number of a payout (wallet withdrawal or merchant payout).
  { table: "payout", column: "account_number_enc", field: "accountNumber", tenantColumn: "tenant_id", idColumn: "id" },
  // Merchant webhook signing secrets (HMAC, so encrypted) and, during a rotation, the previous one.
  { table: "webhook_endpoint", column: "secret", field: "secret", tenantColumn: "tenant_id", idColumn: "id" },
  { table: "webhook_endpoint", column: "previous_secret", field: "previousSecret", tenantColumn: "tenant_id", idColumn: "id" },
  // Face devices' HMAC secrets (the device API, issue 7).
  { table: "device", column: "secret_enc", field: "secret", tenantColumn: "tenant_id", idColumn: "id" },
];

/**
 * The seal context for one row of a registered column. Services and `rotateSecrets` both build
 * contexts here so they agree on the AAD; ids must be in PostgreSQL's text form (lowercase UUIDs).
 */
export function sealContextFor(column: EncryptedColumn, tenantId: string, rowId: string): SealContext {
  return { tenantId, table: column.table, rowId, field: column.field };
}
