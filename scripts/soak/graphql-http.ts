/**
 * The soak's GraphQL client over HTTP: one request body, sent until some server answers it. A
 * request that gets no answer (a server killed under it, the database frozen past the timeout, a
 * 5xx) may or may not have applied, so it is sent again with the same body, idempotency key
 * included, to the next server: that is what a client of a crashing cluster does, and what the
 * invariants then hold the servers to (a key charged once, whatever the retries).
 */
import { errorMessage, sleep } from '../bench/measure.js';

const REQUEST_TIMEOUT_MS = 15_000;
const MAX_ATTEMPTS = 12;
const BACKOFF_MS = 250;

export type Answer = { readonly data: Record<string, unknown> };

export type HttpCounts = { requests: number; answered: number; lost: number; unanswered: number };

export class GraphqlHttp {
  readonly counts: HttpCounts = { requests: 0, answered: 0, lost: 0, unanswered: 0 };
  /** Why requests went unanswered, a few examples of each, for the report. */
  readonly lostReasons = new Map<string, number>();
  private next = 0;

  /** `urls` is read at each attempt: a restarted server has a new port. */
  constructor(private readonly urls: () => readonly string[]) {}

  /** The answer of the first server that answers, or null after `MAX_ATTEMPTS` (the outcome is then unknown). */
  async send(token: string, body: string): Promise<Answer | null> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(BACKOFF_MS * attempt);
      const urls = this.urls();
      const url = urls[this.next++ % urls.length]!;
      this.counts.requests += 1;
      const answer = await this.attempt(url, token, body);
      if (typeof answer !== 'string') {
        this.counts.answered += 1;
        return answer;
      }
      this.counts.lost += 1;
      this.lostReasons.set(answer, (this.lostReasons.get(answer) ?? 0) + 1);
    }
    this.counts.unanswered += 1;
    return null;
  }

  /** An answer, or why there was none (a short reason). */
  private async attempt(url: string, token: string, body: string): Promise<Answer | string> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      if (!response.ok) return `HTTP ${response.status}`;
      const parsed = JSON.parse(text) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] };
      if (parsed.errors !== undefined || !parsed.data) return `GraphQL error ${parsed.errors?.[0]?.extensions?.code ?? text.slice(0, 120)}`;
      return { data: parsed.data };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return cause ?? errorMessage(error).slice(0, 120);
    }
  }
}
