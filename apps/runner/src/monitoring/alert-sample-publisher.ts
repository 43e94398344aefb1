import type { Redis } from 'ioredis';

/**
 * Samples kept while Redis does not take them, at most: the largest window a rule may have
 * (MAX_WINDOW_SAMPLES), some 3 MB. Past it the oldest are dropped: the newest decide a window.
 */
export const MAX_UNPUBLISHED = 10_000;
/** XADDs sent in one pipeline: one round trip for the samples a busy server observed meanwhile. */
const BATCH = 500;
/** At a stop, how long the last attempt may wait for Redis (a hung one answers nothing). */
const STOP_WAIT_MS = 5_000;
/** Between attempts while Redis refuses the samples but the connection looks up (out of memory, read-only). */
const RETRY_MS = 1_000;

export interface AlertSamplePublisherOptions {
  /** The server's fail-fast connection: a command while it is down fails at once. */
  redis: Redis;
  key: string;
  maxLen: number;
  log: (line: string) => void;
}

/**
 * Puts a server's alert samples on the shared stream in the order it observed
 * them. What Redis does not take (restarting, a network blip) is kept, oldest
 * first, and published in order once the connection is back, so a run that
 * failed during an outage still counts in every server's windows. One batch is
 * in flight at a time, which keeps the order; `publish` only appends, so
 * nothing on a run's path waits for Redis.
 */
export class AlertSamplePublisher {
  /** Samples as JSON, oldest first; the first `sending` are in flight. */
  private readonly pending: string[] = [];
  private sending = 0;
  private pumping = false;
  private pumped: Promise<void> = Promise.resolve();
  private closed = false;
  private wake: () => void = () => {};
  /** Set from the first sample Redis did not take until the kept ones are all published. */
  private outage: { kept: number; dropped: number } | null = null;

  constructor(private readonly options: AlertSamplePublisherOptions) {}

  publish(json: string): void {
    if (this.closed) return;
    this.pending.push(json);
    // Those in flight may yet be taken: the bound holds for the others now, and for all once a send fails.
    if (this.pending.length - this.sending > MAX_UNPUBLISHED) this.drop(this.sending, 1);
    if (!this.pumping) this.pumped = this.pump();
  }

  /** Stopping: one last attempt (within STOP_WAIT_MS) for what is still kept; what Redis does not take then is logged. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref());
    await Promise.race([this.pumped, deadline]);
    if (this.pending.length > this.sending && !this.pumping) await Promise.race([this.sendBatch(this.pending.length), deadline]);
    const left = this.pending.length;
    const dropped = this.outage?.dropped ?? 0;
    if (left > 0 || dropped > 0) {
      const what = [left > 0 ? `${left} sample(s) kept while Redis was away were not published` : '', dropped > 0 ? `${dropped} older one(s) were dropped` : ''];
      this.options.log(`alert rules stopped before sharing every finished run with the other servers: ${what.filter(Boolean).join('; ')}; those runs count in no alert window`);
    }
  }

  private drop(from: number, count: number): void {
    this.pending.splice(from, count);
    this.outage ??= { kept: 0, dropped: 0 };
    this.outage.dropped += count;
    if (this.outage.dropped === count) this.options.log(`alert rules keep at most ${MAX_UNPUBLISHED.toLocaleString('en-US')} samples while Redis is away: the oldest are dropped from now on`);
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    while (this.pending.length > 0 && !this.closed) {
      if (this.options.redis.status !== 'ready') {
        await this.pause();
        continue;
      }
      if (!(await this.sendBatch(Math.min(BATCH, this.pending.length)))) await this.pause();
    }
    this.pumping = false;
    if (this.pending.length === 0 && this.outage) this.recovered();
  }

  /** Sends the oldest `count` kept samples; those Redis took leave the list. Whether all of them went. */
  private async sendBatch(count: number): Promise<boolean> {
    const { redis, key, maxLen } = this.options;
    const batch = redis.pipeline();
    for (const json of this.pending.slice(0, count)) batch.xadd(key, 'MAXLEN', '~', maxLen, '*', 's', json);
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
    if (this.pending.length > MAX_UNPUBLISHED) this.drop(0, this.pending.length - MAX_UNPUBLISHED);
    if (error && !this.outage && !this.closed) {
      this.outage = { kept: 0, dropped: 0 };
      this.options.log(`alert rules could not share finished runs with the other servers (${error.message}): they are kept, at most ${MAX_UNPUBLISHED.toLocaleString('en-US')}, and published when Redis is back`);
    }
    return error === null;
  }

  private recovered(): void {
    const { kept, dropped } = this.outage!;
    this.outage = null;
    const lost = dropped > 0 ? `; the oldest ${dropped} were dropped (more than ${MAX_UNPUBLISHED.toLocaleString('en-US')} waited)` : '';
    this.options.log(`alert rules shared the ${kept} sample(s) kept while Redis was away with the other servers${lost}`);
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
