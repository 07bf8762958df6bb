import { z } from 'zod';
import { parseCatalog } from './catalog-validation.js';

const duration = z.int().positive('must be a positive number of milliseconds');

export const LedgerSettingsSchema = z.object({
  /** A hold neither committed nor released is released this long after it was taken. */
  holdTtlMs: duration,
  /** How long a quoted price can be charged. */
  quoteTtlMs: duration,
  /**
   * The account document remembers idempotency keys for this long and at most `idempotencyMaxKeys`
   * of them (the oldest go first). Older keys live on in the entries collection, whose entries
   * carry their `idempotencyKey`: the store checks there before applying an operation whose key
   * the account no longer remembers.
   */
  idempotencyRetentionMs: duration,
  idempotencyMaxKeys: z.int().min(1, 'must be at least 1'),
});
export type LedgerSettings = z.output<typeof LedgerSettingsSchema>;

export function parseLedgerSettings(input: unknown): LedgerSettings {
  return parseCatalog('ledger settings', LedgerSettingsSchema, input);
}

const MINUTE_MS = 60_000;

export const DEFAULT_LEDGER_SETTINGS: LedgerSettings = parseLedgerSettings({
  holdTtlMs: 15 * MINUTE_MS,
  quoteTtlMs: 10 * MINUTE_MS,
  idempotencyRetentionMs: 7 * 24 * 60 * MINUTE_MS,
  idempotencyMaxKeys: 1_000,
});
