import { z } from 'zod';
import { parseCatalog } from './catalog-validation.js';

const duration = z.int().positive('must be a positive number of milliseconds');

export const LedgerSettingsSchema = z.object({
  /** A hold neither committed nor released is released this long after it was taken. */
  holdTtlMs: duration,
  /** How long a quoted price can be charged. */
  quoteTtlMs: duration,
  /**
   * What the account document keeps a bounded number of, so that its size is bounded whatever
   * callers do (see docs/security.md): open holds in all and per holder (a member, a service, or
   * the member a workflow works for), live grants, and members of a pool with usage or a cap.
   */
  maxOpenHolds: z.int().min(1).default(1_000),
  maxOpenHoldsPerHolder: z.int().min(1).default(100),
  maxGrants: z.int().min(1).default(200),
  maxMembers: z.int().min(1).default(1_000),
});
export type LedgerSettings = z.output<typeof LedgerSettingsSchema>;

export function parseLedgerSettings(input: unknown): LedgerSettings {
  return parseCatalog('ledger settings', LedgerSettingsSchema, input);
}

const MINUTE_MS = 60_000;

export const DEFAULT_LEDGER_SETTINGS: LedgerSettings = parseLedgerSettings({
  holdTtlMs: 15 * MINUTE_MS,
  quoteTtlMs: 10 * MINUTE_MS,
});
