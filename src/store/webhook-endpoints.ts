import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { webhookEndpointModel, type WebhookEndpointDocument } from './models.js';

/**
 * The most endpoints one deployment keeps: they belong to the product's backend (services share
 * one set), and every event will be delivered to each, so the set stays small.
 */
export const MAX_WEBHOOK_ENDPOINTS = 20;

/** An endpoint as the API may show it: everything but its secrets. */
export type WebhookEndpoint = Omit<WebhookEndpointDocument, '_id' | 'secret' | 'previousSecret'> & { readonly id: string };

/**
 * What delivering to an endpoint needs, secrets included: for the delivery worker, never for the
 * API. `secrets`: those in force, newest first (the previous one too during its grace period).
 */
export type DeliveryTarget = { readonly url: string; readonly secrets: readonly string[]; readonly disabled: boolean; readonly failing: boolean };

export type EndpointFields = { readonly url: string; readonly eventTypes: readonly string[]; readonly description: string };

export type WebhookEndpointStore = {
  /** `undefined` when `MAX_WEBHOOK_ENDPOINTS` are registered already. */
  create(fields: EndpointFields, secret: string): Promise<WebhookEndpoint | undefined>;
  /** In id order, after the id `after`; `first` at most. */
  list(page: { readonly first: number; readonly after?: string }): Promise<WebhookEndpoint[]>;
  get(id: string): Promise<WebhookEndpoint | undefined>;
  update(id: string, fields: Partial<EndpointFields>): Promise<WebhookEndpoint | undefined>;
  setDisabled(id: string, disabled: boolean): Promise<WebhookEndpoint | undefined>;
  delete(id: string): Promise<boolean>;
  /** Makes `secret` the endpoint's secret; the one it replaces still signs for `previousValidForMs` (0: not at all). */
  rotateSecret(id: string, secret: string, previousValidForMs: number): Promise<WebhookEndpoint | undefined>;
  /** Every endpoint, for routing events (at most `MAX_WEBHOOK_ENDPOINTS`). */
  all(): Promise<WebhookEndpoint[]>;
  deliveryTarget(id: string): Promise<DeliveryTarget | undefined>;
  /** Marks the endpoint failing (its last retry failed) or healthy again (a delivery succeeded). */
  setFailing(id: string, failing: boolean): Promise<void>;
};

function shown({ _id, secret: _secret, previousSecret: _previous, ...rest }: WebhookEndpointDocument): WebhookEndpoint {
  return { id: _id, ...rest };
}

export async function createWebhookEndpointStore(connection: Connection, now: () => Date = () => new Date()): Promise<WebhookEndpointStore> {
  const Endpoints = await webhookEndpointModel(connection);
  const change = async (id: string, set: Partial<WebhookEndpointDocument>) => {
    const document = await Endpoints.findOneAndUpdate({ _id: id }, { $set: { ...set, updatedAt: now() } }, { returnDocument: 'after' }).lean<WebhookEndpointDocument>();
    return document ? shown(document) : undefined;
  };
  return {
    async create(fields, secret) {
      // Counted before inserting: concurrent creations may pass the bound by a few, which is what it is for (a small set), not a quota.
      if ((await Endpoints.countDocuments()) >= MAX_WEBHOOK_ENDPOINTS) return undefined;
      const at = now();
      const document: WebhookEndpointDocument = {
        _id: `whep_${randomBytes(16).toString('hex')}`,
        url: fields.url,
        eventTypes: [...fields.eventTypes],
        description: fields.description,
        disabled: false,
        secret,
        createdAt: at,
        updatedAt: at,
        secretRotatedAt: at,
      };
      await Endpoints.create(document);
      return shown(document);
    },
    async list({ first, after }) {
      const documents = await Endpoints.find(after === undefined ? {} : { _id: { $gt: after } })
        .sort({ _id: 1 })
        .limit(first)
        .lean<WebhookEndpointDocument[]>();
      return documents.map(shown);
    },
    async get(id) {
      const document = await Endpoints.findById(id).lean<WebhookEndpointDocument>();
      return document ? shown(document) : undefined;
    },
    update: (id, { eventTypes, ...rest }) => change(id, { ...rest, ...(eventTypes ? { eventTypes: [...eventTypes] } : {}) }),
    setDisabled: (id, disabled) => change(id, { disabled }),
    async delete(id) {
      return (await Endpoints.deleteOne({ _id: id })).deletedCount === 1;
    },
    async rotateSecret(id, secret, previousValidForMs) {
      const at = now();
      // One pipeline update, so that two rotations at once keep a secret that was really in force as the previous one.
      const keepPrevious = previousValidForMs > 0;
      const document = await Endpoints.findOneAndUpdate(
        { _id: id },
        [
          {
            $set: {
              previousSecret: keepPrevious ? '$secret' : null,
              previousSecretExpiresAt: keepPrevious ? new Date(at.getTime() + previousValidForMs) : null,
              secret: { $literal: secret },
              secretRotatedAt: at,
              updatedAt: at,
            },
          },
        ],
        { returnDocument: 'after', updatePipeline: true },
      ).lean<WebhookEndpointDocument>();
      return document ? shown(document) : undefined;
    },
    async all() {
      return (await Endpoints.find().sort({ createdAt: 1 }).lean<WebhookEndpointDocument[]>()).map(shown);
    },
    async deliveryTarget(id) {
      const document = await Endpoints.findById(id, { url: 1, secret: 1, previousSecret: 1, previousSecretExpiresAt: 1, disabled: 1, failingSince: 1 }).lean<WebhookEndpointDocument>();
      if (!document) return undefined;
      const previousInForce = document.previousSecret && document.previousSecretExpiresAt && document.previousSecretExpiresAt > now();
      const secrets = previousInForce ? [document.secret, document.previousSecret!] : [document.secret];
      return { url: document.url, secrets, disabled: document.disabled, failing: Boolean(document.failingSince) };
    },
    async setFailing(id, failing) {
      // Only a change is written: a healthy endpoint's every success costs nothing more.
      const filter = failing ? { _id: id, failingSince: null } : { _id: id, failingSince: { $ne: null } };
      await Endpoints.updateOne(filter, { $set: { failingSince: failing ? now() : null } });
    },
  };
}
