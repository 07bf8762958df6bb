import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReserveCreditsDocument } from '../graphql/generated/graphql.js';
import { accountGlobalId } from '../graphql/ledger-fixture.js';
import { useTestServer } from '../graphql/test-server.js';
import { as, resultOf } from '../graphql/write-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { Receiver, signedFor } from './receiver.js';
import { webhookApi } from './webhook-fixture.js';

/**
 * What time alone brings to an account nobody writes to — a hold released by its TTL, a new
 * period — is sent when it falls due, not at the account's next write.
 */
const clock = new TestClock(new Date(Math.floor(Date.now() / 1000) * 1000));
const server = useTestServer({ now: clock.now, env: { WEBHOOK_POLL_MS: '50', LEDGER_HOLD_TTL_SECONDS: '60' } });
const api = webhookApi(server);

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

type Event = { type: string; timestamp: string; data: Record<string, unknown> };

describe('an idle account', () => {
  it('has its expired hold and its reset delivered when they fall due, with no write to the account', async () => {
    const token = await api.open({ sub: 'idle' });
    // Endpoints hear of entries made from their registration on (on the ledger's clock): not of the opening.
    clock.set(new Date(clock.now().getTime() + 1000));
    const endpoint = await api.register(receiver.url, ['RESERVATION_EXPIRED', 'CREDITS_RESET']);
    const ours = signedFor(endpoint.webhook);
    const eventsOf = (count: number) =>
      receiver.of(undefined, count, ours).then((deliveries) => deliveries.map((delivery) => endpoint.webhook.verify(delivery.body, delivery.headers as Record<string, string>) as Event));

    const input = { accountId: accountGlobalId('user:idle'), meter: 'AI_CREDITS', amount: 10, idempotencyKey: 'idle-hold' } as const;
    const held = as(await resultOf(server.url, ReserveCreditsDocument, token, { input }), 'ReserveCreditsSuccess');
    const periodEnd = held.balances.find((balance) => balance.meter === 'AI_CREDITS')!.resetsAt as string;

    // The hold's TTL passes; nothing is asked of the account.
    clock.set(held.expiresAt as string);
    const [expired] = await eventsOf(1);
    expect(expired).toMatchObject({ type: 'reservation.expired', timestamp: new Date(held.expiresAt as string).toISOString() });
    expect(expired!.data).toMatchObject({ accountId: 'user:idle', released: [{ meter: 'AI_CREDITS', credits: 10 }] });

    // The period ends, still with nobody writing.
    clock.set(periodEnd);
    const events = await eventsOf(2);
    const reset = events.find((event) => event.type === 'credits.reset' && event.data.meter === 'AI_CREDITS');
    expect(reset).toMatchObject({ timestamp: new Date(periodEnd).toISOString(), data: { accountId: 'user:idle', periodStart: new Date(periodEnd).toISOString(), used: 0 } });
  });
});
