/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AccountKind =
  /** A team's shared pool, which its members draw from. */
  | 'ORGANIZATION'
  /** A person on its own. */
  | 'USER';

/** What a ledger entry did to the balances of an account. */
export type EntryKind =
  /** Credits an admin took away. */
  | 'ADJUSTMENT'
  /** Reserved credits charged when the work finished: reserved → used. */
  | 'COMMIT'
  /** Usage charged at once. */
  | 'DEBIT'
  /** Credits that expired: unused allowance at a reset, a grant past its expiry, or a hold past its time-to-live. */
  | 'EXPIRY'
  /** Credits added: a top-up, or credits an admin or the product granted. */
  | 'GRANT'
  /** Credits reserved for work under way: available → reserved (nothing, when the step was charged already and is reused). */
  | 'HOLD'
  /** A member's cap on a meter set or lifted: no credits move. */
  | 'MEMBER_CAP'
  /** A plan change: an upgrade's extra allowance, a downgrade scheduled or applied, or (moving nothing) a change to the plan in force. */
  | 'PLAN_CHANGE'
  /** An account's own credit policy on a meter set, scheduled, applied at a reset or removed: applied at once, it changes the period's allowance (or starts the period over). */
  | 'POLICY_CHANGE'
  /** Reserved credits given back: reserved → available. */
  | 'RELEASE'
  /** A new period: usage back to 0, the allowance granted again (with any rollover). */
  | 'RESET';

/** What went wrong, for programs; `message` says it for people. */
export type ErrorCode =
  /** No account has this id. */
  | 'ACCOUNT_NOT_FOUND'
  /** More was committed on a meter than the reservation holds. */
  | 'COMMIT_EXCEEDS_RESERVATION'
  /** The write would take a meter's credits (available and reserved) or its usage this period past the largest balance an account may have; nothing was changed. */
  | 'CREDIT_LIMIT_EXCEEDED'
  /** The generation failed; `charged` says what the failure cost. */
  | 'GENERATION_FAILED'
  /** Another request with this idempotency key is still generating: retry shortly for its result. */
  | 'GENERATION_IN_PROGRESS'
  /** The idempotency key was used before for a different request. */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** A meter has fewer credits available than the request needs; nothing was charged or held. */
  | 'INSUFFICIENT_CREDITS'
  /** An argument is malformed or out of range (see `field`); nothing was changed. */
  | 'INVALID_INPUT'
  /** A parameter is not one of the feature's, or its value is not allowed. */
  | 'INVALID_PARAMETER'
  /** The URL is no http(s) URL a webhook may be sent to (see `problem`); nothing was changed. */
  | 'INVALID_WEBHOOK_URL'
  /** The account already keeps as many open reservations (in all, or of this caller), grants or pool members as it may; nothing was changed. */
  | 'LIMIT_REACHED'
  /** The member would go past its cap on a meter of the organization's pool. */
  | 'MEMBER_CAP_EXCEEDED'
  /** The plan belongs to another product than the account's plan: a plan change stays within a product; nothing was changed. */
  | 'PLAN_OF_ANOTHER_PRODUCT'
  /** The quote can no longer be charged: ask for a new one. */
  | 'QUOTE_EXPIRED'
  /** The request names another feature or other parameters than the quote. */
  | 'QUOTE_MISMATCH'
  /** No quote with this id exists for this account (quotes are deleted a day after they expire). */
  | 'QUOTE_NOT_FOUND'
  /** The caller sent more spending requests this minute than it may; nothing was changed. Retry after `retryAfterSeconds`; a retry of a request that applied is never refused. */
  | 'RATE_LIMITED'
  /** No open reservation that the caller may settle has this id: it was committed, released or has expired, or is not its own (the same answer either way). */
  | 'RESERVATION_NOT_FOUND'
  /** As many webhook endpoints as a deployment may keep are registered; delete one first. */
  | 'TOO_MANY_WEBHOOK_ENDPOINTS'
  /** The pricing catalog has no such feature. */
  | 'UNKNOWN_FEATURE'
  /** The plan catalog has no such plan. */
  | 'UNKNOWN_PLAN'
  /** The URL's host is, or resolves to, an address webhooks are not sent to (see `reason`); nothing was changed. */
  | 'WEBHOOK_DESTINATION_REFUSED'
  /** No webhook endpoint has this id. */
  | 'WEBHOOK_ENDPOINT_NOT_FOUND';

/** Generates with a feature of the catalog, charged to the caller's drawing account (its organization's pool, if it has one). */
export type GenerateInput = {
  /** The asset this generation works on (a video, an image, a project: at most 200 characters); recorded with the entries. */
  assetId?: string | null | undefined;
  /** The catalog feature, e.g. `image.generate`. */
  feature: string;
  /** Names this request (e.g. a UUID): a retry with the same key returns the first result; nothing is generated or charged twice. */
  idempotencyKey: string;
  /** What to generate from, e.g. `{ "prompt": "a red fox" }`; passed to the provider as is. */
  input: unknown;
  /** The feature's parameters, e.g. `{ "resolution": "HD", "count": 2 }`; with `quoteId`, the quoted ones by default. */
  parameters?: unknown;
  /** Charge exactly the price of this quote (`Mutation.createQuote`), while it is valid. */
  quoteId?: string | number | null | undefined;
  /** The generation session this belongs to. */
  sessionId?: string | null | undefined;
  /** A step of the session (needs `sessionId`): regenerating it with the same feature, parameters and input charges nothing (`reused`). */
  step?: string | null | undefined;
};

