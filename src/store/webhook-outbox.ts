import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import {
  webhookModels,
  type WebhookAttemptDocument,
  type WebhookDeliveryDocument,
  type WebhookEventDocument,
  type WebhookStreamDocument,
} from './webhook-models.js';

/** An endpoint as routing needs it: which events it wants, since when, and whether it takes any now. */
export type RoutingEndpoint = { readonly id: string; readonly eventTypes: readonly string[]; readonly disabled: boolean; readonly createdAt: Date };

/** What one HTTP attempt gave, as the delivery log keeps it. */
export type AttemptOutcome = {
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly responseSnippet: string | null;
};

/** A stream this process holds the lease of, until `leaseUntil`. */
export type LeasedStream = Pick<WebhookStreamDocument, '_id' | 'endpointId' | 'accountId' | 'wakes'>;

const deliveryId = (endpointId: string, eventId: string) => `${endpointId}.${eventId}`;
const streamId = (endpointId: string, accountId: string) => JSON.stringify([endpointId, accountId]);
const EPOCH = new Date(0);

export type WebhookOutbox = Awaited<ReturnType<typeof createWebhookOutbox>>;

/**
 * The outbox's deliveries: routing events to endpoints, leasing an (endpoint, account) stream to
 * one process at a time, and the delivery log. Every step is safe to repeat or to race with
 * another process: ids are derived, writes are conditional on the lease.
 */
