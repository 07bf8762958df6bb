import type { Authenticate, Viewer } from '../auth/index.js';
import { MISSING_TOKEN_MESSAGE } from '../auth/index.js';
import type { Config } from '../config.js';
import type { GenerationService } from '../generation/index.js';
import { logPrincipal, type Logger } from '../logger.js';
import type { MeteringService } from '../metering/index.js';
import type { SpendLimiter } from '../rate-limits/index.js';
import type { Realtime } from '../realtime/index.js';
import type { Directory } from '../store/directory.js';
import type { LedgerStore } from '../store/ledger-store.js';
import type { WebhookOutbox } from '../store/webhook-outbox.js';
import type { EndpointService } from '../webhooks/endpoint-service.js';
import { invalidCredentials, unauthenticated, unavailable } from './errors.js';

/** What resolvers work with; one set per server, shared by every request. */
export type Services = {
  readonly catalogs: Config['catalogs'];
  readonly store: LedgerStore;
  readonly directory: Directory;
  /** The metering and administration writes: consume, reserve and settle, quotes, grants, plans, caps. */
  readonly metering: MeteringService;
  /** Live credit ticks and balances, for the subscriptions. */
  readonly realtime: Realtime;
  /** `generate`: quote, hold, the provider's work, then commit or the failure's charge. */
  readonly generation: GenerationService;
  /** How many spending requests (`consumeCredits`, `reserveCredits`, `generate`) a member may send a minute. */
  readonly spendLimiter: SpendLimiter;
  /** Registration of webhook endpoints (services only). */
  readonly webhookEndpoints: EndpointService;
  /** The delivery log and redelivery (services only). */
  readonly webhookDeliveries: WebhookOutbox;
};

/**
 * One per operation: each HTTP request, and each operation on a WebSocket. DataLoader-backed types of the
 * dataloader plugin keep their loaders per context object, so batching and caching never cross
 * requests.
 */
export type Context = {
  /** `null` for an anonymous request: fields that need a caller refuse it with UNAUTHENTICATED. */
  readonly viewer: Viewer | null;
  readonly services: Services;
};

/**
 * Builds the context of a request from its bearer token (over WebSocket, the token the connection
 * was opened with). No token makes an anonymous request; a token that does not verify refuses the
 * whole request, so that a client never mistakes a broken token for a missing one.
 */
export async function createContext(
  token: string | undefined,
  dependencies: { authenticate: Authenticate; services: Services; logger: Logger },
): Promise<Context> {
  const result = await dependencies.authenticate(token);
  if (result.ok) {
    const { viewer } = result;
    logPrincipal(viewer);
    // The first request of a user or organization opens its accounts on the default plan.
    if (viewer.role !== 'service') {
      await dependencies.services.directory.provision({
        userId: viewer.userId,
        organizationId: viewer.organizationId,
        role: viewer.role === 'admin' ? 'admin' : 'member',
      });
    }
    return { viewer, services: dependencies.services };
  }
  if (result.error.reason === 'MISSING_TOKEN') return { viewer: null, services: dependencies.services };
  if (result.error.code === 'UNAVAILABLE') {
    dependencies.logger.error(`cannot verify an access token: ${result.error.detail ?? result.error.reason}`);
    throw unavailable(result.error.message);
  }
  dependencies.logger.debug(`refused an access token: ${result.error.reason}${result.error.detail ? ` (${result.error.detail})` : ''}`);
  throw invalidCredentials(result.error.message);
}

/** The caller: UNAUTHENTICATED without one. Every root field but the public catalog asks for it first (see accounts/access.ts). */
export function viewerOf(context: Context): Viewer {
  if (context.viewer === null) throw unauthenticated(MISSING_TOKEN_MESSAGE);
  return context.viewer;
}
