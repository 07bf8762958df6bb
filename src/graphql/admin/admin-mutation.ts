import type { InputObjectRef, ObjectRef } from '@pothos/core';
import type { Viewer } from '../../auth/index.js';
import type { MeteringResult } from '../../metering/index.js';
import { authorize, canAdministerCredits } from '../accounts/access.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { accountIdOf, ledgerKeyOf } from '../inputs/index.js';
import { payloadOf, resultErrorOf, type AccountPayload } from '../results/index.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** What every administration input carries: the account written to and the caller's idempotency key. */
type AdminInput = { readonly accountId: string; readonly idempotencyKey: string };

/** A write's success as the metering service answers it: the account's balances after it, and whether it was a replay. */
type AdminOutcome = { readonly ok: true; readonly replayed: boolean; readonly balances: AccountPayload['balances'] };

/** One write, authorized, as `write` gets it: `idempotencyKey` is the ledger's key (the caller's, scoped to it). */
export type AdminWrite<Input> = { readonly context: Context; readonly accountId: string; readonly idempotencyKey: string; readonly input: Input };

export type AdminMutation<Input extends AdminInput, Outcome extends AdminOutcome, Payload extends AccountPayload> = {
  readonly type: ObjectRef<Types, Payload>;
  readonly input: InputObjectRef<Types, Input>;
  readonly description: string;
  /** The typed errors of its result union (`<Name>Result`), in the schema's order. */
  readonly refusals: readonly (new (...args: never[]) => Error)[];
  /**
   * Who may write to the account; services only without it. A services-only write is authorized
   * before its input is read, so a caller without the right learns nothing of what it sent.
   */
  readonly allowed?: (viewer: Viewer, accountId: string) => boolean;
  /** The ledger write; input checks that are for authorized callers only come here. */
  readonly write: (write: AdminWrite<Input>) => Promise<MeteringResult<Outcome>>;
  /** The payload's own fields, beside the account and its balances. */
  readonly answer: (outcome: Outcome, input: Input) => Omit<Payload, keyof AccountPayload>;
  /** What a refusal's message needs to know of the request (`resultErrorOf`). */
  readonly refusal?: (context: Context) => Parameters<typeof resultErrorOf>[1];
};

/**
 * An idempotency-keyed administration mutation, the one shape they all share: its input parsed
 * (`accountId`, `idempotencyKey`), the caller authorized, the ledger written, a refusal answered as
 * its typed error and a success as the account's payload with the mutation's own fields.
 */
export function adminMutation<Input extends AdminInput, Outcome extends AdminOutcome, Payload extends AccountPayload>(
  name: string,
  mutation: AdminMutation<Input, Outcome, Payload>,
): void {
  const { allowed } = mutation;
  builder.mutationField(name, (t) =>
    t.field({
      // As the shape every payload extends: Pothos cannot check a resolver against a generic shape.
      type: mutation.type as unknown as ObjectRef<Types, AccountPayload>,
      nullable: true,
      description: mutation.description,
      args: { input: t.arg({ type: mutation.input, required: true }) },
      errors: { types: [...mutation.refusals], directResult: true, union: { name: `${name[0]!.toUpperCase()}${name.slice(1)}Result` } },
      resolve: async (_root, args, context) => {
        // Pothos cannot narrow a generic input's arguments: `input` is required above, so it is there.
        const { input } = args as unknown as { input: Input };
        const viewer = authorize(context, allowed ? (caller) => allowed(caller, accountIdOf(input.accountId)) : canAdministerCredits);
        const accountId = accountIdOf(input.accountId);
        const outcome = await mutation.write({ context, accountId, idempotencyKey: ledgerKeyOf(viewer, input.idempotencyKey), input });
        if (!outcome.ok) throw resultErrorOf(outcome.error, mutation.refusal?.(context));
        const payload: AccountPayload = { ...payloadOf(accountId, outcome), ...mutation.answer(outcome, input) };
        return payload;
      },
    }),
  );
}
