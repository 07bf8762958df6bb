import type { Meter } from '../../ledger/index.js';
import { canSetMemberCap, organizationOf } from '../accounts/access.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { memberIdOf, nonNegativeOf } from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  IdempotencyKeyReusedError,
  InvalidInputError,
  LimitReachedError,
  type AccountPayload,
} from '../results/index.js';
import { adminMutation } from './admin-mutation.js';

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

adminMutation('setMemberCap', {
  type: SetMemberCapSuccessRef,
  input: SetMemberCapInput,
  description: "Caps what one member may use per period of an organization's pool. Admins of that organization, and services. Idempotent by `idempotencyKey`.",
  refusals: [InvalidInputError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
  allowed: canSetMemberCap,
  write: ({ context, accountId, idempotencyKey, input }) => {
    if (organizationOf(accountId) === null) throw new InvalidInputError({ field: 'accountId', problem: "must be an organization's pool: member caps apply to pools only" });
    return context.services.metering.setMemberCap(accountId, { idempotencyKey, memberId: memberIdOf(input.memberId), meter: input.meter, cap: nonNegativeOf('cap', input.cap) });
  },
  answer: ({ memberId, meter, cap }) => ({ memberId, meter, cap }),
});
