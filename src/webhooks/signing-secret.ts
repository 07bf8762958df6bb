import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks secrets are `whsec_` and the base64 of 24 to 64 random bytes; 32 bytes is HMAC-SHA256's key size. */
const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new endpoint secret in the Standard Webhooks format, shown to its owner once. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The `webhook-signature` header value for one delivery: for each secret, `v1,` and the base64
 * HMAC-SHA256 of `${id}.${timestamp}.${body}` keyed with the secret's bytes, space-separated (the
 * Standard Webhooks scheme, so that receivers can verify with any of its libraries, which accept
 * the delivery when any one signature matches: a receiver that still has the previous secret
 * after a rotation verifies as well as one that has the new one).
 */
export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  return secrets.map((secret) => signature(secret, `${id}.${timestampSeconds}.${body}`)).join(' ');
}

function signature(secret: string, content: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
}
