import { describe, expect, it } from 'vitest';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from './event-types.js';

describe('webhook event types', () => {
  it('are a closed set', () => {
    expect(WEBHOOK_EVENT_TYPES).toContain('credits.exhausted');
    expect(isWebhookEventType('plan.changed')).toBe(true);
    expect(isWebhookEventType('plan.deleted')).toBe(false);
  });
});
