import type { Redis } from 'ioredis';

/**
 * A job's events in a Redis stream, one per job (`<prefix>:events:<kind>:<id>`),
 * so any server process can stream a job that runs on any worker. Entry ids are
 * `0-<seq+1>`: the stream position is the event's sequence number, so a
 * `Last-Event-ID` replay is an XREAD from `0-<seq>`. The last entry is an end
 * marker; the stream is capped (MAXLEN ~) while it grows and expires after the
 * job (the store holds every event by then).
 */
export class JobEventStreams {
  constructor(
    private readonly redis: Redis,
    private readonly options: {
      prefix: string;
      maxLen: number;
      ttlSeconds: number;
      /** Masks this process's secret values out of each event's JSON before it goes to Redis. */
      redact?: (json: string) => string;
    },
  ) {}

  key(kind: string, id: string): string {
    return `${this.options.prefix}:events:${kind}:${id}`;
  }

  /** The next sequence number of a job's stream (0 for a new job; past the last one for a job taken up again). */
  async nextSeq(kind: string, id: string): Promise<number> {
    const last = (await this.redis.xrevrange(this.key(kind, id), '+', '-', 'COUNT', 1))[0];
    return last ? Number(last[0].split('-')[1]) : 0;
  }

  /** Appends without waiting: commands on one connection keep their order. */
  append(kind: string, id: string, seq: number, event: unknown, onError: (err: Error) => void): void {
    const json = JSON.stringify(event);
    this.redis.xadd(this.key(kind, id), 'MAXLEN', '~', this.options.maxLen, `0-${seq + 1}`, 'e', this.options.redact ? this.options.redact(json) : json).catch(onError);
  }

  /** Marks the end of a job's events and lets the stream expire. */
  async end(kind: string, id: string, seq: number): Promise<void> {
    const key = this.key(kind, id);
    await this.redis.multi().xadd(key, `0-${seq + 1}`, 'end', '1').expire(key, this.options.ttlSeconds).exec();
  }

  /** Every event so far (up to the cap), in order, and whether the end marker is there. */
  async read<E>(kind: string, id: string): Promise<{ events: E[]; ended: boolean }> {
    const entries = await this.redis.xrange(this.key(kind, id), '-', '+');
    const events: E[] = [];
    let ended = false;
    for (const [, fields] of entries) {
      if (fields[0] === 'end') ended = true;
      else events.push(JSON.parse(fields[1]) as E);
    }
    return { events, ended };
  }

  /**
   * Replays from `fromSeq`, then follows the stream on its own blocking
   * connection until the end marker (or `stillLive` says the job is gone).
   * Returns the unsubscribe.
   */
  follow<E>(
    kind: string,
    id: string,
    fromSeq: number,
    handlers: { onEvent(event: E, seq: number): void; onEnd(): void; stillLive(): Promise<boolean>; log(line: string): void },
  ): () => void {
    const reader = this.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
    reader.on('error', () => {});
    const key = this.key(kind, id);
    let unsubscribed = false;
    let ended = false;
    const stop = () => {
      if (unsubscribed) return;
      unsubscribed = true;
      reader.disconnect();
    };
    void (async () => {
      let last = `0-${Math.max(0, fromSeq)}`;
      try {
        while (!ended && !unsubscribed) {
          const reply = (await reader.xread('COUNT', 500, 'BLOCK', 2_000, 'STREAMS', key, last)) as [string, [string, string[]][]][] | null;
          if (unsubscribed) return;
          if (!reply) {
            // Nothing new for a while: a job that vanished (removed, its stream expired) ends the stream.
            if (!(await handlers.stillLive())) break;
            continue;
          }
          for (const [entryId, fields] of reply[0][1]) {
            last = entryId;
            if (fields[0] === 'end') {
              ended = true;
              break;
            }
            handlers.onEvent(JSON.parse(fields[1]) as E, Number(entryId.split('-')[1]) - 1);
          }
        }
      } catch (err) {
        if (unsubscribed) return;
        handlers.log(`${kind} ${id}: event stream: ${(err as Error).message}`);
      }
      reader.disconnect();
      if (!unsubscribed) handlers.onEnd();
    })();
    return stop;
  }
}
