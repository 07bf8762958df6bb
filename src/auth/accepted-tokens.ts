import type { Viewer } from './authenticate.js';

/**
 * Tokens verified a moment ago, so that a client sending the same token with every request (as
 * they all do) costs one signature check a minute rather than one a request. An entry lasts at
 * most `ttlMs` and never past the token's own expiry, so a key withdrawn from the identity
 * provider stops being honoured within that time; at most `capacity` entries, the oldest going first.
 */
export class AcceptedTokens {
  readonly #entries = new Map<string, { viewer: Viewer; until: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly capacity = 10_000,
  ) {}

  get(token: string, now = Date.now()): Viewer | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.until > now) return entry.viewer;
    this.#entries.delete(token);
    return undefined;
  }

  remember(token: string, viewer: Viewer, now = Date.now()): void {
    this.#entries.delete(token);
    this.#entries.set(token, { viewer, until: Math.min(now + this.ttlMs, viewer.expiresAt.getTime()) });
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
