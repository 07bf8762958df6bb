import { Counter, Histogram, type Registry } from 'prom-client';
import type { LedgerEntry } from '../ledger/index.js';
import type { LedgerStoreObserver } from '../store/ledger-store.js';

/** From a millisecond to ten seconds: a write is milliseconds, one stuck behind a slow database seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Up to the batcher's largest batch, 256. */
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** What an entry charged each meter: as usage summaries count it, DEBIT and COMMIT entries' `used`, an earlier period's included. */
function chargesOf(entry: LedgerEntry): { meter: string; credits: number }[] {
  if (entry.kind !== 'DEBIT' && entry.kind !== 'COMMIT') return [];
  return entry.changes
    .map((change) => ({ meter: change.meter, credits: change.usedDelta + (change.earlierPeriod?.used ?? 0) }))
    .filter(({ credits }) => credits > 0);
}

/** The ledger's metrics, fed by the store's writes (see `LedgerStoreObserver`). */
export function ledgerMetrics(registry: Registry): LedgerStoreObserver {
  const registers = [registry];
  const entries = new Counter({ name: 'creditstream_ledger_entries_total', help: 'Ledger entries written, by kind', labelNames: ['kind'], registers });
  const charges = new Counter({ name: 'creditstream_charges_total', help: 'DEBIT and COMMIT entries that charged credits, by meter', labelNames: ['meter'], registers });
  const credits = new Counter({ name: 'creditstream_credits_charged_total', help: 'Credits charged (used) by DEBIT and COMMIT entries, by meter', labelNames: ['meter'], registers });
  const writes = new Histogram({ name: 'creditstream_ledger_write_duration_seconds', help: 'Time one batch of writes to one account took in the store', buckets: LATENCY_BUCKETS, registers });
  const batches = new Histogram({ name: 'creditstream_ledger_batch_size', help: 'Operations coalesced into one write to one account', buckets: BATCH_SIZE_BUCKETS, registers });
  const copies = new Histogram({ name: 'creditstream_ledger_entry_copy_duration_seconds', help: "Time copying one write's entries to the history took", buckets: LATENCY_BUCKETS, registers });
  return {
    batchProcessed(size, seconds) {
      batches.observe(size);
      writes.observe(seconds);
    },
    entriesWritten(written) {
      for (const entry of written) {
        entries.inc({ kind: entry.kind });
        for (const { meter, credits: charged } of chargesOf(entry)) {
          charges.inc({ meter });
          credits.inc({ meter }, charged);
        }
      }
    },
    entriesCopied(seconds) {
      copies.observe(seconds);
    },
  };
}
