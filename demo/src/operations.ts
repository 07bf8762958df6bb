/**
 * The card's operations against schema/schema.graphql, with their result types written by hand
 * (only the fields selected). test/graphql/operations/ has the codegen-typed equivalents.
 */
export type Meter = 'AI_CREDITS' | 'VIDEO_GENERATIONS';

export type Balance = {
  meter: Meter;
  available: number;
  used: number;
  reserved: number;
  allowance: number;
  unlimited: boolean;
  resetsAt: string;
};

const BALANCE_FIELDS = 'meter available used reserved allowance unlimited resetsAt';

export const LIVE_CARD = /* GraphQL */ `
  query LiveCard {
    viewer {
      subject
      user { id externalId }
      account {
        id
        kind
        plan { key name tier }
        balances { ${BALANCE_FIELDS} }
        usage(first: 8) {
          edges { node { seq kind at feature member { id externalId } changes { meter delta available } } }
        }
      }
    }
  }
`;

export type LiveCardData = {
  viewer: {
    subject: string;
    user: { id: string; externalId: string } | null;
    account: {
      id: string;
      kind: string;
      plan: { key: string; name: string; tier: number };
      balances: Balance[];
      usage: {
        edges: {
          node: {
            seq: number;
            kind: string;
            at: string;
            feature: string | null;
            member: { id: string; externalId: string } | null;
            changes: { meter: Meter; delta: number; available: number }[];
          };
        }[];
      };
    } | null;
  } | null;
};

export const CREDIT_USAGE = /* GraphQL */ `
  subscription CreditUsage($accountId: ID!, $afterSeq: Int) {
    creditUsage(accountId: $accountId, afterSeq: $afterSeq) {
      seq meter kind delta previousAvailable available used reserved allowance unlimited feature memberId at thresholdsCrossed
    }
  }
`;

export type CreditTick = {
  seq: number;
  meter: Meter;
  kind: string;
  delta: number;
  previousAvailable: number;
  available: number;
  used: number;
  reserved: number;
  allowance: number;
  unlimited: boolean;
  feature: string | null;
  memberId: string | null;
  at: string;
  thresholdsCrossed: number[];
};

export const BALANCE_CHANGED = /* GraphQL */ `
  subscription BalanceChanged($accountId: ID!) {
    balanceChanged(accountId: $accountId) { ${BALANCE_FIELDS} }
  }
`;

export const GENERATE = /* GraphQL */ `
  mutation Generate($input: GenerateInput!) {
    generate(input: $input) {
      __typename
      ... on Error { code message }
      ... on InsufficientCreditsError { meter needed available upgrade { message plan { key name } } }
      ... on GenerationSuccess { generationId reused charged { meter amount } }
    }
  }
`;

export type GenerateResult =
  | { __typename: 'GenerationSuccess'; generationId: string; reused: boolean; charged: { meter: Meter; amount: number }[] }
  | {
      __typename: 'InsufficientCreditsError';
      code: string;
      message: string;
      meter: Meter;
      needed: number;
      available: number;
      upgrade: { message: string; plan: { key: string; name: string } } | null;
    }
  | {
      __typename:
        | 'GenerationFailedError'
        | 'GenerationInProgressError'
        | 'IdempotencyKeyReusedError'
        | 'InvalidInputError'
        | 'InvalidParameterError'
        | 'MemberCapExceededError'
        | 'QuoteExpiredError'
        | 'QuoteMismatchError'
        | 'QuoteNotFoundError'
        | 'UnknownFeatureError';
      code: string;
      message: string;
    };
