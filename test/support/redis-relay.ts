import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP relay to Redis that a test can freeze (Redis stops answering: what is sent is dropped),
 * cut (Redis is down: every connection is closed and new ones are refused) and restore (Redis is
 * back, on the same address).
 */
export class RedisRelay {
  private server = this.newServer();
  private readonly sockets = new Set<Socket>();
  private frozen = false;
  private port = 0;

  constructor(private readonly target: URL) {}

  async start(): Promise<string> {
    await this.listen();
    this.port = (this.server.address() as AddressInfo).port;
    return `redis://127.0.0.1:${this.port}`;
  }

  freeze(): void {
    this.frozen = true;
  }

  async cut(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  async restore(): Promise<void> {
    this.frozen = false;
    if (this.server.listening) return;
    this.server = this.newServer();
    await this.listen();
  }

  private newServer() {
    return createServer((client) => this.relay(client));
  }

  private listen(): Promise<void> {
    return new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  private relay(client: Socket): void {
    const upstream = connect(Number(this.target.port || 6379), this.target.hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      this.sockets.add(from);
      from.on('data', (chunk) => {
        if (!this.frozen) to.write(chunk);
      });
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
      from.on('error', () => to.destroy());
    }
  }
}
