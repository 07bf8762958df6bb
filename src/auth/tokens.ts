import { decodeJwt, SignJWT } from 'jose';
import type { AuthConfig } from '../config.js';
import type { Role } from './authenticate.js';

export type TokenClaims = { readonly sub: string; readonly org?: string | undefined; readonly role?: Role | undefined };

/**
 * Signs a token that this server accepts, with the configured secret (and issuer and audience,
 * when set). For development and tests: production tokens come from the identity provider.
 * `ttl` is a jose time span such as `1h`, `30 minutes` or, for an already expired token, `-1h`;
 * one longer than the server accepts (`auth.maxLifetimeSeconds`, JWT_MAX_TTL_SECONDS) is refused.
 */
export async function signToken(auth: AuthConfig, claims: TokenClaims, ttl = '1h'): Promise<string> {
  if (auth.kind !== 'secret') {
    throw new Error(
      'tokens are verified with the keys at JWT_JWKS_URL, whose private keys only the identity provider has: get a token from it, or set JWT_SECRET instead',
    );
  }
  let token = new SignJWT({ role: claims.role ?? 'member', ...(claims.org === undefined ? {} : { org: claims.org }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(ttl);
  if (auth.issuer !== undefined) token = token.setIssuer(auth.issuer);
  if (auth.audience !== undefined) token = token.setAudience(auth.audience);
  const signed = await token.sign(new TextEncoder().encode(auth.secret));
  const { exp = Infinity } = decodeJwt(signed);
  if (exp > Date.now() / 1000 + auth.maxLifetimeSeconds) {
    throw new Error(`a token that lives ${ttl} would be refused: tokens may expire at most JWT_MAX_TTL_SECONDS (${auth.maxLifetimeSeconds}) seconds from now`);
  }
  return signed;
}
