import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newSigningSecret, signPayload } from './signing-secret.js';

describe('signing secrets', () => {
  it('are whsec_ and the base64 of 32 random bytes, different each time', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(secret);
  });

  it('are accepted by the standardwebhooks library, which verifies what signPayload signs', () => {
    const secret = newSigningSecret();
    const webhook = new Webhook(secret);
    const id = 'msg_1';
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'credits.granted', data: { amount: 5 } });
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signPayload(secret, id, timestamp, body) };
    expect(webhook.verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
  });
});
