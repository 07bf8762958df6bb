/**
 * The events an endpoint may subscribe to: a closed set, so that a typo is refused at
 * registration rather than silently never delivered.
 */
export const WEBHOOK_EVENT_TYPES = [
  'credits.threshold_crossed',
  'credits.exhausted',
  'credits.reset',
  'credits.granted',
  'credits.daily_limit_reached',
  'plan.changed',
  'policy.changed',
  'reservation.expired',
  'generation.failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
