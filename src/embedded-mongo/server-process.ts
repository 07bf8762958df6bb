import { hostname } from 'node:os';

/** MongoDB's default port, which its `host` fields leave out. */
const DEFAULT_PORT = 27017;

/**
 * What serverStatus and hostInfo report about the running server: where it listens, when it
 * started, and its connections (the ids hello hands out are its running count, as in mongod).
 */
export class ServerProcess {
  readonly startedAt = Date.now();
  private port = DEFAULT_PORT;
  private current = 0;
  private totalCreated = 0;

  listeningOn(port: number): void {
    this.port = port;
  }

  /** mongod's `host`: the machine's name, with the port unless it is 27017. */
  get host(): string {
    return this.port === DEFAULT_PORT ? hostname() : `${hostname()}:${this.port}`;
  }

  /** Counts a new connection and returns its id (1, 2, …). */
  connectionOpened(): number {
    this.current += 1;
    this.totalCreated += 1;
    return this.totalCreated;
  }

  connectionClosed(): void {
    this.current -= 1;
  }

  get connections(): { current: number; totalCreated: number } {
    return { current: this.current, totalCreated: this.totalCreated };
  }
}
