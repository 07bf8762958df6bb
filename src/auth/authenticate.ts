import { AcceptedTokens } from './accepted-tokens.js';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';
import { z } from 'zod';
import type { AuthConfig } from '../config.js';
import { DEFAULT_KEY_FETCHING, identityProviderKeys, KeysUnavailableError, type KeyFetching } from './identity-provider-keys.js';

export const ROLES = ['member', 'admin', 'service'] as const;
/** `admin` administers the token's organization; `service` is the product's backend and may act on any account. */
export type Role = (typeof ROLES)[number];

/** The caller, as its verified access token names it. */
export type Viewer = {
  /** The token's subject: a user id, or a service's name such as `svc:billing`. */
  readonly userId: string;
  /** The organization whose pool the user draws from; `null` for a user on its own and for most services. */
  readonly organizationId: string | null;
  readonly role: Role;
  readonly expiresAt: Date;
};

/**
 * Why a request is not authenticated: something wrong with its token (UNAUTHENTICATED), or the
 * identity provider's keys that would check it cannot be fetched now (UNAVAILABLE: retry later).
 * The message is safe to show to the caller; `detail` is for logs only.
 */
export type AuthError = (
  | {
      readonly code: 'UNAUTHENTICATED';
      /** `LIFETIME_TOO_LONG`: the token expires later than the configured maximum lifetime allows, from now. */
      readonly reason: 'MISSING_TOKEN' | 'INVALID_TOKEN' | 'EXPIRED_TOKEN' | 'LIFETIME_TOO_LONG';
    }
  | { readonly code: 'UNAVAILABLE'; readonly reason: 'KEYS_UNAVAILABLE' }
) & {
  readonly message: string;
  readonly detail?: string;
};

export type AuthResult = { readonly ok: true; readonly viewer: Viewer } | { readonly ok: false; readonly error: AuthError };

/** Verifies a bearer token. Resolves with a failure for anything wrong with the token, and when its keys cannot be fetched. */
export type Authenticate = (token: string | undefined) => Promise<AuthResult>;

/** Ids become account, member and key names, so they are bounded like every other input. */
const MAX_ID_LENGTH = 200;

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(MAX_ID_LENGTH),
  org: z.string().min(1).max(MAX_ID_LENGTH).nullish(),
  role: z.enum(ROLES).default('member'),
  exp: z.number(),
});

/** What identity providers sign with; a shared secret is only ever accepted as HS256. */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/**
 * How long after its `exp` a token is still accepted, so that an identity provider's clock a
 * little ahead of ours does not cut its tokens short: one rule for every transport. An HTTP
 * request is refused from `exp` + this on, and a WebSocket is closed then (see `acceptedUntil`).
 * `nbf` and the lifetime limit get the same tolerance.
 */
export const EXPIRY_LEEWAY_SECONDS = 5;

/** The instant from which the viewer's token is refused: its `exp` plus `EXPIRY_LEEWAY_SECONDS`. */
export function acceptedUntil(viewer: Pick<Viewer, 'expiresAt'>): Date {
  return new Date(viewer.expiresAt.getTime() + EXPIRY_LEEWAY_SECONDS * 1000);
}

/** jose failures that say the token is bad, as opposed to the keys being unavailable. */
const TOKEN_FAULTS = new Set<string>([
  errors.JWTClaimValidationFailed.code,
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
]);

const failure = (reason: Extract<AuthError, { code: 'UNAUTHENTICATED' }>['reason'], message: string, detail?: string): AuthResult => ({
  ok: false,
  error: { code: 'UNAUTHENTICATED', reason, message, ...(detail === undefined ? {} : { detail }) },
});

/** What a caller is told when the identity provider's keys cannot be fetched; within the 123 bytes of a WebSocket close reason. */
export const KEYS_UNAVAILABLE_MESSAGE = "The identity provider's keys cannot be fetched to verify the access token: retry shortly.";

export const MISSING_TOKEN_MESSAGE = 'Authentication required: send an access token as "Authorization: Bearer <token>".';
/** Tells a client to get a new token; also what ends a live subscription when its token expires. */
export const EXPIRED_TOKEN_MESSAGE = 'The access token has expired.';

/**
 * What refuses a token whose `exp` is further away than `maxLifetimeSeconds`: it says the limit, so
 * that an issuer can be fixed. At most 111 bytes, within the 123 of a WebSocket close reason.
 */
function lifetimeTooLongMessage(maxLifetimeSeconds: number): string {
  return `The access token expires too far in the future: this server accepts tokens that expire within ${duration(maxLifetimeSeconds)}.`;
}

function duration(seconds: number): string {
  const [amount, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/**
 * Verifies tokens as `config` says. Besides the signature and the claims, a token must expire
 * (`exp` is required) and expire within `config.maxLifetimeSeconds` from now: a token that lives
 * longer, up to `exp: 1e20`, would outlive any rotation of the keys and is refused as LIFETIME_TOO_LONG.
 */
export function createAuthenticator(config: AuthConfig, keyFetching: KeyFetching = DEFAULT_KEY_FETCHING): Authenticate {
  const verify = verifierFor(config, keyFetching);
  const tooLong = lifetimeTooLongMessage(config.maxLifetimeSeconds);
  const accepted = new AcceptedTokens();
  return async function authenticate(token) {
    if (token === undefined) return failure('MISSING_TOKEN', MISSING_TOKEN_MESSAGE);
    const known = accepted.get(token);
    if (known) return { ok: true, viewer: known };
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return failure('EXPIRED_TOKEN', EXPIRED_TOKEN_MESSAGE);
      if (error instanceof KeysUnavailableError) return { ok: false, error: { code: 'UNAVAILABLE', reason: 'KEYS_UNAVAILABLE', message: KEYS_UNAVAILABLE_MESSAGE, detail: error.message } };
      if (error instanceof errors.JOSEError && TOKEN_FAULTS.has(error.code)) {
        return failure('INVALID_TOKEN', 'The access token is invalid.', error.message);
      }
      throw error;
    }
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success) {
      const detail = claims.error.issues.map((issue) => `claim ${issue.path.join('.')}: ${issue.message}`).join('; ');
      return failure('INVALID_TOKEN', 'The access token is invalid.', detail);
    }
    const { sub, org, role, exp } = claims.data;
    const latestExpiry = Date.now() / 1000 + config.maxLifetimeSeconds + EXPIRY_LEEWAY_SECONDS;
    if (exp > latestExpiry) return failure('LIFETIME_TOO_LONG', tooLong, `exp ${exp} is beyond now + ${config.maxLifetimeSeconds} s`);
    const viewer: Viewer = { userId: sub, organizationId: org ?? null, role, expiresAt: new Date(exp * 1000) };
    accepted.remember(token, viewer);
    return { ok: true, viewer };
  };
}

function verifierFor(config: AuthConfig, keyFetching: KeyFetching): (token: string) => Promise<JWTVerifyResult> {
  const options: JWTVerifyOptions = {
    algorithms: config.kind === 'secret' ? ['HS256'] : ASYMMETRIC_ALGORITHMS,
    requiredClaims: ['sub', 'exp'],
    clockTolerance: EXPIRY_LEEWAY_SECONDS,
    ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    ...(config.audience === undefined ? {} : { audience: config.audience }),
  };
  if (config.kind === 'secret') {
    const secret = new TextEncoder().encode(config.secret);
    return (token) => jwtVerify(token, secret, options);
  }
  const keys = identityProviderKeys(config.jwksUrl, keyFetching);
  return (token) => jwtVerify(token, keys, options);
}
