import type pg from "pg";
import { badInput, DomainError } from "@/server/core/errors/domain-error";
import { open, seal } from "./envelope";
import type { Keyring } from "./keyring";
import { ENCRYPTED_COLUMNS, type EncryptedColumn, sealContextFor } from "./registry";

export interface RotateProgress {
  table: string;
  column: string;
  /** Values now sealed with the active key. */
  reEncrypted: number;
  /** Values changed by someone else between our read and our write; left as they were. */
  skipped: number;
}

export interface RotateOptions {
  columns?: typeof ENCRYPTED_COLUMNS;
  batchSize?: number;
  onProgress?: (progress: RotateProgress) => void;
}

const VERSION_PREFIX = "swy1:";
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function quote(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new DomainError("INVARIANT", "SECRET_COLUMN_INVALID", `"${name}" is not a plain lowercase SQL identifier`);
  }
  return `"${name}"`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

interface Candidate {
  tenant_id: string;
  row_id: string;
  value: string;
}

/**
 * Re-encrypts every registered secret not yet sealed with the keyring's active key. Runs on an
 * owner connection (operator command; RLS does not apply) that is not inside a transaction.
 *
 * Rows are read in keyset batches by (tenant, id); each batch is decrypted first and then written
 * in one transaction, and a value that fails to open stops the run before anything of its batch
 * is written (earlier batches stay rotated; running again resumes). Each update only applies if
 * the value is still the one we read, so a concurrent change is never overwritten: it is counted
 * as skipped, and the next run picks it up if it is still on an old key.
 */
export async function rotateSecrets(
  client: pg.ClientBase,
  keyring: Keyring,
  options: RotateOptions = {},
): Promise<RotateProgress[]> {
  const { columns = ENCRYPTED_COLUMNS, batchSize = 500, onProgress } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw badInput("BATCH_SIZE_INVALID", "batchSize must be an integer from 1 to 10000", "batchSize");
  }
  if (!keyring.keys.has(keyring.activeKeyId)) {
    throw new DomainError("INVARIANT", "SECRET_KEY_UNKNOWN", `Active key "${keyring.activeKeyId}" is not in the keyring`);
  }
  const results: RotateProgress[] = [];
  for (const column of columns) {
    results.push(await rotateColumn(client, keyring, column, batchSize, onProgress));
  }
  return results;
}

async function rotateColumn(
  client: pg.ClientBase,
  keyring: Keyring,
  column: EncryptedColumn,
  batchSize: number,
  onProgress: RotateOptions["onProgress"],
): Promise<RotateProgress> {
  const table = quote(column.table);
  const value = quote(column.column);
  const tenant = quote(column.tenantColumn);
  const id = quote(column.idColumn);
  const notActive = `${VERSION_PREFIX}${escapeLike(keyring.activeKeyId)}:%`;
  const progress: RotateProgress = { table: column.table, column: column.column, reEncrypted: 0, skipped: 0 };
  let cursor: [string, string] | undefined;

  for (;;) {
    // Values that are not envelopes at all are selected too: open() then reports them as
    // malformed rather than leaving plaintext behind in an encrypted column.
    const { rows } = await client.query<Candidate>(
      `SELECT ${tenant}::text AS tenant_id, ${id}::text AS row_id, ${value} AS value
         FROM ${table}
        WHERE ${value} IS NOT NULL AND ${value} NOT LIKE $1
          ${cursor === undefined ? "" : `AND (${tenant}, ${id}) > ($3, $4)`}
        ORDER BY ${tenant}, ${id}
        LIMIT $2`,
      cursor === undefined ? [notActive, batchSize] : [notActive, batchSize, ...cursor],
    );
    const last = rows.at(-1);
    if (last === undefined) break;

    const updates = rows.map((row) => {
      const ctx = sealContextFor(column, row.tenant_id, row.row_id);
      return { row, next: seal(ctx, open(ctx, row.value, keyring), keyring) };
    });

    await client.query("BEGIN");
    let reEncrypted = 0;
    try {
      for (const { row, next } of updates) {
        const result = await client.query(
          `UPDATE ${table} SET ${value} = $1 WHERE ${tenant} = $2 AND ${id} = $3 AND ${value} = $4`,
          [next, row.tenant_id, row.row_id, row.value],
        );
        reEncrypted += result.rowCount ?? 0;
      }
      await client.query("COMMIT");
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw e;
    }
    progress.reEncrypted += reEncrypted;
    progress.skipped += rows.length - reEncrypted;
    onProgress?.({ ...progress });

    if (rows.length < batchSize) break;
    cursor = [last.tenant_id, last.row_id];
  }
  return progress;
}