/** A metered resource with its own allowance, period and balance: running out of one never blocks another. */
export type Meter =
  /** Credits for AI features: images, analyses, scripts, voiceovers, animations. */
  | 'AI_CREDITS'
  /** Rendered videos, counted apart from AI credits. */
  | 'VIDEO_GENERATIONS';

export type Role =
  /** An administrator of the token's organization: also sees and caps per-member usage. */
  | 'ADMIN'
  /** A user: sees its own account and its organization's pool. */
  | 'MEMBER'
  /** The product's backend: may act on any account, grant credits and change plans. */
  | 'SERVICE';

export type GenerateMutationVariables = Exact<{
  input: GenerateInput;
}>;


export type GenerateMutation = { generate:
    | { __typename: 'CreditLimitExceededError', code: ErrorCode, message: string }
    | { __typename: 'GenerationFailedError', code: ErrorCode, message: string }
    | { __typename: 'GenerationInProgressError', code: ErrorCode, message: string }
    | { __typename: 'GenerationSuccess', generationId: string, reused: boolean, charged: Array<{ meter: Meter, amount: number }> }
    | { __typename: 'IdempotencyKeyReusedError', code: ErrorCode, message: string }
    | { __typename: 'InsufficientCreditsError', code: ErrorCode, message: string, meter: Meter, needed: number, available: number, upgrade: { message: string, plan: { key: string, name: string } } | null }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'InvalidParameterError', code: ErrorCode, message: string }
    | { __typename: 'LimitReachedError', code: ErrorCode, message: string }
    | { __typename: 'MemberCapExceededError', code: ErrorCode, message: string }
    | { __typename: 'QuoteExpiredError', code: ErrorCode, message: string }
    | { __typename: 'QuoteMismatchError', code: ErrorCode, message: string }
    | { __typename: 'QuoteNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
    | { __typename: 'UnknownFeatureError', code: ErrorCode, message: string }
   | null };

export type CardBalanceFragment = { meter: Meter, available: number, used: number, reserved: number, allowance: number, unlimited: boolean, resetsAt: string };

export type LiveCardQueryVariables = Exact<{ [key: string]: never; }>;


export type LiveCardQuery = { viewer: { role: Role, account: { id: string, kind: AccountKind, plan: { key: string, name: string, tier: number }, balances: Array<{ meter: Meter, available: number, used: number, reserved: number, allowance: number, unlimited: boolean, resetsAt: string }>, usage: { edges: Array<{ node: { seq: number, kind: EntryKind, at: string, feature: string | null, member: { externalId: string } | null, changes: Array<{ meter: Meter, delta: number, available: number }> } }> } } | null } | null };

export type LatestSessionsQueryVariables = Exact<{
  accountId: string | number;
}>;


export type LatestSessionsQuery = { account: { sessions: { edges: Array<{ node: { id: string, sessionId: string, generations: number, lastActivityAt: string, charged: Array<{ meter: Meter, amount: number }> } }> } } | null };

export type UsageByDayQueryVariables = Exact<{
  accountId: string | number;
}>;


export type UsageByDayQuery = { account: { timeZone: string, usageSummary: { ranges: Array<{ meter: Meter, since: string, until: string }>, rows: { edges: Array<{ node: { key: string | null, meter: Meter, used: number } }> } } } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const CardBalanceFragmentDoc = new TypedDocumentString(`
    fragment CardBalance on MeterBalance {
  meter
  available
  used
  reserved
  allowance
  unlimited
  resetsAt
}
    `, {"fragmentName":"CardBalance"}) as unknown as TypedDocumentString<CardBalanceFragment, unknown>;
export const GenerateDocument = new TypedDocumentString(`
    mutation Generate($input: GenerateInput!) {
  generate(input: $input) {
    __typename
    ... on Error {
      code
      message
    }
    ... on InsufficientCreditsError {
      meter
      needed
      available
      upgrade {
        message
        plan {
          key
          name
        }
      }
    }
    ... on GenerationSuccess {
      generationId
      reused
      charged {
        meter
        amount
      }
    }
  }
}
    `) as unknown as TypedDocumentString<GenerateMutation, GenerateMutationVariables>;
export const LiveCardDocument = new TypedDocumentString(`
    query LiveCard {
  viewer {
    role
    account {
      id
      kind
      plan {
        key
        name
        tier
      }
      balances {
        ...CardBalance
      }
      usage(first: 8) {
        edges {
          node {
            seq
            kind
            at
            feature
            member {
              externalId
            }
            changes {
              meter
              delta
              available
            }
          }
        }
      }
    }
  }
}
    fragment CardBalance on MeterBalance {
  meter
  available
  used
  reserved
  allowance
  unlimited
  resetsAt
}`) as unknown as TypedDocumentString<LiveCardQuery, LiveCardQueryVariables>;
export const LatestSessionsDocument = new TypedDocumentString(`
    query LatestSessions($accountId: ID!) {
  account(id: $accountId) {
    sessions(first: 5) {
      edges {
        node {
          id
          sessionId
          generations
          lastActivityAt
          charged {
            meter
            amount
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<LatestSessionsQuery, LatestSessionsQueryVariables>;
export const UsageByDayDocument = new TypedDocumentString(`
    query UsageByDay($accountId: ID!) {
  account(id: $accountId) {
    timeZone
    usageSummary(groupBy: DAY) {
      ranges {
        meter
        since
        until
      }
      rows(first: 100) {
        edges {
          node {
            key
            meter
            used
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<UsageByDayQuery, UsageByDayQueryVariables>;