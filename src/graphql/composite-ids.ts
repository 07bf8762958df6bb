import { encodeGlobalID } from '@pothos/plugin-relay';

/**
 * The global id of something identified by several keys (an account and a meter, a plan and a
 * meter): a client's normalized cache (Apollo Client's, urql's Graphcache) keeps one copy of it
 * by `__typename` and this id, so a write answering it updates every query that shows it.
 */
export function compositeGlobalId(typename: string, ...keys: readonly string[]): string {
  return encodeGlobalID(typename, JSON.stringify(keys));
}
