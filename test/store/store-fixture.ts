import type { Connection } from 'mongoose';
import {
  DEFAULT_LEDGER_SETTINGS,
  DEFAULT_PRICING_CATALOG,
  parsePlanCatalog,
  type LedgerSettings,
} from '../../src/ledger/index.js';
import { createLedgerStore, type LedgerStoreOptions } from '../../src/store/ledger-store.js';

/**
 * Plans with round numbers for the store's tests: 100 AI credits and 2 video generations a month,
 * and a higher tier to upgrade to.
 */
export const TEST_PLANS = parsePlanCatalog({
  plans: {
    hundred: { name: 'Hundred', tier: 1, meters: { AI_CREDITS: { allowance: 100, period: 'MONTH' }, VIDEO_GENERATIONS: { allowance: 2, period: 'MONTH' } } },
    daily: { name: 'Daily', tier: 1, meters: { AI_CREDITS: { allowance: 10, period: 'DAY' }, VIDEO_GENERATIONS: { allowance: 1, period: 'MONTH' } } },
    thousand: { name: 'Thousand', tier: 2, meters: { AI_CREDITS: { allowance: 1_000, period: 'MONTH' }, VIDEO_GENERATIONS: { allowance: 10, period: 'MONTH' } } },
  },
});

/** A settable clock shared by a test and its stores. */
export class TestClock {
  constructor(public current: Date) {}
  readonly now = () => this.current;
  set(instant: string | Date) {
    this.current = new Date(instant);
  }
}

export function openStore(
  connection: Connection,
  clock: TestClock,
  overrides: { settings?: Partial<LedgerSettings> } & Partial<Pick<LedgerStoreOptions, 'afterAccountWrite'>> = {},
) {
  return createLedgerStore({
    connection,
    plans: TEST_PLANS,
    pricing: DEFAULT_PRICING_CATALOG,
    settings: { ...DEFAULT_LEDGER_SETTINGS, ...overrides.settings },
    now: clock.now,
    afterAccountWrite: overrides.afterAccountWrite,
  });
}
