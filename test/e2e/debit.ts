import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { expect } from 'vitest';
import { signToken } from '../../src/auth/index.js';
import type { Config } from '../../src/config.js';

/** A service charges an account's AI credits over HTTP, as a product's backend would, outside the page under test. */
export async function debitFromOutside(config: Config, graphqlUrl: string, accountId: string, amount: number): Promise<void> {
  const service = await signToken(config.auth, { sub: 'svc:e2e', role: 'service' }, '5m');
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
    body: JSON.stringify({
      query: 'mutation ($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { __typename ... on Error { message } } }',
      variables: { input: { accountId: encodeGlobalID('Account', accountId), meter: 'AI_CREDITS', amount, feature: 'script.generate', idempotencyKey: randomUUID() } },
    }),
  });
  expect(await response.json()).toEqual({ data: { consumeCredits: { __typename: 'ConsumeCreditsSuccess' } } });
}
