import type { TypeParam } from '@pothos/core';
import { builder } from '../builder.js';

/**
 * Expected refusals of writes (and of `price`) are typed members of each field's result union,
 * through the errors plugin: a resolver throws one of the classes made by `resultError`, listed in
 * the field's `errors.types`, and the client gets it as data. Each implements the `Error`
 * interface, so a client can always ask for `... on Error { code message }`. Anything else a
 * resolver throws stays a GraphQL error: FORBIDDEN and UNAUTHENTICATED (see ../errors.ts), or an
 * unexpected failure, masked. Messages never name an account.
 */
export const RESULT_ERROR_CODES = {
  INVALID_INPUT: 'An argument is malformed or out of range (see `field`); nothing was changed.',
  ACCOUNT_NOT_FOUND: 'No account has this id.',
  UNKNOWN_FEATURE: 'The pricing catalog has no such feature.',
  INVALID_PARAMETER: "A parameter is not one of the feature's, or its value is not allowed.",
  UNKNOWN_PLAN: 'The plan catalog has no such plan.',
  PLAN_OF_ANOTHER_PRODUCT: "The plan belongs to another product than the account's plan: a plan change stays within a product; nothing was changed.",
  QUOTE_NOT_FOUND: 'No quote with this id exists for this account (quotes are deleted a day after they expire).',
  QUOTE_EXPIRED: 'The quote can no longer be charged: ask for a new one.',
  QUOTE_MISMATCH: 'The request names another feature or other parameters than the quote.',
  INSUFFICIENT_CREDITS: 'A meter has fewer credits available than the request needs; nothing was charged or held.',
  MEMBER_CAP_EXCEEDED: "The member would go past its cap on a meter of the organization's pool.",
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was used before for a different request.',
  RESERVATION_NOT_FOUND: 'No open reservation that the caller may settle has this id: it was committed, released or has expired, or is not its own (the same answer either way).',
  COMMIT_EXCEEDS_RESERVATION: 'More was committed on a meter than the reservation holds.',
  LIMIT_REACHED: 'The account already keeps as many open reservations (in all, or of this caller), grants or pool members as it may; nothing was changed.',
  CREDIT_LIMIT_EXCEEDED: "The write would take a meter's credits (available and reserved) or its usage this period past the largest balance an account may have; nothing was changed.",
  GENERATION_FAILED: 'The generation failed; `charged` says what the failure cost.',
  GENERATION_IN_PROGRESS: 'Another request with this idempotency key is still generating: retry shortly for its result.',
  RATE_LIMITED: 'The caller sent more spending requests this minute than it may; nothing was changed. Retry after `retryAfterSeconds`; a retry of a request that applied is never refused.',
  INVALID_WEBHOOK_URL: 'The URL is no http(s) URL a webhook may be sent to (see `problem`); nothing was changed.',
  WEBHOOK_DESTINATION_REFUSED: "The URL's host is, or resolves to, an address webhooks are not sent to (see `reason`); nothing was changed.",
  TOO_MANY_WEBHOOK_ENDPOINTS: 'As many webhook endpoints as a deployment may keep are registered; delete one first.',
  WEBHOOK_ENDPOINT_NOT_FOUND: 'No webhook endpoint has this id.',
} as const;
export type ResultErrorCode = keyof typeof RESULT_ERROR_CODES;

/** The base of every typed refusal. */
export abstract class ResultError extends Error {
  abstract readonly code: ResultErrorCode;
}

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description: 'What went wrong, for programs; `message` says it for people.',
  values: Object.fromEntries(Object.entries(RESULT_ERROR_CODES).map(([code, description]) => [code, { description }])) as Record<
    ResultErrorCode,
    { description: string }
  >,
});

export const ErrorInterface = builder.interfaceRef<ResultError>('Error').implement({
  description: 'An expected refusal, answered as data: nothing was changed unless the type says otherwise.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
    message: t.exposeString('message', { description: 'For people; never names an account.' }),
  }),
});

type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

/** A field of an error type: what its data holds under the same name, as this GraphQL type. */
export type ResultErrorField = TypeParam<SchemaTypes> | { readonly type: TypeParam<SchemaTypes>; readonly nullable?: boolean; readonly description?: string };

/** A typed refusal: its code, and its data as fields of its own. */
export type TypedResultError<Code extends ResultErrorCode, Data> = ResultError & Readonly<Data> & { readonly code: Code };

export type ResultErrorClass<Code extends ResultErrorCode, Data> = new (data: Data) => TypedResultError<Code, Data>;

/**
 * Declares a typed refusal: a class to throw (`new XError(data)`) and its GraphQL type `name`,
 * implementing `Error`, whose fields expose `data` as it is. The GraphQL description is the
 * code's (`RESULT_ERROR_CODES`), with `note` after it; `message` says it for people from the data.
 */
export function resultError<const Code extends ResultErrorCode, Data extends object>(
  code: Code,
  spec: {
    readonly name: string;
    readonly message: (data: Data) => string;
    readonly fields: { readonly [Name in keyof Data]?: ResultErrorField };
    readonly note?: string;
  },
): ResultErrorClass<Code, Data> {
  class Refusal extends ResultError {
    readonly code = code;
    constructor(data: Data) {
      super(spec.message(data));
      Object.assign(this, data);
    }
  }
  Object.defineProperty(Refusal, 'name', { value: spec.name });
  // Typed as any refusal: the fields below are declared by name, from the spec.
  builder.objectType(Refusal as unknown as new () => ResultError, {
    name: spec.name,
    interfaces: [ErrorInterface],
    description: spec.note ? `${RESULT_ERROR_CODES[code]} ${spec.note}` : RESULT_ERROR_CODES[code],
    fields: (t) =>
      Object.fromEntries(
        Object.entries(spec.fields as Record<string, ResultErrorField>).map(([name, field]) => {
          const { type, nullable = false, description } = isFieldSpec(field) ? field : { type: field };
          const resolve = (error: ResultError) => (error as unknown as Record<string, unknown>)[name];
          return [name, t.field({ type: type as never, nullable, description, resolve: resolve as never })];
        }),
      ),
  });
  return Refusal as unknown as ResultErrorClass<Code, Data>;
}

function isFieldSpec(field: ResultErrorField): field is Exclude<ResultErrorField, TypeParam<SchemaTypes>> {
  // A type reference is an object too (Pothos refs have a `kind`), and a list is an array.
  return typeof field === 'object' && !Array.isArray(field) && 'type' in field && !('kind' in field);
}
