import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { RUN_STATUSES } from '@patchbay/core';
import type { MonitorScore } from '../store/monitors';
import { withoutRepeats } from '../queue/repeated-lines';
import { MAX_WINDOW_SAMPLES, type AlertRunSample } from './alert-rules';
import type { AlertRuleSpec } from './monitor-spec';
import { closeBlockingReader } from '../queue/blocking-reader';
import { StreamPublisher } from '../queue/stream-publisher';
import { redisOutageLines } from '../queue/redis-outage-lines';

/** What the stream carries: a finished run, or a monitor's score of one. */
export type AlertSample = { kind: 'run'; run: AlertRunSample } | { kind: 'score'; score: MonitorScore };

const Label = z.string().nullable();
const Version = z.number().int().nullable();
/**
 * An entry as a server publishes it. Any other (a version that publishes another shape, a hand-written
 * XADD) is left out: counted, a failed run with no time would turn a rule firing without a post.
 */
const SharedSample = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('run'),
    run: z.object({
      id: z.string(),
      pipeline: z.string(),
      version: Version,
      label: Label,
      status: z.enum(RUN_STATUSES).exclude(['running']),
      durationMs: z.number(),
      costUsd: z.number(),
      at: z.number(),
    }),
  }),
  z.object({
    kind: z.literal('score'),
    score: z.object({
      runId: z.string(),
      monitor: z.string(),
      pipeline: z.string(),
      version: Version,
      label: Label,
      score: z.number(),
      pass: z.boolean(),
      reason: z.string().nullable(),
      at: z.number(),
    }),
  }),
]);

/** Samples kept in the stream, at most (MAXLEN ~): a reader only ever reads on from where it is. */
const MAX_LEN = 100_000;
/**
 * Samples kept while Redis does not take them, at most: the largest window a rule may have, some 3 MB.
 * Past it the oldest are dropped: the newest decide a window.
 */
const MAX_KEPT = MAX_WINDOW_SAMPLES;
/** What a server logs while Redis does not take its alert samples (docs/monitoring.md quotes them). */
export const ALERT_SAMPLE_OUTAGE_LINES = redisOutageLines({
  who: 'alert rules',
  verb: { base: 'share', ing: 'sharing', past: 'shared' },
  to: 'with the other servers',
  sent: 'published',
  keeps: 'alert rules keep',
  kept: 'samples',
  entries: 'sample(s) kept',
  lost: 'those runs count in no alert window',
  maxKept: MAX_KEPT,
});
const BATCH = 500;
/** A rule's shared state outlives its last change by this long; an edited rule has a key of its own. */
const STATE_TTL_MS = 30 * 86_400_000;

export interface SharedAlertWindowsOptions {
  /** The scaled-out server's fail-fast connection (its BullMQ registry's); a blocking reader is made from it. */
  redis: Redis;
  prefix: string;
  /** Every sample any server published, in the stream's one order. */
  feed: (sample: AlertSample) => void;
  log: (line: string) => void;
}

/**
 * Alert windows over the runs of every server, scaled out. Behind a load
 * balancer each server observes only some runs (its own, and the workers'
 * runs the finished-run feed hands it), so a window kept over what one server
 * observed is a window over a part of the traffic. Here each server publishes
 * what alert rules read of the runs and scores it observes to one Redis stream
 * (`<prefix>:alert-samples`), and every server reads all of it, in the
 * stream's order, into its alert rules: their windows agree. A change of state
 * (firing, recovered) is then seen by every server, and posted by the one
 * that claims it first (`SET … GET` on the rule's state key): one post, and
 * one record in the alert log, per change.
 */
export class SharedAlertWindows {
  private readonly reader: Redis;
  private readonly publisher: StreamPublisher;
  private readonly log: (line: string) => void;
  private closed = false;
  private readonly loop: Promise<void>;
  /** Resolves once the reader knows where the stream ends: what is published after that, it reads. */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly options: SharedAlertWindowsOptions) {
    this.log = withoutRepeats(options.log);
    this.reader = options.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, connectionName: 'patchbay-alert-samples' });
    this.reader.on('error', () => {});
    this.publisher = new StreamPublisher({ redis: options.redis, key: this.key, maxLen: MAX_LEN, log: options.log, lines: ALERT_SAMPLE_OUTAGE_LINES });
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.loop = this.read();
  }

  get key(): string {
    return `${this.options.prefix}:alert-samples`;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Onto the stream, in order; kept while Redis is away and published once it is back (queue/stream-publisher.ts). */
  publish(sample: AlertSample): void {
    this.publisher.publish(['s', JSON.stringify(sample)]);
  }

  /**
   * Whether this server is the one to post `rule`'s change to `state`: the first to
   * claim it. A claim Redis does not answer is this server's (an alert sent twice
   * beats one never sent).
   */
  async claim(pipeline: string, rule: AlertRuleSpec, state: 'firing' | 'recovered'): Promise<boolean> {
    const spec = createHash('sha256').update(JSON.stringify(rule)).digest('hex').slice(0, 16);
    const key = `${this.options.prefix}:alert-state:${pipeline}:${rule.name}:${spec}`;
    try {
      const before = await this.options.redis.set(key, state, 'PX', STATE_TTL_MS, 'GET');
      return (before ?? 'recovered') !== state;
    } catch (err) {
      this.log(`alert rules could not tell the other servers of "${rule.name}" ${state}: ${(err as Error).message}`);
      return true;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.markReady();
    await this.publisher.close();
    await closeBlockingReader(this.reader, this.loop);
  }

  /** The sample an entry holds, or why it holds none. */
  private sampleOf(fields: string[]): AlertSample | string {
    if (fields[0] !== 's' || fields.length !== 2) return `its fields are ${fields.filter((_, i) => i % 2 === 0).join(', ') || 'none'}, not s`;
    let json: unknown;
    try {
      json = JSON.parse(fields[1]);
    } catch {
      return 'it is not JSON';
    }
    const parsed = SharedSample.safeParse(json);
    if (parsed.success) return parsed.data as AlertSample;
    const issue = parsed.error.issues[0];
    return `${['$', ...issue.path].join('.')}: ${issue.message}`;
  }

  private async read(): Promise<void> {
    let after: string | undefined;
    while (!this.closed) {
      try {
        // Where the stream ends now (what was published before this server started is not read).
        if (after === undefined) {
          const last = (await this.reader.xrevrange(this.key, '+', '-', 'COUNT', 1)) as [string, string[]][];
          after = last[0]?.[0] ?? '0-0';
          this.markReady();
        }
        const reply = (await this.reader.xread('COUNT', BATCH, 'BLOCK', 1_000, 'STREAMS', this.key, after)) as [string, [string, string[]][]][] | null;
        for (const [id, fields] of reply?.[0][1] ?? []) {
          after = id;
          const sample = this.sampleOf(fields);
          if (typeof sample === 'string') {
            this.log(`alert rules left out an entry of ${this.key} that is no sample: ${sample}`);
            continue;
          }
          try {
            this.options.feed(sample);
          } catch (err) {
            this.log(`alert rules could not read a shared sample: ${(err as Error).message}`);
          }
        }
      } catch (err) {
        if (this.closed) return;
        this.log(`alert rules could not read the other servers' runs: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }
}
