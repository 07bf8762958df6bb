/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

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
    "query Features {\n  features {\n    edges {\n      node {\n        id\n        key\n        description\n        meters\n        costRule {\n          meters {\n            meter\n            baseCost\n            scaledBy\n            chargeOnProviderFailure\n          }\n          choices {\n            name\n            default\n            options {\n              value\n              multiplier\n            }\n          }\n          counts {\n            name\n            max\n          }\n        }\n      }\n    }\n  }\n}": typeof types.FeaturesDocument,
    "query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Plan {\n      key\n      name\n    }\n    ... on Feature {\n      key\n      description\n    }\n  }\n}": typeof types.NodeDocument,
    "query Plans($first: Int, $after: String) {\n  plans(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        key\n        name\n        tier\n        meters {\n          meter\n          allowance\n          period\n          unlimited\n          rollover {\n            kind\n            maxCredits\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.PlansDocument,
    "subscription CreditUsage($accountId: ID!, $meter: Meter, $afterSeq: Int) {\n  creditUsage(accountId: $accountId, meter: $meter, afterSeq: $afterSeq) {\n    seq\n    meter\n    kind\n    delta\n    previousAvailable\n    available\n    used\n    reserved\n    allowance\n    unlimited\n    feature\n    sessionId\n    memberId\n    at\n    thresholdsCrossed\n  }\n}\n\nsubscription BalanceChanged($accountId: ID!) {\n  balanceChanged(accountId: $accountId) {\n    meter\n    available\n    used\n    reserved\n    allowance\n    unlimited\n    topUp\n    resetsAt\n  }\n}": typeof types.CreditUsageDocument,
    "query Viewer {\n  viewer {\n    id\n    subject\n    role\n    expiresAt\n    user {\n      id\n      externalId\n    }\n    organization {\n      id\n      externalId\n    }\n  }\n}": typeof types.ViewerDocument,
};
const documents: Documents = {
    "query Features {\n  features {\n    edges {\n      node {\n        id\n        key\n        description\n        meters\n        costRule {\n          meters {\n            meter\n            baseCost\n            scaledBy\n            chargeOnProviderFailure\n          }\n          choices {\n            name\n            default\n            options {\n              value\n              multiplier\n            }\n          }\n          counts {\n            name\n            max\n          }\n        }\n      }\n    }\n  }\n}": types.FeaturesDocument,
    "query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Plan {\n      key\n      name\n    }\n    ... on Feature {\n      key\n      description\n    }\n  }\n}": types.NodeDocument,
    "query Plans($first: Int, $after: String) {\n  plans(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        key\n        name\n        tier\n        meters {\n          meter\n          allowance\n          period\n          unlimited\n          rollover {\n            kind\n            maxCredits\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.PlansDocument,
    "subscription CreditUsage($accountId: ID!, $meter: Meter, $afterSeq: Int) {\n  creditUsage(accountId: $accountId, meter: $meter, afterSeq: $afterSeq) {\n    seq\n    meter\n    kind\n    delta\n    previousAvailable\n    available\n    used\n    reserved\n    allowance\n    unlimited\n    feature\n    sessionId\n    memberId\n    at\n    thresholdsCrossed\n  }\n}\n\nsubscription BalanceChanged($accountId: ID!) {\n  balanceChanged(accountId: $accountId) {\n    meter\n    available\n    used\n    reserved\n    allowance\n    unlimited\n    topUp\n    resetsAt\n  }\n}": types.CreditUsageDocument,
    "query Viewer {\n  viewer {\n    id\n    subject\n    role\n    expiresAt\n    user {\n      id\n      externalId\n    }\n    organization {\n      id\n      externalId\n    }\n  }\n}": types.ViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Features {\n  features {\n    edges {\n      node {\n        id\n        key\n        description\n        meters\n        costRule {\n          meters {\n            meter\n            baseCost\n            scaledBy\n            chargeOnProviderFailure\n          }\n          choices {\n            name\n            default\n            options {\n              value\n              multiplier\n            }\n          }\n          counts {\n            name\n            max\n          }\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query Features {\n  features {\n    edges {\n      node {\n        id\n        key\n        description\n        meters\n        costRule {\n          meters {\n            meter\n            baseCost\n            scaledBy\n            chargeOnProviderFailure\n          }\n          choices {\n            name\n            default\n            options {\n              value\n              multiplier\n            }\n          }\n          counts {\n            name\n            max\n          }\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Plan {\n      key\n      name\n    }\n    ... on Feature {\n      key\n      description\n    }\n  }\n}"): (typeof documents)["query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Plan {\n      key\n      name\n    }\n    ... on Feature {\n      key\n      description\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Plans($first: Int, $after: String) {\n  plans(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        key\n        name\n        tier\n        meters {\n          meter\n          allowance\n          period\n          unlimited\n          rollover {\n            kind\n            maxCredits\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Plans($first: Int, $after: String) {\n  plans(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        key\n        name\n        tier\n        meters {\n          meter\n          allowance\n          period\n          unlimited\n          rollover {\n            kind\n            maxCredits\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription CreditUsage($accountId: ID!, $meter: Meter, $afterSeq: Int) {\n  creditUsage(accountId: $accountId, meter: $meter, afterSeq: $afterSeq) {\n    seq\n    meter\n    kind\n    delta\n    previousAvailable\n    available\n    used\n    reserved\n    allowance\n    unlimited\n    feature\n    sessionId\n    memberId\n    at\n    thresholdsCrossed\n  }\n}\n\nsubscription BalanceChanged($accountId: ID!) {\n  balanceChanged(accountId: $accountId) {\n    meter\n    available\n    used\n    reserved\n    allowance\n    unlimited\n    topUp\n    resetsAt\n  }\n}"): (typeof documents)["subscription CreditUsage($accountId: ID!, $meter: Meter, $afterSeq: Int) {\n  creditUsage(accountId: $accountId, meter: $meter, afterSeq: $afterSeq) {\n    seq\n    meter\n    kind\n    delta\n    previousAvailable\n    available\n    used\n    reserved\n    allowance\n    unlimited\n    feature\n    sessionId\n    memberId\n    at\n    thresholdsCrossed\n  }\n}\n\nsubscription BalanceChanged($accountId: ID!) {\n  balanceChanged(accountId: $accountId) {\n    meter\n    available\n    used\n    reserved\n    allowance\n    unlimited\n    topUp\n    resetsAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Viewer {\n  viewer {\n    id\n    subject\n    role\n    expiresAt\n    user {\n      id\n      externalId\n    }\n    organization {\n      id\n      externalId\n    }\n  }\n}"): (typeof documents)["query Viewer {\n  viewer {\n    id\n    subject\n    role\n    expiresAt\n    user {\n      id\n      externalId\n    }\n    organization {\n      id\n      externalId\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;