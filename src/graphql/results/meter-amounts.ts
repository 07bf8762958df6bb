import { METERS, type Meter, type MeterAmounts } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';

const METER_LABELS: Record<Meter, string> = { AI_CREDITS: 'AI credits', VIDEO_GENERATIONS: 'video generations' };

/** A meter as messages name it, e.g. "AI credits". */
export function meterLabel(meter: Meter): string {
  return METER_LABELS[meter];
}

export type MeterAmount = { readonly meter: Meter; readonly amount: number };

/** The meters an amount names, in the fixed meter order. */
export function meterAmountList(amounts: MeterAmounts): MeterAmount[] {
  return METERS.flatMap((meter) => {
    const amount = amounts[meter];
    return amount === undefined ? [] : [{ meter, amount }];
  });
}

export const MeterAmountRef = builder.objectRef<MeterAmount>('MeterAmount').implement({
  description: 'A number of credits on one meter.',
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: ({ meter }) => meter }),
    amount: t.exposeInt('amount'),
  }),
});
