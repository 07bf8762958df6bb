import type { Meter } from '../../ledger/index.js';
import { canManageMembers } from '../accounts/access.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { viewerOf } from '../context.js';
import { forbidden } from '../errors.js';
import { accountIdOf, ledgerKeyOf, memberIdOf } from '../metering/inputs.js';
import { AccountPayloadRef, payloadOf, type AccountPayload } from '../metering/payloads.js';
import { refusalOn } from '../metering/refusals.js';
import { AccountNotFoundError, IdempotencyKeyReusedError, InvalidInputError, LimitReachedError } from '../metering/results.js';
import { organizationOf } from '../metering/spenders.js';

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
    description: "Caps what one member may use per period of an organization's pool. Admins of that organization, and services. Idempotent by `idempotencyKey`.",
    args: { input: t.arg({ type: SetMemberCapInput, required: true }) },
    errors: {
      types: [InvalidInputError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
      directResult: true,
      union: { name: 'SetMemberCapResult' },
    },
    resolve: async (_root, { input }, context) => {
      const { store } = context.services;
      const accountId = accountIdOf(input.accountId);
      const organizationId = organizationOf(accountId);
      const viewer = viewerOf(context);
      const allowed = organizationId === null ? viewer.role === 'service' : canManageMembers(viewer, organizationId);
      if (!allowed) throw forbidden();
      if (organizationId === null) throw new InvalidInputError('accountId', "must be an organization's pool: member caps apply to pools only");
      const memberId = memberIdOf(input.memberId);
      const cap = input.cap ?? null;
      if (cap !== null && cap < 0) throw new InvalidInputError('cap', `must be zero or more, got ${cap}`);
      const meter: Meter = input.meter;
      const outcome = await store.execute(accountId, { type: 'SET_MEMBER_CAP', idempotencyKey: ledgerKeyOf(viewer, input.idempotencyKey), memberId, meter, cap });
      if (!outcome.ok) throw await refusalOn(context.services, accountId, outcome.error);
      if (outcome.type !== 'MEMBER_CAP_SET') throw new Error(`SET_MEMBER_CAP answered ${outcome.type}`);
      return { ...payloadOf(accountId, outcome), memberId: outcome.memberId, meter: outcome.meter, cap: outcome.cap };
    },
  }),
);
