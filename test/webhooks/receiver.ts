import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Webhook } from 'standardwebhooks';

export type Delivery = { headers: IncomingHttpHeaders; body: string };

/**
 * A receiver on loopback that answers 200 (500 to what `refuse` picks, nothing ever to what
 * `hold` picks: the sender's attempt stays under way) and keeps every request.
 */
export class Receiver {
  readonly requests: Delivery[] = [];
  /** Requests answered 500 instead. */
  refuse: (delivery: Delivery) => boolean = () => false;
  hold: (delivery: Delivery) => boolean = () => false;
  readonly #server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const delivery = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.requests.push(delivery);
      if (this.hold(delivery)) return;
      response.writeHead(this.refuse(delivery) ? 500 : 200).end('ok');
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks`;
  }
  stop = () =>
    new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  /** The requests of one event, waiting for `count` of them. */
  async of(eventId: string | undefined, count: number, predicate: (delivery: Delivery) => boolean = () => true): Promise<Delivery[]> {
    for (let waited = 0; waited < 15_000; waited += 25) {
      const found = this.requests.filter((delivery) => (eventId === undefined || delivery.headers['webhook-id'] === eventId) && predicate(delivery));
      if (found.length >= count) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the receiver got ${this.requests.length} requests, not the ${count} expected`);
  }
}


/** Whether the request was signed with this endpoint's secret: which endpoint it was sent to. */
export const signedFor = (webhook: Webhook) => (delivery: Delivery) => {
  try {
    webhook.verify(delivery.body, delivery.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

