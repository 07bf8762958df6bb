import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { LaterDelivery } from './later-delivery.js';
import { ListenerRegistry, warnOnError, type ErrorReporter, type LedgerEventBus } from './ledger-event-bus.js';
import { decodeEvent, encodeEvent, encodeResync, originOfResync } from './wire-format.js';

export type RedisEventBusOptions = {
  /** Prefix of every channel, so deployments can share one Redis. */
  channelPrefix?: string;
  onError?: ErrorReporter;
  /** Further ioredis options for both connections (TLS, retry strategy, timeouts). */
  redisOptions?: RedisOptions;
};

export type RedisEventBus = LedgerEventBus & {
  /** The `CLIENT SETNAME` of the two connections, to find them in `CLIENT LIST`. */
  readonly clientNames: { readonly publisher: string; readonly subscriber: string };
  /** Each connection's state ('ready' when connected), for health checks. */
  status(): { publisher: Redis['status']; subscriber: Redis['status'] };
};

export const DEFAULT_CHANNEL_PREFIX = 'creditstream:ledger:';

/**
 * Several processes: every committed write is delivered to this process's feeds and published on
 * the account's channel (`<prefix>account:<accountId>`) for the others, both at the next turn of
 * the event loop, off the commit path. Each process subscribes only to the channels of accounts it
 * has feeds for, so traffic follows interest.
 *
 * Redis pub/sub delivers at most once, so losses are made visible instead of prevented:
 * - after the subscriber connection comes back, every channel is subscribed again and every feed
 *   re-checks the database (whatever was published meanwhile was lost);
 * - after a publish failed, once the publisher is connected again it broadcasts a resync notice
 *   on `<prefix>resync`, and every other process re-checks all its feeds;
 * - a message that cannot be read is treated as lost: its account's feeds re-check.
 */
export async function createRedisEventBus(url: string, options: RedisEventBusOptions = {}): Promise<RedisEventBus> {
  const onError = options.onError ?? warnOnError;
  const prefix = options.channelPrefix ?? DEFAULT_CHANNEL_PREFIX;
  const accountPrefix = `${prefix}account:`;
  const resyncChannel = `${prefix}resync`;
  const origin = randomUUID();
  const clientNames = { publisher: `creditstream-publisher-${origin}`, subscriber: `creditstream-subscriber-${origin}` };
  const connect = (connectionName: string) =>
    // No offline queue: a command sent while disconnected fails at once instead of piling up.
    new Redis(url, { ...options.redisOptions, connectionName, lazyConnect: true, enableOfflineQueue: false, autoResubscribe: false });
  const publisher = connect(clientNames.publisher);
  const subscriber = connect(clientNames.subscriber);
  publisher.on('error', onError);
  subscriber.on('error', onError);

  const registry = new ListenerRegistry(onError);
  // Off the commit path, and a few hundred feeds a turn, for this process's writes and the others'.
  const later = new LaterDelivery((accountId) => registry.listenersOf(accountId), onError);
  /** The SUBSCRIBE of each account with listeners, which later subscribers of the account await too. */
  const subscriptions = new Map<string, Promise<void>>();
  let lossToAnnounce = false;
  let started = false;

  const announceLoss = () => {
    publisher.publish(resyncChannel, encodeResync(origin)).catch(() => {
      lossToAnnounce = true;
    });
  };
  const send = (channel: string, message: string) => {
    publisher.publish(channel, message).catch((error: unknown) => {
      onError(error);
      if (publisher.status === 'ready') announceLoss();
      else lossToAnnounce = true;
    });
  };
  publisher.on('ready', () => {
    if (!lossToAnnounce) return;
    lossToAnnounce = false;
    announceLoss();
  });

  subscriber.on('message', (channel: string, message: string) => {
    if (channel === resyncChannel) {
      if (originOfResync(message) !== origin) registry.resync();
      return;
    }
    const accountId = channel.slice(accountPrefix.length);
    const decoded = decodeEvent(message, accountId);
    if (!decoded) registry.resync(accountId);
    // This process's own events reached its feeds when they were published.
    else if (decoded.origin !== origin) later.add(decoded.event);
  });
  subscriber.on('ready', () => {
    if (!started) return;
    const accounts = registry.accounts();
    subscriber.subscribe(resyncChannel, ...accounts.map((accountId) => accountPrefix + accountId)).then(
      () => registry.resync(),
      onError, // the connection dropped again: its next 'ready' comes back here
    );
  });

  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(resyncChannel);
    started = true;
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }

  return {
    clientNames,
    status: () => ({ publisher: publisher.status, subscriber: subscriber.status }),

    // The other processes first (encoding computes the balances), then this one's feeds.
    publish: (event) => later.add(event, () => send(accountPrefix + event.accountId, encodeEvent(origin, event))),
    deliverPending: (accountId, listener) => later.deliverTo(accountId, listener),

    async subscribe(accountId, listener) {
      const channel = accountPrefix + accountId;
      if (registry.add(accountId, listener)) {
        // While disconnected there is nothing to send: the next 'ready' subscribes and resyncs.
        const subscribed = subscriber.status === 'ready' ? subscriber.subscribe(channel).then(() => undefined, onError) : Promise.resolve();
        subscriptions.set(accountId, subscribed);
      }
      await subscriptions.get(accountId);
      return () => {
        if (!registry.remove(accountId, listener)) return;
        subscriptions.delete(accountId);
        if (subscriber.status === 'ready') subscriber.unsubscribe(channel).catch(onError);
      };
    },

    async close() {
      // What was committed before closing still reaches the other processes.
      later.flush();
      registry.clear();
      subscriptions.clear();
      await Promise.all([publisher, subscriber].map((connection) => connection.quit().catch(() => connection.disconnect())));
    },
  };
}
