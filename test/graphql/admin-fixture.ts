import type { TokenClaims } from '../../src/auth/index.js';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { ViewerDocument } from './generated/graphql.js';
import { useTestServer } from './test-server.js';
import { probeOf } from './write-fixture.js';

/** When the administration tests run: the test clock's instant, unless a test moves it. */
export const START = '2026-03-10T12:00:00.000Z';

/**
 * The administration tests' server (accounts open on rheos.free: 50 AI credits a month, renewing
 * on the day each account opened) on a test clock at START, what is behind its API, and its callers.
 */
export function useAdminServer() {
  const clock = new TestClock(new Date(START));
  const server = useTestServer({ now: clock.now });
  return {
    server,
    probe: probeOf(server),
    /** Signs a token and makes the first request, which opens the caller's accounts. */
    async caller(claims: TokenClaims): Promise<string> {
      const token = await server.token(claims);
      await execute(server.url, ViewerDocument, { token });
      return token;
    },
    /** The token of the product's backend, which the administration writes are for. */
    service: () => server.token({ sub: 'svc:billing', role: 'service' }),
    /** Runs `check` with the clock at `instant`, then puts it back at START. */
    async at<T>(instant: string, check: () => Promise<T>): Promise<T> {
      clock.set(instant);
      try {
        return await check();
      } finally {
        clock.set(START);
      }
    },
  };
}
