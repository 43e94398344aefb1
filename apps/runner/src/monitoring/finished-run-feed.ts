import type { Redis } from 'ioredis';
import type { RunRecord, RunStore } from '../store/runs';
import type { VersionStore } from '../store/versions';
import type { FinishedRunFacts } from './run-facts';
import { closeBlockingReader } from '../queue/blocking-reader';
import { StreamPublisher } from '../queue/stream-publisher';
import { redisOutageLines } from '../queue/redis-outage-lines';

/** The servers' consumer group: each finished run is observed by one server. */
const GROUP = 'monitoring';
/** Runs waiting to be observed, at most (MAXLEN ~): a day without any server still fits at ~1 run/s. */
const MAX_LEN = 100_000;
/** Entries a server took but never acknowledged (it died) go to another after this long. */
const CLAIM_IDLE_MS = 30_000;
const BATCH = 100;
/** Runs a worker keeps while Redis does not take them, at most (some 100 bytes each): as many as the stream holds. */
const MAX_KEPT = MAX_LEN;
/**
 * How long the servers remember which entry named a run. A worker names one again as soon as its connection is
 * back, so an hour covers every outage but a long one; a key per finished run kept a day would hold ~100 bytes of
 * Redis for each (~860 MB a day at 100 runs/s), an hour ~36 MB at that rate.
 */
const OBSERVED_TTL_MS = 3600_000;
/** What a worker logs while Redis does not take its finished runs (docs/scaling.md quotes them). */
export const FINISHED_RUN_OUTAGE_LINES = redisOutageLines({
  verb: { base: 'hand', ing: 'handing', past: 'handed' },
  to: 'to monitoring',
  sent: 'handed over',
  keeps: 'a worker keeps',
  kept: 'finished runs for monitoring',
  entries: 'run(s) finished',
  waiting: 'run(s) finished but still waiting for the store',
  lost: "those runs are in the store but counted by no server's monitoring",
  maxKept: MAX_KEPT,
});

/** The Redis stream of runs finished on workers (`<prefix>:finished-runs`). */
export function finishedRunsKey(prefix: string): string {
  return `${prefix}:finished-runs`;
}

/**
 * A worker's side: names each run it finished in the stream once the run is
 * committed in the store (the servers read it from there), so the servers'
 * monitoring — rollups, Prometheus, OpenTelemetry, monitors, alert rules —
 * sees worker traffic as it sees its own. What Redis does not take (an outage)
 * is kept and named once it is back (queue/stream-publisher.ts).
 */
export class FinishedRunPublisher {
  private readonly stream: StreamPublisher;
  /** Runs waiting for their commit: a stop names them before it closes the stream. */
  private readonly committing = new Set<Promise<void>>();

  constructor(
    redis: Redis,
    prefix: string,
    private readonly committed: () => Promise<void>,
    private readonly log: (line: string) => void,
  ) {
    this.stream = new StreamPublisher({ redis, key: finishedRunsKey(prefix), maxLen: MAX_LEN, log, lines: FINISHED_RUN_OUTAGE_LINES });
  }

  publish(run: FinishedRunFacts): void {
    const named = this.committed().then(
      () => this.stream.publish(['id', run.id, 'tp', run.traceparent ?? '']),
      (err: Error) => this.log(`could not hand run ${run.id} to monitoring: ${err.message}`),
    );
    this.committing.add(named);
    void named.finally(() => this.committing.delete(named));
  }

  /** Stopping: the runs still committing are named, then one last attempt for what Redis has not taken (stream-publisher.ts). */
  async close(): Promise<void> {
    await Promise.all(this.committing);
    await this.stream.close();
  }

  /**
   * A stop cut short (its grace over, Redis or the store gone): says how many runs it did not hand over,
   * unless `close` did. The runs still waiting for the store count too: `close` was waiting for them.
   */
  abandon(): void {
    this.stream.abandon(this.committing.size);
  }
}

export interface FinishedRunFeedOptions {
  redis: Redis;
  prefix: string;
  /** This server in the consumer group. */
  consumer: string;
  runs: RunStore;
  versions: VersionStore;
  observe: (run: FinishedRunFacts) => void;
  log: (line: string) => void;
}

/**
 * A server's side: reads the runs workers finished (a consumer group, so with
 * several servers each run is observed once), loads each from the store and
 * hands it to monitoring. What a server that died had taken goes to another.
 * A run named twice (a worker sent again an XADD whose reply was lost) is
 * observed once: the first entry to name it claims it in Redis.
 */
export class FinishedRunFeed {
  private readonly reader: Redis;
  private closed = false;
  private readonly loop: Promise<void>;
  private readonly documents = new Map<string, unknown>();

