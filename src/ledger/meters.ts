import { z } from 'zod';

/**
 * Every metered resource. Each meter has its own allowance, period and balance: running out of
 * one never blocks another. Adding a meter here is all it takes for the ledger to track it.
 */
export const METERS = ['AI_CREDITS', 'VIDEO_GENERATIONS'] as const;

export type Meter = (typeof METERS)[number];

export const MeterSchema = z.enum(METERS);

/** Credits per meter; a meter that is absent is zero. */
export type MeterAmounts = Partial<Record<Meter, number>>;

export function amountOf(amounts: MeterAmounts, meter: Meter): number {
  return amounts[meter] ?? 0;
}

/** The meters with a non-zero amount, in `METERS` order so entries list them deterministically. */
export function metersIn(amounts: MeterAmounts): Meter[] {
  return METERS.filter((meter) => amountOf(amounts, meter) !== 0);
}

export function recordOfMeters<T>(valueFor: (meter: Meter) => T): Record<Meter, T> {
  return Object.fromEntries(METERS.map((meter) => [meter, valueFor(meter)])) as Record<Meter, T>;
}