export async function createWebhookOutbox(connection: Connection, now: () => Date = () => new Date()) {
  const { Events, Deliveries, Attempts, Streams } = await webhookModels(connection);

  /**
   * Makes each stream due now unless it is due already (or waiting out a retry: its head decides),
   * in one ordered bulk write: a stream is created before it is made due.
   */
  async function wake(streams: readonly { endpointId: string; accountId: string }[]): Promise<void> {
    if (streams.length === 0) return;
    const at = now();
    await Streams.bulkWrite(
      streams.flatMap(({ endpointId, accountId }) => {
        const _id = streamId(endpointId, accountId);
        return [
          {
            updateOne: {
              filter: { _id },
              update: { $setOnInsert: { endpointId, accountId, leaseUntil: EPOCH, leaseOwner: null }, $inc: { wakes: 1 } },
              upsert: true,
            },
          },
          { updateOne: { filter: { _id, dueAt: null }, update: { $set: { dueAt: at } } } },
        ];
      }),
      { ordered: true },
    );
  }

  return {
    /**
     * Events not routed yet: the `limit` oldest, with the unrouted events of their accounts that
     * come before them in seq, in seq order per account. `recordedAt` is the clock of the process
     * that copied the entries, so a later seq may look older than an earlier one copied elsewhere;
     * routing the earlier ones with it keeps a stream from delivering the later one first (an
     * event exists before any later event of its account: a write copies the entries still
     * pending before its own).
     */
    async unrouted(limit: number): Promise<WebhookEventDocument[]> {
      const oldest = await Events.find({ routed: false }).sort({ recordedAt: 1 }).limit(limit).lean<WebhookEventDocument[]>();
      if (oldest.length === 0) return [];
      const lastSeqOf = new Map<string, number>();
      for (const event of oldest) lastSeqOf.set(event.accountId, Math.max(event.seq, lastSeqOf.get(event.accountId) ?? 0));
      const earlier = await Events.find({
        routed: false,
        _id: { $nin: oldest.map((event) => event._id) },
        $or: [...lastSeqOf].map(([accountId, seq]) => ({ accountId, seq: { $lt: seq } })),
      })
        .limit(limit)
        .lean<WebhookEventDocument[]>();
      return [...oldest, ...earlier].sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : a.seq - b.seq || a.ordinal - b.ordinal));
    },

    /**
     * Gives the event a delivery for each endpoint that wants it: enabled, subscribed to its type
     * and registered by the time of the entry (an endpoint hears of what happens after it exists,
     * however late the entry's copy recorded the event). Racing another process routing the same
     * event is harmless.
     */
    async route(event: WebhookEventDocument, endpoints: readonly RoutingEndpoint[]): Promise<void> {
      const wanting = endpoints.filter((endpoint) => !endpoint.disabled && endpoint.eventTypes.includes(event.type) && endpoint.createdAt <= event.at);
      const createdAt = now();
      const deliveries: WebhookDeliveryDocument[] = wanting.map((endpoint) => ({
        _id: deliveryId(endpoint.id, event._id),
        endpointId: endpoint.id,
        eventId: event._id,
        eventType: event.type,
        accountId: event.accountId,
        seq: event.seq,
        ordinal: event.ordinal,
        status: 'PENDING',
        attempts: 0,
        round: 0,
        roundFailures: 0,
        nextAttemptAt: createdAt,
        lastAttemptAt: null,
        lastStatusCode: null,
        lastError: null,
        createdAt,
        deliveredAt: null,
      }));
      if (deliveries.length > 0) {
        await Deliveries.bulkWrite(
          deliveries.map((delivery) => ({ updateOne: { filter: { _id: delivery._id }, update: { $setOnInsert: delivery }, upsert: true } })),
          { ordered: false },
        );
        await wake(wanting.map((endpoint) => ({ endpointId: endpoint.id, accountId: event.accountId })));
      }
      await Events.updateOne({ _id: event._id }, { $set: { routed: true } });
    },

    /** Leases one due stream to `owner` for `leaseMs`, or answers null when none is due. */
    async claimStream(owner: string, leaseMs: number): Promise<LeasedStream | null> {
      const at = now();
      return Streams.findOneAndUpdate(
        { dueAt: { $ne: null, $lte: at }, leaseUntil: { $lte: at } },
        { $set: { leaseUntil: new Date(at.getTime() + leaseMs), leaseOwner: owner } },
        { sort: { dueAt: 1 }, returnDocument: 'after', projection: { endpointId: 1, accountId: 1, wakes: 1 } },
      ).lean<LeasedStream>();
    },

    /** Extends the lease before an attempt; false when it was lost (expired and taken by another process). */
    async renewLease(stream: LeasedStream, owner: string, leaseMs: number): Promise<boolean> {
      const at = now();
      const { matchedCount } = await Streams.updateOne(
        { _id: stream._id, leaseOwner: owner, leaseUntil: { $gt: at } },
        { $set: { leaseUntil: new Date(at.getTime() + leaseMs) } },
      );
      return matchedCount === 1;
    },

    /** The stream's first pending delivery in seq order, or null. */
    head: (stream: LeasedStream) =>
      Deliveries.findOne({ endpointId: stream.endpointId, accountId: stream.accountId, status: 'PENDING' }).sort({ seq: 1, ordinal: 1 }).lean<WebhookDeliveryDocument>(),

    eventOf: (delivery: WebhookDeliveryDocument) => Events.findById(delivery.eventId).lean<WebhookEventDocument>(),

    /**
     * Gives the lease back, the stream due at `dueAt`, or idle (null: nothing pending). A stream
     * woken since it was claimed (`wakes`) may have been given a delivery the caller did not see:
     * it is left due now instead of idle.
     */
    async releaseStream(stream: LeasedStream, owner: string, dueAt: Date | null): Promise<void> {
      const release = { leaseUntil: EPOCH, leaseOwner: null };
      if (dueAt === null) {
        const { matchedCount } = await Streams.updateOne({ _id: stream._id, leaseOwner: owner, wakes: stream.wakes }, { $set: { dueAt: null, ...release } });
        if (matchedCount === 1) return;
      }
      await Streams.updateOne({ _id: stream._id, leaseOwner: owner }, { $set: { dueAt: dueAt ?? now(), ...release } });
    },

    /**
     * Records an attempt and what follows it: delivered, due again at `nextAttemptAt`, or given up
     * (null). A redelivery queued while the attempt was under way keeps the delivery pending: the
     * attempt is logged, and the new round still goes out.
     */
    async recordAttempt(delivery: WebhookDeliveryDocument, outcome: AttemptOutcome, at: Date, nextAttemptAt: Date | null): Promise<void> {
      const attempt = delivery.attempts + 1;
      const document: WebhookAttemptDocument = { _id: `what_${randomBytes(12).toString('hex')}`, deliveryId: delivery._id, endpointId: delivery.endpointId, attempt, at, ...outcome };
      await Attempts.create(document);
      const logged = { attempts: attempt, lastAttemptAt: at, lastStatusCode: outcome.statusCode, lastError: outcome.error };
      const status = outcome.ok ? 'DELIVERED' : nextAttemptAt === null ? 'FAILED' : 'PENDING';
      const { matchedCount } = await Deliveries.updateOne(
        { _id: delivery._id, round: delivery.round },
        {
          $set: {
            ...logged,
            status,
            roundFailures: outcome.ok ? delivery.roundFailures : delivery.roundFailures + 1,
            nextAttemptAt: status === 'PENDING' ? nextAttemptAt : null,
            ...(outcome.ok && { deliveredAt: at }),
          },
        },
      );
      if (matchedCount === 0) await Deliveries.updateOne({ _id: delivery._id }, { $set: logged });
    },

    /**
     * Queues deliveries again: one event, or every event the endpoint was given since `since`;
     * each goes out once more in seq order with its same id, whatever became of it before, and
     * runs the whole retry schedule again. Answers how many were queued.
     */
    async redeliver(endpointId: string, which: { eventId: string } | { since: Date }): Promise<number> {
      const filter = 'eventId' in which ? { _id: deliveryId(endpointId, which.eventId) } : { endpointId, createdAt: { $gte: which.since } };
      const accounts = await Deliveries.distinct('accountId', filter);
      const { modifiedCount } = await Deliveries.updateMany(filter, { $set: { status: 'PENDING', nextAttemptAt: now(), roundFailures: 0 }, $inc: { round: 1 } });
      await wake(accounts.map((accountId) => ({ endpointId, accountId: accountId as string })));
      return modifiedCount;
    },

    /** Wakes every stream of an endpoint that has deliveries pending (once it is enabled again). */
    async wakeEndpoint(endpointId: string): Promise<void> {
      await Streams.updateMany({ endpointId }, { $set: { dueAt: now() } });
    },

    /** Forgets what an endpoint was still to deliver, once it is deleted. */
    async forgetEndpoint(endpointId: string): Promise<void> {
      await Promise.all([Deliveries.deleteMany({ endpointId, status: 'PENDING' }), Streams.deleteMany({ endpointId })]);
    },

    /** The endpoint's deliveries, newest first, after the delivery `after`; `first` at most. */
    async deliveries(endpointId: string, page: { readonly first: number; readonly after?: string }): Promise<WebhookDeliveryDocument[]> {
      const cursor = page.after === undefined ? undefined : await Deliveries.findOne({ _id: page.after, endpointId }, { createdAt: 1 }).lean<{ createdAt: Date }>();
      const filter = cursor ? { endpointId, $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, _id: { $lt: page.after } }] } : { endpointId };
      return Deliveries.find(filter).sort({ createdAt: -1, _id: -1 }).limit(page.first).lean<WebhookDeliveryDocument[]>();
    },

    /** The deliveries of `ids` that exist, in no particular order (the API's `node(id)`). */
    byIds: (ids: readonly string[]) => Deliveries.find({ _id: { $in: [...ids] } }).lean<WebhookDeliveryDocument[]>(),

    /** The events of `ids` still kept (the delivery log's payloads, a page at a time). */
    eventsByIds: (ids: readonly string[]) => Events.find({ _id: { $in: [...ids] } }).lean<WebhookEventDocument[]>(),

    /**
     * The last `last` attempts of each delivery, in order (a delivery redelivered many times has
     * many rounds of attempts: the log shows the latest).
     */
    async attemptsOf(deliveries: readonly Pick<WebhookDeliveryDocument, '_id' | 'attempts'>[], last: number): Promise<Map<string, WebhookAttemptDocument[]>> {
      const byDelivery = new Map<string, WebhookAttemptDocument[]>(deliveries.map((delivery) => [delivery._id, []]));
      if (deliveries.length === 0) return byDelivery;
      const filter = { $or: deliveries.map((delivery) => ({ deliveryId: delivery._id, attempt: { $gt: delivery.attempts - last } })) };
      const attempts = await Attempts.find(filter).sort({ deliveryId: 1, attempt: 1 }).lean<WebhookAttemptDocument[]>();
      for (const attempt of attempts) byDelivery.get(attempt.deliveryId)?.push(attempt);
      return byDelivery;
    },

    /**
     * How far behind the outbox is, in seconds: how long the event waiting longest to be routed,
     * or the delivery overdue the longest (past its `nextAttemptAt`), has waited; 0 when nothing
     * is late. A retry waiting out its delay is not late, nor are the deliveries of the
     * `disabledEndpoints`, kept for when they are enabled again.
     */
    async lagSeconds(disabledEndpoints: readonly string[]): Promise<number> {
      const [unrouted, overdue] = await Promise.all([
        Events.findOne({ routed: false }, { recordedAt: 1 }).sort({ recordedAt: 1 }).lean<{ recordedAt: Date }>(),
        Deliveries.findOne({ status: 'PENDING', nextAttemptAt: { $lte: now() }, endpointId: { $nin: [...disabledEndpoints] } }, { nextAttemptAt: 1 })
          .sort({ nextAttemptAt: 1 })
          .lean<{ nextAttemptAt: Date }>(),
      ]);
      const waitingSince = Math.min(unrouted?.recordedAt.getTime() ?? Infinity, overdue?.nextAttemptAt.getTime() ?? Infinity);
      return Number.isFinite(waitingSince) ? Math.max(0, (now().getTime() - waitingSince) / 1000) : 0;
    },
  };
}