  constructor(private readonly options: FinishedRunFeedOptions) {
    this.reader = options.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, connectionName: 'patchbay-finished-runs' });
    this.reader.on('error', () => {});
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    await closeBlockingReader(this.reader, this.loop);
  }

  private async run(): Promise<void> {
    const key = finishedRunsKey(this.options.prefix);
    let nextClaim = 0;
    while (!this.closed) {
      try {
        // From the stream's start: without the group (a Redis that lost its data, or before any server) no server
        // observed what is there, and a worker may have named runs in it before the group was made again.
        await this.reader.xgroup('CREATE', key, GROUP, '0', 'MKSTREAM').catch((err: Error) => {
          if (!/BUSYGROUP/.test(err.message)) throw err;
        });
        while (!this.closed) {
          if (Date.now() >= nextClaim) {
            nextClaim = Date.now() + CLAIM_IDLE_MS;
            const [, claimed] = (await this.reader.xautoclaim(key, GROUP, this.options.consumer, CLAIM_IDLE_MS, '0-0', 'COUNT', BATCH)) as [string, [string, string[]][]];
            await this.handle(key, claimed);
          }
          const reply = (await this.reader.xreadgroup('GROUP', GROUP, this.options.consumer, 'COUNT', BATCH, 'BLOCK', 1_000, 'STREAMS', key, '>')) as [string, [string, string[]][]][] | null;
          await this.handle(key, reply?.[0][1] ?? []);
        }
      } catch (err) {
        if (this.closed) return;
        const message = (err as Error).message;
        // The group went with the stream (a Redis restarted empty: NOGROUP; flushed while this read waited: UNBLOCKED): expected, and made again next.
        const lostGroup = /^(NOGROUP|UNBLOCKED)/.test(message);
        this.options.log(
          lostGroup
            ? 'monitoring: Redis no longer had the group that reads the runs finished on workers (it came back empty, or was flushed): making it again, to read the stream from its start'
            : `monitoring could not read the runs finished on workers: ${message}`,
        );
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private async handle(key: string, entries: [string, string[]][]): Promise<void> {
    if (!entries.length) return;
    const finished: { entryId: string; run: RunRecord; traceparent: string | undefined }[] = [];
    for (const [entryId, fields] of entries) {
      if (!fields) continue; // deleted while pending
      const [, id, , traceparent] = fields;
      const run = await this.options.runs.get(id);
      if (run && run.status !== 'running') finished.push({ entryId, run, traceparent: traceparent || undefined });
    }
    const first = await this.firstToName(finished.map(({ run, entryId }) => [run.id, entryId]));
    for (const [i, { run, traceparent }] of finished.entries()) if (first[i]) this.options.observe(await this.factsOf(run, traceparent));
    await this.reader.xack(key, GROUP, ...entries.map(([entryId]) => entryId));
  }

  /**
   * For each (run, entry): whether this entry is the one that names the run: the first, or that same entry
   * again (taken over from a server that died before acknowledging it). Another entry naming it is a repeat.
   * One round trip for the batch: SET NX, then GET of who holds it (NX with GET in one SET needs Redis 7).
   */
  private async firstToName(named: [runId: string, entryId: string][]): Promise<boolean[]> {
    if (named.length === 0) return [];
    const batch = this.reader.pipeline();
    for (const [runId, entryId] of named) {
      const key = `${this.options.prefix}:finished-run:${runId}`;
      batch.set(key, entryId, 'PX', OBSERVED_TTL_MS, 'NX').get(key);
    }
    const replies = (await batch.exec()) ?? [];
    const failed = replies.length < 2 * named.length ? new Error('Redis answered fewer replies than it was sent commands') : replies.find(([err]) => err)?.[0];
    if (failed) throw failed;
    return named.map(([, entryId], i) => replies[2 * i + 1][1] === entryId);
  }

  private async factsOf(run: RunRecord, traceparent: string | undefined): Promise<FinishedRunFacts> {
    return {
      id: run.id,
      pipeline: run.pipeline,
      version: run.version,
      label: run.label,
      source: run.source,
      status: run.status as FinishedRunFacts['status'],
      startedAt: run.startedAt,
      durationMs: run.durationMs ?? 0,
      error: run.error,
      nodes: run.nodes,
      inputs: run.inputs,
      outputs: run.outputs,
      document: run.document ?? (await this.documentOf(run.pipeline, run.version)),
      ...(traceparent ? { traceparent } : {}),
    };
  }

  /** A saved version's document, one object per version (monitors key their resolved targets by it). */
  private async documentOf(pipeline: string | null, version: number | null): Promise<unknown> {
    if (pipeline === null || version === null) return undefined;
    const key = `${pipeline}@${version}`;
    if (!this.documents.has(key)) {
      if (this.documents.size >= 200) this.documents.clear();
      this.documents.set(key, (await this.options.versions.get(pipeline, version))?.document);
    }
    return this.documents.get(key);
  }
}
