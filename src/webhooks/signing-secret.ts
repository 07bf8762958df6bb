import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks secrets are `whsec_` and the base64 of 24 to 64 random bytes; 32 bytes is HMAC-SHA256's key size. */
const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new endpoint secret in the Standard Webhooks format, shown to its owner once. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The `webhook-signature` header value for one delivery: `v1,` and the base64 HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` keyed with the secret's bytes (the Standard Webhooks scheme, so
 * that receivers can verify with any of its libraries).
 */
export function signPayload(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${signature}`;
}
