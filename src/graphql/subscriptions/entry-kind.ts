import type { EntryKind } from '../../ledger/index.js';
import { builder } from '../builder.js';

// `satisfies` keeps this in step with the ledger: a kind added there fails the typecheck here.
export const EntryKindEnum = builder.enumType('EntryKind', {
  description: 'What a ledger entry did to the balances of an account.',
  values: {
    GRANT: { description: 'Credits added: a top-up, or credits an admin or the product granted.' },
    DEBIT: { description: 'Usage charged at once.' },
    HOLD: { description: 'Credits reserved for work under way: available → reserved (nothing, when the step was charged already and is reused).' },
    COMMIT: { description: 'Reserved credits charged when the work finished: reserved → used.' },
    RELEASE: { description: 'Reserved credits given back: reserved → available.' },
    EXPIRY: { description: 'Credits that expired: unused allowance at a reset, a grant past its expiry, or a hold past its time-to-live.' },
    RESET: { description: 'A new period: usage back to 0, the allowance granted again (with any rollover).' },
    PLAN_CHANGE: { description: "A plan change: an upgrade's extra allowance, a downgrade scheduled or applied, or (moving nothing) a change to the plan in force." },
    ADJUSTMENT: { description: 'Credits an admin took away.' },
    MEMBER_CAP: { description: "A member's cap on a meter set or lifted: no credits move." },
    POLICY_CHANGE: {
      description: "An account's own credit policy on a meter set, scheduled, applied at a reset or removed: applied at once, it changes the period's allowance (or starts the period over).",
    },
  } satisfies Record<EntryKind, { description: string }>,
});
