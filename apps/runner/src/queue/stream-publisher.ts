import type { Redis } from 'ioredis';

/** XADDs sent in one pipeline: one round trip for the entries a busy process made meanwhile. */
const BATCH = 500;
/** At a stop, how long the last attempt may wait for Redis (a hung one answers nothing). */
const STOP_WAIT_MS = 5_000;
/** Between attempts while Redis refuses the entries but the connection looks up (out of memory, read-only). */
const RETRY_MS = 1_000;

/** What an outage logs, in the words of what is published, and the bound those words quote. */
export interface StreamOutageLines {
  /** Entries kept while Redis does not take them, at most: past it the oldest are dropped. */
  maxKept: number;
  /** The first entry Redis did not take, and why. */
  failed(reason: string): string;
  /** The first entry dropped past `maxKept`. */
  dropping(): string;
  /** Once all kept are published: how many, and how many of the oldest were dropped. */
  recovered(kept: number, dropped: number): string;
  /** Stopped with `left` still kept, `waiting` its user had not given it yet (and `dropped` dropped before): they are not published. */
  stopped(left: number, dropped: number, waiting: number): string;
}

export interface StreamPublisherOptions {
  /** A fail-fast connection: a command while it is down fails at once. */
  redis: Redis;
  key: string;
  /** The stream's bound (MAXLEN ~). */
  maxLen: number;
  log: (line: string) => void;
  /** What an outage logs; its `maxKept` is the bound kept to, so that what is logged is what is done. */
  lines: StreamOutageLines;
}

/**
 * Puts entries on a Redis stream in the order they are given (a server's alert
 * samples, the runs a worker finished). What Redis does not take (restarting, a
 * network blip) is kept, oldest first, and published in order once the
 * connection is back, so what happened during an outage still reaches the
 * stream's readers. One batch is in flight at a time, which keeps the order;
 * `publish` only appends, so nothing on a run's path waits for Redis. An entry
 * whose XADD reply was lost is sent again: readers must take an entry twice.
 */
export class StreamPublisher {
  /** Each entry's fields and values, oldest first; the first `sending` are in flight. */
  private readonly pending: string[][] = [];
  private sending = 0;
  private pumping = false;
  private pumped: Promise<void> = Promise.resolve();
  private closed = false;
  private reported = false;
  private wake: () => void = () => {};
  /** Set from the first entry Redis did not take until the kept ones are all published. */
  private outage: { kept: number; dropped: number } | null = null;

  constructor(private readonly options: StreamPublisherOptions) {}

  /** An entry: its fields and values, in pairs. */
  publish(fields: string[]): void {
    if (this.closed) return;
    this.pending.push(fields);
    // Those in flight may yet be taken: the bound holds for the others now, and for all once a send fails.
    if (this.pending.length - this.sending > this.options.lines.maxKept) this.drop(this.sending, 1);
    if (!this.pumping) this.pumped = this.pump();
  }

  /** Stopping: one last attempt (within STOP_WAIT_MS) for what is still kept; what Redis does not take then is logged. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref());
    await Promise.race([this.pumped, deadline]);
    if (this.pending.length > this.sending && !this.pumping) await Promise.race([this.sendBatch(this.pending.length), deadline]);
    this.report();
  }

  /**
   * A stop that cannot wait for `close` (cut short): publishes nothing more and says what is still kept,
   * with the `waiting` entries its user holds back still (a finished run waiting for the store), which it never gets now.
   */
  abandon(waiting = 0): void {
    this.closed = true;
    this.wake();
    this.report(waiting);
  }

  /** Once, at a stop: how many entries were not published. */
  private report(waiting = 0): void {
    if (this.reported) return;
    this.reported = true;
    const left = this.pending.length;
    const dropped = this.outage?.dropped ?? 0;
    if (left > 0 || dropped > 0 || waiting > 0) this.options.log(this.options.lines.stopped(left, dropped, waiting));
  }

  private drop(from: number, count: number): void {
    this.pending.splice(from, count);
    this.outage ??= { kept: 0, dropped: 0 };
    this.outage.dropped += count;
    if (this.outage.dropped === count) this.options.log(this.options.lines.dropping());
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    while (this.pending.length > 0 && !this.closed) {
      if (this.options.redis.status !== 'ready') {
        this.away('Redis is not connected');
        await this.pause();
        continue;
      }
      if (!(await this.sendBatch(Math.min(BATCH, this.pending.length)))) await this.pause();
    }
    this.pumping = false;
    if (this.pending.length === 0 && this.outage) this.recovered();
  }

  /** Sends the oldest `count` kept entries; those Redis took leave the list. Whether all of them went. */
  private async sendBatch(count: number): Promise<boolean> {
    const { redis, key, maxLen } = this.options;
    const batch = redis.pipeline();
    for (const fields of this.pending.slice(0, count)) batch.xadd(key, 'MAXLEN', '~', maxLen, '*', ...fields);
    this.sending = count;
    let took = 0;
    let error: Error | null = null;
    try {
      const results = (await batch.exec()) ?? [];
      // Replies come in order on one connection: the ones Redis took are a prefix.
      took = results.findIndex(([err]) => err !== null);
      if (took === -1) took = results.length;
      else error = results[took][0];
    } catch (err) {
      error = err as Error;
    }
    this.sending = 0;
    this.pending.splice(0, took);
    if (this.outage) this.outage.kept += took;
    if (this.pending.length > this.options.lines.maxKept) this.drop(0, this.pending.length - this.options.lines.maxKept);
    if (error) this.away(error.message);
    return error === null;
  }

  /** Redis does not take what is published: said once, when it starts keeping. */
  private away(reason: string): void {
    if (this.outage || this.closed) return;
    this.outage = { kept: 0, dropped: 0 };
    this.options.log(this.options.lines.failed(reason));
  }

  private recovered(): void {
    const { kept, dropped } = this.outage!;
    this.outage = null;
    this.options.log(this.options.lines.recovered(kept, dropped));
  }

  /** Until the connection is back, a second has passed, or the publisher is closed. */
  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.options.redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, RETRY_MS).unref();
      this.options.redis.once('ready', done);
      this.wake = done;
    });
  }
}
