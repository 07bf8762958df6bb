import { parse } from 'graphql';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import type { TokenClaims } from '../../src/auth/index.js';
import { execute } from '../graphql/client.js';
import { GrantCreditsDocument, ViewerDocument } from '../graphql/generated/graphql.js';
import { accountGlobalId } from '../graphql/ledger-fixture.js';
import { resultOf } from '../graphql/write-fixture.js';

const CREATE = parse(`mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecretPayload { signingSecret endpoint { id } } }
}`);

type Created = { createWebhookEndpoint: { __typename: string; signingSecret?: string; endpoint?: { id: string } } };

/** An endpoint as its service sees it once registered: its id and the verifier of its secret. */
export type RegisteredEndpoint = { readonly id: string; readonly webhook: Webhook };

/**
 * What the webhook tests do through the API of a test server (`useTestServer`), as a billing
 * service would: register endpoints, open accounts and top them up.
 */
export function webhookApi(server: { readonly url: string; token: (claims: TokenClaims) => Promise<string> }) {
  const service = () => server.token({ sub: 'svc:billing', role: 'service' });
  /** Opens the drawing account of a user (its first request does: its own, or its organization's pool) and returns its token. */
  async function open(claims: TokenClaims): Promise<string> {
    const token = await server.token(claims);
    expect((await execute(server.url, ViewerDocument, { token })).errors).toBeUndefined();
    return token;
  }
  async function grant(accountId: string, amount: number, key: string): Promise<void> {
    const input = { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', amount, reason: 'order', kind: 'TOP_UP', idempotencyKey: key } as const;
    await resultOf(server.url, GrantCreditsDocument, await service(), { input });
  }
  return {
    service,
    open,
    /** Registers `url` for `eventTypes` (enum names, e.g. CREDITS_GRANTED). */
    async register(url: string, eventTypes: readonly string[], description = 'webhook test'): Promise<RegisteredEndpoint> {
      const answer = await execute<Created, Record<string, unknown>>(server.url, CREATE, {
        token: await service(),
        variables: { input: { url, eventTypes, description } },
      });
      const created = answer.data?.createWebhookEndpoint;
      expect(created?.__typename, JSON.stringify(answer)).toBe('WebhookEndpointWithSecretPayload');
      return { id: created!.endpoint!.id, webhook: new Webhook(created!.signingSecret!) };
    },
    /** Grants the account (its store id, e.g. `org:acme`) `amount` AI credits as a TOP_UP. */
    grant,
    /** Opens the account of user `sub` if need be and tops it up. */
    async topUp(sub: string, amount: number, key: string): Promise<void> {
      await open({ sub });
      await grant(`user:${sub}`, amount, key);
    },
  };
}
