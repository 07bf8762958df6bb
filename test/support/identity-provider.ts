import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export const ISSUER = 'https://id.example/';
export const AUDIENCE = 'creditstream';

/**
 * An identity provider for tests: an HTTP server publishing one ES256 key (`k1`) as a JSON Web
 * Key Set, which a test can make hang (accept requests and never answer) or go down (refuse
 * connections), and bring back on the same port.
 */
export type IdentityProvider = {
  readonly jwksUrl: string;
  /** A token signed with the published key (`k1`), expiring in ten minutes. */
  sign(claims: JWTPayload): Promise<string>;
  /** A token naming a key the provider never published (`k2`). */
  signWithUnpublishedKey(claims: JWTPayload): Promise<string>;
  serve(): Promise<void>;
  hang(): Promise<void>;
  down(): Promise<void>;
  close(): Promise<void>;
};

export async function startIdentityProvider(mode: 'serve' | 'hang' = 'serve'): Promise<IdentityProvider> {
  const published = await generateKeyPair('ES256');
  const unpublished = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
  let hanging = mode === 'hang';
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    if (server) return;
    const listening = createServer((_request, response) => {
      if (hanging) return; // never answers, until the connection is closed
      response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    port = (listening.address() as AddressInfo).port;
    server = listening;
  };
  const stop = async () => {
    const stopping = server;
    server = undefined;
    stopping?.closeAllConnections();
    await new Promise((resolve) => (stopping ? stopping.close(resolve) : resolve(undefined)));
  };
  await listen();
  const signer = (key: CryptoKey, kid: string) => (claims: JWTPayload) =>
    new SignJWT({ iss: ISSUER, aud: AUDIENCE, ...claims }).setProtectedHeader({ alg: 'ES256', kid }).setExpirationTime('10m').sign(key);
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    sign: signer(published.privateKey, 'k1'),
    signWithUnpublishedKey: signer(unpublished.privateKey, 'k2'),
    async serve() {
      hanging = false;
      await listen();
    },
    async hang() {
      hanging = true;
      await listen();
    },
    down: stop,
    close: stop,
  };
}
