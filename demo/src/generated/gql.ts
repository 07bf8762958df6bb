/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation Generate($input: GenerateInput!) {\n  generate(input: $input) {\n    __typename\n    ... on Error {\n      code\n      message\n    }\n    ... on InsufficientCreditsError {\n      meter\n      needed\n      available\n      upgrade {\n        message\n        plan {\n          key\n          name\n        }\n      }\n    }\n    ... on GenerationSuccess {\n      generationId\n      reused\n      charged {\n        meter\n        amount\n      }\n    }\n  }\n}": typeof types.GenerateDocument,
    "fragment CardBalance on MeterBalance {\n  meter\n  available\n  used\n  reserved\n  allowance\n  unlimited\n  resetsAt\n}\n\nquery LiveCard {\n  viewer {\n    role\n    account {\n      id\n      kind\n      plan {\n        key\n        name\n        tier\n      }\n      balances {\n        ...CardBalance\n      }\n      usage(first: 8) {\n        edges {\n          node {\n            seq\n            kind\n            at\n            feature\n            member {\n              externalId\n            }\n            changes {\n              meter\n              delta\n              available\n            }\n          }\n        }\n      }\n    }\n  }\n}": typeof types.CardBalanceFragmentDoc,
    "query LatestSessions($accountId: ID!) {\n  account(id: $accountId) {\n    sessions(first: 5) {\n      edges {\n        node {\n          id\n          sessionId\n          generations\n          lastActivityAt\n          charged {\n            meter\n            amount\n          }\n        }\n      }\n    }\n  }\n}": typeof types.LatestSessionsDocument,
    "query UsageByDay($accountId: ID!) {\n  account(id: $accountId) {\n    timeZone\n    usageSummary(groupBy: DAY) {\n      ranges {\n        meter\n        since\n        until\n      }\n      rows(first: 100) {\n        edges {\n          node {\n            key\n            meter\n            used\n          }\n        }\n      }\n    }\n  }\n}": typeof types.UsageByDayDocument,
};
const documents: Documents = {
    "mutation Generate($input: GenerateInput!) {\n  generate(input: $input) {\n    __typename\n    ... on Error {\n      code\n      message\n    }\n    ... on InsufficientCreditsError {\n      meter\n      needed\n      available\n      upgrade {\n        message\n        plan {\n          key\n          name\n        }\n      }\n    }\n    ... on GenerationSuccess {\n      generationId\n      reused\n      charged {\n        meter\n        amount\n      }\n    }\n  }\n}": types.GenerateDocument,
    "fragment CardBalance on MeterBalance {\n  meter\n  available\n  used\n  reserved\n  allowance\n  unlimited\n  resetsAt\n}\n\nquery LiveCard {\n  viewer {\n    role\n    account {\n      id\n      kind\n      plan {\n        key\n        name\n        tier\n      }\n      balances {\n        ...CardBalance\n      }\n      usage(first: 8) {\n        edges {\n          node {\n            seq\n            kind\n            at\n            feature\n            member {\n              externalId\n            }\n            changes {\n              meter\n              delta\n              available\n            }\n          }\n        }\n      }\n    }\n  }\n}": types.CardBalanceFragmentDoc,
    "query LatestSessions($accountId: ID!) {\n  account(id: $accountId) {\n    sessions(first: 5) {\n      edges {\n        node {\n          id\n          sessionId\n          generations\n          lastActivityAt\n          charged {\n            meter\n            amount\n          }\n        }\n      }\n    }\n  }\n}": types.LatestSessionsDocument,
    "query UsageByDay($accountId: ID!) {\n  account(id: $accountId) {\n    timeZone\n    usageSummary(groupBy: DAY) {\n      ranges {\n        meter\n        since\n        until\n      }\n      rows(first: 100) {\n        edges {\n          node {\n            key\n            meter\n            used\n          }\n        }\n      }\n    }\n  }\n}": types.UsageByDayDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Generate($input: GenerateInput!) {\n  generate(input: $input) {\n    __typename\n    ... on Error {\n      code\n      message\n    }\n    ... on InsufficientCreditsError {\n      meter\n      needed\n      available\n      upgrade {\n        message\n        plan {\n          key\n          name\n        }\n      }\n    }\n    ... on GenerationSuccess {\n      generationId\n      reused\n      charged {\n        meter\n        amount\n      }\n    }\n  }\n}"): typeof import('./graphql.js').GenerateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment CardBalance on MeterBalance {\n  meter\n  available\n  used\n  reserved\n  allowance\n  unlimited\n  resetsAt\n}\n\nquery LiveCard {\n  viewer {\n    role\n    account {\n      id\n      kind\n      plan {\n        key\n        name\n        tier\n      }\n      balances {\n        ...CardBalance\n      }\n      usage(first: 8) {\n        edges {\n          node {\n            seq\n            kind\n            at\n            feature\n            member {\n              externalId\n            }\n            changes {\n              meter\n              delta\n              available\n            }\n          }\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.js').CardBalanceFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LatestSessions($accountId: ID!) {\n  account(id: $accountId) {\n    sessions(first: 5) {\n      edges {\n        node {\n          id\n          sessionId\n          generations\n          lastActivityAt\n          charged {\n            meter\n            amount\n          }\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.js').LatestSessionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UsageByDay($accountId: ID!) {\n  account(id: $accountId) {\n    timeZone\n    usageSummary(groupBy: DAY) {\n      ranges {\n        meter\n        since\n        until\n      }\n      rows(first: 100) {\n        edges {\n          node {\n            key\n            meter\n            used\n          }\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.js').UsageByDayDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
