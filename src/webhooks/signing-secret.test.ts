import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newSigningSecret, signatureHeader } from './signing-secret.js';

const id = 'msg_1';
const body = JSON.stringify({ type: 'credits.granted', data: { amount: 5 } });
const headersSignedWith = (...secrets: string[]) => {
  const timestamp = Math.floor(Date.now() / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, id, timestamp, body) };
};

describe('signing secrets', () => {
  it('are whsec_ and the base64 of 32 random bytes, different each time', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(secret);
  });

  it('are accepted by the standardwebhooks library, which verifies what signatureHeader signs', () => {
    const secret = newSigningSecret();
    const headers = headersSignedWith(secret);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
  });

  it('sign with each secret given, space-separated, so that a receiver with either one verifies (a rotation)', () => {
    const [current, previous] = [newSigningSecret(), newSigningSecret()];
    const headers = headersSignedWith(current, previous);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
  });
});
