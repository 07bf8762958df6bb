import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** The JSON of each result as a `next` payload, built once for every socket that sends it. */
const payloads = new WeakMap<ExecutionResult, string>();

function payloadOf(result: ExecutionResult): string {
  let json = payloads.get(result);
  if (json === undefined) {
    // As graphql-ws writes a payload: `errors` only when there are some.
    const { errors, ...rest } = result;
    json = JSON.stringify(errors === undefined ? rest : { ...rest, errors: errors.map((error) => error.toJSON()) });
    payloads.set(result, json);
  }
  return json;
}

/**
 * A subscription's results written to its socket as graphql-ws `next` messages, with the JSON of a
 * result shared by every socket it goes to (see shared-execution.ts: one debit gives one result per
 * document, variables and view, not one per socket). graphql-ws iterates this in place of the
 * results: it yields nothing, and ends or fails when they do, so that graphql-ws still sends
 * `complete` or `error` after the last `next`, and ends the subscription on `complete` or a close.
 *
 * One message is in flight per subscription: the next result is asked for once the socket took
 * the last one, so a client that reads slowly leaves its entries to its feed, which falls back to
 * the database rather than buffer without bound (as graphql-ws itself would).
 */
class SocketDelivery implements AsyncIterableIterator<never, undefined> {
  private ended = false;
  private readonly prefix: string;

  constructor(
    private readonly results: AsyncIterator<ExecutionResult>,
    private readonly socket: WebSocket,
    id: string,
  ) {
    this.prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  }

  async next(): Promise<IteratorResult<never, undefined>> {
    while (await this.sendNext());
    return DONE;
  }

  async return(): Promise<IteratorResult<never, undefined>> {
    this.ended = true;
    await this.results.return?.();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<never, undefined>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Sends the next result, if there is one. A call of its own, so that between results nothing of
   * the last one is held (a loop's frame would keep it until the next arrives).
   */
  private async sendNext(): Promise<boolean> {
    if (this.ended) return false;
    const step = await this.results.next();
    if (step.done || this.ended) return false;
    await this.send(`${this.prefix}${payloadOf(step.value)}}`);
    return true;
  }

  /** Resolves once the socket took the message; a closing socket takes nothing (its close ends this). */
  private send(message: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState !== this.socket.OPEN) return resolve();
      this.socket.send(message, () => resolve());
    });
  }
}

export function deliverToSocket(results: AsyncIterable<ExecutionResult>, socket: WebSocket, id: string): AsyncIterableIterator<never, undefined> {
  return new SocketDelivery(results[Symbol.asyncIterator](), socket, id);
}
