import { GRANT_KINDS, METERS, burnDownOrder, type AccountState, type Grant, type GrantKind } from '../../ledger/index.js';
import { AccountRef } from '../accounts/index.js';
import { builder } from '../builder.js';
import { compositeGlobalId } from '../composite-ids.js';
import { MeterEnum } from '../catalog/index.js';

type GrantNode = Grant & { readonly accountId: string; readonly reserved: number };

const GrantKindEnum = builder.enumType('GrantKind', {
  description: 'Where the credits of a grant came from.',
  values: {
    ALLOWANCE: { description: "The plan's allowance for the current period." },
    ROLLOVER: { description: "Unused allowance carried over from the previous period (it does not roll over again)." },
    ADJUSTMENT: { description: 'Credits an admin or the product granted (`grantCredits` with kind ADJUSTMENT).' },
    TOP_UP: { description: 'Purchased credits (`grantCredits` with kind TOP_UP).' },
  } satisfies Record<GrantKind, { description: string }>,
});

const GrantRef = builder.objectRef<GrantNode>('Grant').implement({
  description: 'A batch of credits on one meter: what it granted, what remains of it, and when the rest expires.',
  fields: (t) => ({
    id: t.id({ description: 'The account and the grant, as one global id.', resolve: ({ accountId, id }) => compositeGlobalId('Grant', accountId, id) }),
    meter: t.field({ type: MeterEnum, resolve: (grant) => grant.meter }),
    kind: t.field({ type: GrantKindEnum, resolve: (grant) => grant.kind }),
    amount: t.exposeInt('amount', { description: 'What it granted.' }),
    remaining: t.exposeInt('remaining', { description: 'What is left of it to spend: part of `available`.' }),
    reserved: t.exposeInt('reserved', { description: 'What open reservations hold of it: back to `remaining` if they are released, gone if committed.' }),
    grantedAt: t.field({ type: 'DateTime', resolve: (grant) => grant.createdAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, description: 'When what remains expires (exclusive); null: never.', resolve: (grant) => grant.expiresAt }),
  }),
});

/** Each meter's grants in the order they are spent, meters in their fixed order. */
function grantsInBurnOrder(account: AccountState): GrantNode[] {
  const reserved = new Map<string, number>();
  for (const line of account.holds.flatMap((hold) => hold.lines)) {
    for (const { grantId, amount } of line.allocations) reserved.set(grantId, (reserved.get(grantId) ?? 0) + amount);
  }
  return METERS.flatMap((meter) =>
    burnDownOrder(account.grants.filter((grant) => grant.meter === meter), account.meters[meter].rollover).map((grant) => ({ ...grant, accountId: account.accountId, reserved: reserved.get(grant.id) ?? 0 })),
  );
}

builder.objectField(AccountRef, 'grants', (t) =>
  t.field({
    type: [GrantRef],
    description: `The account's live grants (${GRANT_KINDS.join(', ')}), in burn-down order: the order its credits are spent, which keeps the most for the account. At most a few hundred; every reader of the account sees them, as it sees its balances.`,
    args: { meter: t.arg({ type: MeterEnum, description: "Only this meter's grants." }) },
    resolve: (account, args) => grantsInBurnOrder(account).filter((grant) => args.meter === null || args.meter === undefined || grant.meter === args.meter),
  }),
);
