import type { Meter } from '../../ledger/index.js';
import { authorize, canSetMemberCap, organizationOf } from '../accounts/access.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { accountIdOf, ledgerKeyOf, memberIdOf, nonNegativeOf } from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  IdempotencyKeyReusedError,
  InvalidInputError,
  LimitReachedError,
  payloadOf,
  resultErrorOf,
  type AccountPayload,
} from '../results/index.js';

const SetMemberCapInput = builder.inputType('SetMemberCapInput', {
  fields: (t) => ({
    accountId: t.id({ required: true, description: "The global id of the organization's pool." }),
    memberId: t.id({ required: true, description: 'The member, by its `User.id`.' }),
    meter: t.field({ type: MeterEnum, required: true }),
    cap: t.int({ description: 'The most the member may use (and hold) per period on the meter, zero or more; null lifts the cap.' }),
    idempotencyKey: t.string({ required: true, description: 'Names this request: a retry with the same key answers the first result.' }),
  }),
});

type CapSet = AccountPayload & { readonly memberId: string; readonly meter: Meter; readonly cap: number | null };

const SetMemberCapSuccessRef = builder.objectRef<CapSet>('SetMemberCapSuccess').implement({
  description: "The member's cap is set: what it uses beyond it is refused, even while the pool has credits.",
  interfaces: [AccountPayloadRef],
  fields: (t) => ({
    memberId: t.globalID({ description: 'The member, as a `User.id`.', resolve: ({ memberId }) => ({ type: 'User', id: memberId }) }),
    meter: t.field({ type: MeterEnum, resolve: ({ meter }) => meter }),
    memberCap: t.int({ nullable: true, description: 'The cap now in force; null: none.', resolve: ({ cap }) => cap }),
  }),
});

builder.mutationField('setMemberCap', (t) =>
  t.field({
    type: SetMemberCapSuccessRef,
    nullable: true,
    description: "Caps what one member may use per period of an organization's pool. Admins of that organization, and services. Idempotent by `idempotencyKey`.",
    args: { input: t.arg({ type: SetMemberCapInput, required: true }) },
    errors: {
      types: [InvalidInputError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
      directResult: true,
      union: { name: 'SetMemberCapResult' },
    },
    resolve: async (_root, { input }, context) => {
      const accountId = accountIdOf(input.accountId);
      const viewer = authorize(context, (caller) => canSetMemberCap(caller, accountId));
      if (organizationOf(accountId) === null) throw new InvalidInputError({ field: 'accountId', problem: "must be an organization's pool: member caps apply to pools only" });
      const outcome = await context.services.metering.setMemberCap(accountId, {
        idempotencyKey: ledgerKeyOf(viewer, input.idempotencyKey),
        memberId: memberIdOf(input.memberId),
        meter: input.meter,
        cap: nonNegativeOf('cap', input.cap),
      });
      if (!outcome.ok) throw resultErrorOf(outcome.error);
      return { ...payloadOf(accountId, outcome), memberId: outcome.memberId, meter: outcome.meter, cap: outcome.cap };
    },
  }),
);
