import { describe, expect, it } from 'vitest';
import { execute } from './client.js';
import { ConsumeCreditsDocument, GenerateDocument, ViewerDocument } from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, byMeter, resultOf } from './write-fixture.js';

const server = useTestServer();

async function member(sub: string) {
  const token = await server.token({ sub });
  await execute(server.url, ViewerDocument, { token });
  return token;
}

describe('a write answers', () => {
  it('the balances right after itself, even when it was coalesced with concurrent writes', async () => {
    const token = await member('ten');
    const consume = (key: string) =>
      resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId: accountGlobalId('user:ten'), meter: 'AI_CREDITS', amount: 1, idempotencyKey: key } });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, index) => consume(`d-${index}`)));
    const available = answers.map((answer) => byMeter(as(answer, 'ConsumeCreditsSuccess').balances).AI_CREDITS!.available);
    expect([...available].sort((a, b) => b - a)).toEqual([49, 48, 47, 46, 45, 44, 43, 42, 41, 40]);
  });

  it('when replayed, what the first request answered, as payment APIs replay the original response', async () => {
    const token = await member('replay');
    const consume = (key: string, amount: number) =>
      resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId: accountGlobalId('user:replay'), meter: 'AI_CREDITS', amount, idempotencyKey: key } });
    const first = as(await consume('first', 5), 'ConsumeCreditsSuccess');
    as(await consume('second', 7), 'ConsumeCreditsSuccess');
    const replayed = as(await consume('first', 5), 'ConsumeCreditsSuccess');
    expect(replayed).toMatchObject({ replayed: true, balances: first.balances, consumed: first.consumed });
    expect(byMeter(replayed.balances).AI_CREDITS).toMatchObject({ available: 45, used: 5 });

    const generate = () => resultOf(server.url, GenerateDocument, token, { input: { feature: 'image.generate', idempotencyKey: 'g', input: { prompt: 'x' } } });
    const generated = as(await generate(), 'GenerationSuccess');
    as(await consume('third', 1), 'ConsumeCreditsSuccess');
    expect(as(await generate(), 'GenerationSuccess')).toMatchObject({ replayed: true, balances: generated.balances });
  });
});
