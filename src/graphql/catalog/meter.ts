import type { Meter, PeriodKind } from '../../ledger/index.js';
import { builder } from '../builder.js';

// `satisfies` keeps these in step with the ledger: a meter or period added there fails the typecheck here.
export const MeterEnum = builder.enumType('Meter', {
  description: 'A metered resource with its own allowance, period and balance: running out of one never blocks another.',
  values: {
    AI_CREDITS: { description: 'Credits for AI features: images, analyses, scripts, voiceovers, animations.' },
    VIDEO_GENERATIONS: { description: 'Rendered videos, counted apart from AI credits.' },
  } satisfies Record<Meter, { description: string }>,
});

export const PeriodEnum = builder.enumType('Period', {
  description: 'When an allowance resets.',
  values: {
    DAY: { description: "At midnight in the account's time zone." },
    MONTH: { description: "On the account's billing day, at the time of day it was anchored." },
  } satisfies Record<PeriodKind, { description: string }>,
});
