import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { DEFAULT_PRICING_CATALOG, type LedgerEntry, type MeterBalance } from '../../src/ledger/index.js';
import {
  createGenerationService,
  SimulatedGenerationProvider,
  type GenerationProvider,
  type ProviderRequest,
  type ProviderResult,
} from '../../src/generation/index.js';
import { createGenerationStore, type GenerationStore } from '../../src/store/generations.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openStore, TEST_PLANS, type TestClock } from '../store/store-fixture.js';

/** Counts the provider's runs, so a test can tell a stored result from a new generation. */
export class CountingProvider implements GenerationProvider {
  calls = 0;
  constructor(private readonly inner: GenerationProvider = new SimulatedGenerationProvider({ failureInjection: true })) {}
  run(request: ProviderRequest, signal?: AbortSignal): Promise<ProviderResult> {
    this.calls += 1;
    return this.inner.run(request, signal);
  }
}

export type GenerationFixture = Awaited<ReturnType<typeof openGenerations>>;

/** A ledger store, the generations collection and the service over them, on one connection. */
export async function openGenerations(
  connection: Connection,
  clock: TestClock,
  options: { provider?: GenerationProvider; store?: LedgerStore; generations?: GenerationStore } = {},
) {
  const store = options.store ?? (await openStore(connection, clock));
  const generations = options.generations ?? (await createGenerationStore({ connection }));
  const provider = options.provider ?? new CountingProvider();
  const service = createGenerationService({ store, generations, provider, plans: TEST_PLANS, pricing: DEFAULT_PRICING_CATALOG });

  return {
    store,
    generations,
    provider,
    service,

    async newAccount(planId = 'hundred', accountType: 'USER' | 'ORGANIZATION' = 'USER'): Promise<string> {
      const accountId = `acct-${randomUUID()}`;
      const opened = await store.openAccount({ accountId, accountType, planId, billingAnchor: new Date('2026-01-31T00:00:00Z') });
      if (!opened.ok) throw new Error(JSON.stringify(opened.error));
      return accountId;
    },

    async balance(accountId: string, meter: MeterBalance['meter'] = 'AI_CREDITS'): Promise<MeterBalance> {
      const [state] = await store.loadAccounts([accountId]);
      const balance = store.balances(state!).find((candidate) => candidate.meter === meter);
      if (!balance) throw new Error(`no ${meter} balance`);
      return balance;
    },

    entries(accountId: string): Promise<LedgerEntry[]> {
      return store.entriesAfter(accountId, 0, 100_000);
    },
  };
}
