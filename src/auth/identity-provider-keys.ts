import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';

/** How the identity provider's key set is fetched: how long a fetch may take, and how long what it answered is used. */
export type KeyFetching = {
  /** A fetch that takes longer fails (jose's default is 5 s, which every request waiting on it would wait). */
  readonly timeoutMs: number;
  /** How long after a fetch a token naming a key not in the set is refused rather than fetched for. */
  readonly cooldownMs: number;
  /** How long a fetched set is used before it is fetched again. */
  readonly cacheMaxAgeMs: number;
};

export const DEFAULT_KEY_FETCHING: KeyFetching = { timeoutMs: 1_000, cooldownMs: 30_000, cacheMaxAgeMs: 10 * 60_000 };

/** The identity provider's keys could not be fetched (down, hanging, answering nonsense), and none fetched before verifies the token. */
export class KeysUnavailableError extends Error {
  override readonly name = 'KeysUnavailableError';
}

/** jose failures of fetching the set itself, as opposed to what the set says of a token. */
const FETCH_FAILURES = new Set<string>([errors.JWKSTimeout.code, errors.JOSEError.code, errors.JWKSInvalid.code]);
const isFetchFailure = (error: unknown) => !(error instanceof errors.JOSEError) || FETCH_FAILURES.has(error.code);

/**
 * The keys at `url`, fetched on first use, cached, and fetched again when the cache is old or a
 * token names a key it does not have. While the provider does not answer, the keys fetched before
 * keep verifying the tokens they signed, however old the cache; only a token none of them
 * verifies fails, with `KeysUnavailableError`, rather than being called invalid (its key may be new).
 */
export function identityProviderKeys(url: string, fetching: KeyFetching): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(url), { timeoutDuration: fetching.timeoutMs, cooldownDuration: fetching.cooldownMs, cacheMaxAge: fetching.cacheMaxAgeMs });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (!isFetchFailure(error)) throw error;
      const fetched = remote.jwks();
      if (fetched) {
        try {
          return await createLocalJWKSet(fetched)(header, token);
        } catch (cached) {
          if (!(cached instanceof errors.JWKSNoMatchingKey)) throw cached;
        }
      }
      throw new KeysUnavailableError(`cannot fetch the identity provider's keys: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}
