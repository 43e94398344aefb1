import pg from 'pg';

/**
 * How long /healthz's question (connect if need be, then SELECT 1) may go unanswered before its connection is
 * given up. A connection that is dead but silent (a NAT or firewall dropped its state) takes the question and
 * never answers until TCP gives up (~15 min): /healthz said 503 all that time while a new connection worked.
 * 5 s is pg's connect timeout here (pool.ts) and far above an answer on a working network.
 */
const GIVE_UP_MS = 5_000;

/**
 * The connection /healthz asks PostgreSQL on: its own, not one of the pool's, so a question given up never
 * leaves a stuck connection in the pool, and named (application_name) so it can be found in pg_stat_activity.
 * Kept while it answers; a question not answered in GIVE_UP_MS (or failed) drops it, and the next question is
 * asked on a new one.
 */
export class HealthConnection {
  private client: Promise<pg.Client> | undefined;
  private closed = false;

  constructor(private readonly url: string) {}

  async ask(): Promise<void> {
    if (this.closed) throw new Error('the store is closed');
    const client = (this.client ??= this.connect());
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from PostgreSQL within ${GIVE_UP_MS / 1000} s; the connection was dropped`)), GIVE_UP_MS);
    });
    try {
      await Promise.race([client.then((c) => c.query('SELECT 1')), givenUp]);
    } catch (err) {
      this.drop(client);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.client) this.drop(this.client);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'patchbay /healthz', connectionTimeoutMillis: GIVE_UP_MS });
    // A connection that dies between questions emits 'error'; unheard, that would crash the process.
    client.on('error', () => {});
    await client.connect();
    return client;
  }

  private drop(client: Promise<pg.Client>): void {
    if (this.client === client) this.client = undefined;
    // end() would wait for the server's goodbye, which a dead connection never sends: the socket is destroyed.
    void client.then(
      (c) => (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy(),
      () => {},
    );
  }
}
