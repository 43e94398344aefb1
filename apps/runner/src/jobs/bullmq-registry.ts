import { setMaxListeners } from 'node:events';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { JobEventStreams } from '../queue/job-event-streams';
import { checkedJobData } from '../queue/job-payload';
import { CancelChannel } from '../queue/cancel-channel';
import { connected, queueDatabase, redisConnection } from '../queue/redis-url';
import { withoutRepeats } from '../queue/repeated-lines';
import { InProcessJobRegistry } from './in-process-registry';
import { JobsClosedError, QueueUnavailableError, type JobContext, type JobKind, type JobListener, type JobProcessor, type JobRegistry, type LiveJobView } from './job-registry';

export interface BullmqRegistryOptions {
  /** redis://… */
  url: string;
  /** Run the queued kinds' jobs in this process (`--work`); false for a pure front door. */
  work: boolean;
  /** Jobs of each queued kind at once in this process. Default 8. */
  concurrency?: number;
  /** Kinds that go through the queue; every other kind runs in this process (eval coordinators, promotions). Default ['run']. */
  queued?: string[];
  /** Redis key prefix. Default `patchbay`. */
  prefix?: string;
  /** BullMQ's lock and stalled-job check (ms): how soon a killed worker's jobs are taken up. Defaults 30 s / 30 s. */
  lockDuration?: number;
  stalledInterval?: number;
  /** Events kept per job stream (MAXLEN ~). Default 10,000. */
  maxEvents?: number;
  /**
   * Masks this process's secret values (its provider keys) out of each event and job before it goes to Redis:
   * the servers that stream it, and Redis itself, never know them (they are only in this process's environment).
   */
  redact?: (json: string) => string;
  log?: (line: string) => void;
}

/** How long an enqueue (or a state lookup) may wait for Redis. */
const ENQUEUE_TIMEOUT_MS = 5_000;

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** A job coordinated by a server is live while its heartbeat key is: refreshed this often, expiring after HEARTBEAT_TTL_MS (a server that died). */
const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TTL_MS = 15_000;
/** How long the mark that a server ran a job outlives that server (an eval left running longer is not known as left). */
const RAN_HERE_TTL_S = 7 * 24 * 3600;
/** How long a job `isLive` found on another server is followed by `subscribe` without asking again. */
const SEEN_ELSEWHERE_MS = 10_000;

/**
 * The JobRegistry of a scaled-out Patchbay: jobs of the queued kinds (runs)
 * are BullMQ jobs that any `patchbay worker` (or `serve --work`) takes; their
 * events go to a Redis stream per job that every server process can follow
 * and replay; cancel is a Redis key plus a pub/sub message the worker holding
 * the job acts on. Other kinds (an eval's coordinator, which spreads its cases
 * over the queue itself; a promotion) run in this process through an
 * InProcessJobRegistry, and are mirrored so that every server sees them too:
 * their events go to the same kind of stream, and a heartbeat key says they
 * are live, so a client behind a load balancer can follow (and cancel) an eval
 * from any server, not only from the one coordinating it.
 */
export class BullmqJobRegistry implements JobRegistry {
  private readonly local: InProcessJobRegistry;
  private readonly queued: Set<string>;
  readonly prefix: string;
  /** The fail-fast connection (enqueues, stream reads); `prefix` names every key. */
  readonly redis: Redis;
  private readonly streams: JobEventStreams;
  /** Cancels of jobs in other processes (shared with the eval case workers of this process). */
  readonly cancels: CancelChannel;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  /** Each worker's own connection: BullMQ never closes a connection it was given, so `close` does. */
  private readonly workerConnections: Redis[] = [];
  private readonly processors = new Map<string, JobProcessor<any, any>>();
  /** Each queued kind's payload schema, checked before its processor runs. */
  private readonly payloads = new Map<string, z.ZodType>();
  /** Jobs running in this process, by `kind:id`, with what aborts them. */
  private readonly running = new Map<string, AbortController>();
  private accepting = true;
  private readonly log: (line: string) => void;
  /** Jobs of in-process kinds that `isLive` found coordinated by another server (`kind:id` → when). */
  private readonly seenElsewhere = new Map<string, number>();
  /** What the connection last heard while it was down (a refused port): said in a 503 instead of ioredis's offline-queue message. */
  private lastHeard = '';

  constructor(private readonly options: BullmqRegistryOptions) {
    this.log = options.log ?? (() => {});
    this.local = new InProcessJobRegistry(this.log);
    this.queued = new Set(options.queued ?? ['run']);
    this.prefix = options.prefix ?? 'patchbay';
    this.redis = redisConnection(options.url, { name: 'patchbay-jobs' });
    this.redis.on('error', (err: Error) => void (this.lastHeard = err.message));
    this.redis.on('ready', () => void (this.lastHeard = ''));
    this.streams = new JobEventStreams(this.redis, { prefix: this.prefix, maxLen: options.maxEvents ?? 10_000, ttlSeconds: 3_600, redact: options.redact });
    this.cancels = new CancelChannel(options.url, this.prefix);
    this.cancels.listen((kind, id, reason) => {
      const running = this.running.get(`${kind}:${id}`);
      if (running) running.abort(new Error(reason));
      // A job this server coordinates, cancelled through another server.
      else if (!this.queued.has(kind)) void this.local.cancel({ name: kind }, id, { reason, waitMs: 0 });
    });
    // A cancel sent while Redis was out of reach was not heard: the jobs running here read their keys.
    this.cancels.onReconnect(() => {
      for (const kind of this.queued) {
        const ids = [...this.running.keys()].filter((key) => key.startsWith(`${kind}:`)).map((key) => key.slice(kind.length + 1));
        void this.cancels.cancelled(kind, ids).then(
          (found) => found.forEach((reason, id) => this.running.get(`${kind}:${id}`)?.abort(new Error(reason))),
          () => {},
        );
      }
    });
  }

  /** Resolves once Redis answers (and this process listens for cancels); rejects with QueueUnavailableError. */
  async ready(timeoutMs = 10_000): Promise<void> {
    // What the connection last heard (a refused port, an unknown host) is the reason an operator needs.
    let lastError = '';
    const heard = (err: Error) => void (lastError = err.message);
    this.redis.on('error', heard);
    try {
      await withTimeout(Promise.all([connected(this.redis).then(() => this.usesItsDatabase()), this.cancels.ready()]), timeoutMs, 'Redis did not answer');
    } catch (err) {
      if (!(err instanceof QueueUnavailableError) || err.detail !== 'Redis did not answer') throw err;
      throw new QueueUnavailableError(`no answer within ${Math.round(timeoutMs / 1000)} s${lastError ? ` (${lastError})` : ''}`);
    } finally {
      this.redis.off('error', heard);
    }
  }

  /**
   * Answers once Redis takes commands in the URL's database. ioredis reports a refused SELECT
   * (a database number Redis does not have) as an 'error' event and goes on in database 0, so
   * without this a process would start, take no jobs and log the refusal forever.
   */
  private async usesItsDatabase(): Promise<void> {
    const db = queueDatabase(this.options.url);
    if (db === 0) return void (await this.redis.ping());
    try {
      await this.redis.select(db);
    } catch (err) {
      throw new QueueUnavailableError(`Redis refused database ${db}: ${(err as Error).message}`);
    }
  }

  /** Settles once Redis answers a PING; QueueUnavailableError (a 503) when it does not within the enqueue timeout. */
  reachable(): Promise<void> {
    // A connection that is down refuses an enqueue at once: the eval is refused as soon.
    if (this.redis.status !== 'ready' && this.lastHeard) return Promise.reject(this.notConnected());
    return this.answered(connected(this.redis).then(() => this.redis.ping())).then(() => undefined);
  }

  private notConnected(): QueueUnavailableError {
    return new QueueUnavailableError(`Redis is not connected${this.lastHeard ? ` (${this.lastHeard})` : ''}`);
  }

  /**
   * Waits for a command for up to the enqueue timeout. A connection that is down fails it with
   * "Redis is not connected" and what it last heard, the reason a client and a run's record need.
   */
  private async answered<T>(command: Promise<T>): Promise<T> {
    try {
      return await withTimeout(command, ENQUEUE_TIMEOUT_MS, 'Redis did not answer');
    } catch (err) {
      if (this.redis.status === 'ready') throw err;
      throw this.notConnected();
    }
  }

  define<P, E>(kind: JobKind<P, E>, processor: JobProcessor<P, E>): void {
    if (!this.queued.has(kind.name)) return this.local.define(kind, this.mirrored(kind.name, processor));
    if (this.processors.has(kind.name)) throw new Error(`job kind "${kind.name}" is defined already`);
    this.processors.set(kind.name, processor);
    if (kind.payload) this.payloads.set(kind.name, kind.payload);
    const queue = new Queue(kind.name, { connection: this.redis, prefix: this.prefix, skipVersionCheck: true });
    queue.on('error', () => {}); // connection trouble shows as a failed add (503), not a log line per retry
    this.queues.set(kind.name, queue);
    if (!this.options.work) return;
    const connection = redisConnection(this.options.url, { blocking: true, name: `patchbay-worker-${kind.name}` });
    this.workerConnections.push(connection);
    const worker = new Worker(kind.name, (job) => this.process(kind.name, job), {
      connection,
      prefix: this.prefix,
      concurrency: this.options.concurrency ?? 8,
      lockDuration: this.options.lockDuration ?? 30_000,
      stalledInterval: this.options.stalledInterval ?? 30_000,
      maxStalledCount: 1,
      skipVersionCheck: true,
    });
    const errors = withoutRepeats(this.log);
    worker.on('error', (err) => errors(`${kind.name} worker: ${err.message}`));
    this.workers.push(worker);
  }

  start<P, E>(kind: JobKind<P, E>, id: string, payload: P): void | Promise<void> {
    if (!this.queued.has(kind.name)) return this.local.start(kind, id, payload);
    if (!this.accepting) throw new JobsClosedError();
    const queue = this.queue(kind.name);
    // Redis gone: the request fails within a few seconds (503) instead of waiting for it to return.
    // A run's inputs may hold a secret (the run's record has them masked): Redis keeps the job until it ends,
    // a failed one longer, so the job holds them masked too, and the worker runs them as the record has them.
    const data = this.options.redact ? (JSON.parse(this.options.redact(JSON.stringify(payload))) as P) : payload;
    return this.answered(queue.add(kind.name, data, { jobId: id, removeOnComplete: true, removeOnFail: 1_000 })).then(() => undefined);
  }

  async isLive(kind: JobKind<unknown, unknown>, id: string): Promise<boolean> {
    if (!this.queued.has(kind.name)) return this.local.isLive(kind, id) || this.liveElsewhere(kind.name, id);
    const state = await this.answered(this.queue(kind.name).getJobState(id));
    return LIVE_STATES.has(state);
  }

  async live<P, E>(kind: JobKind<P, E>, id: string): Promise<LiveJobView<P, E> | undefined> {
    if (!this.queued.has(kind.name)) return this.local.live(kind, id);
    const job = await this.queue(kind.name).getJob(id);
    if (!job || !LIVE_STATES.has(await job.getState())) return undefined;
    const { events } = await this.streams.read<E>(kind.name, id);
    return { id, payload: job.data as P, events };
  }

  subscribe<E>(kind: JobKind<unknown, E>, id: string, fromSeq: number, onEvent: JobListener<E>, onEnd: () => void): (() => void) | undefined {
    if (!this.queued.has(kind.name)) {
      const local = this.local.subscribe(kind, id, fromSeq, onEvent, onEnd);
      const seen = this.seenElsewhere.get(`${kind.name}:${id}`);
      if (local || seen === undefined || Date.now() - seen > SEEN_ELSEWHERE_MS) return local;
      // Coordinated by another server: its mirrored stream, while its heartbeat lasts.
      return this.streams.follow<E>(kind.name, id, fromSeq, { onEvent, onEnd, stillLive: () => this.liveElsewhere(kind.name, id), log: this.log });
    }
    return this.streams.follow<E>(kind.name, id, fromSeq, {
      onEvent,
      onEnd,
      stillLive: () => this.isLive(kind, id).catch(() => true),
      log: this.log,
    });
  }

  async cancel(kind: JobKind<unknown, unknown>, id: string, options: { reason?: string; waitMs?: number } = {}): Promise<boolean> {
    if (!this.queued.has(kind.name) && this.local.isLive(kind, id)) return this.local.cancel(kind, id, options);
    if (!(await this.isLive(kind, id))) return false;
    // The key covers a job still waiting (it starts cancelled); the message reaches the worker running it
    // (or the server coordinating a job of an in-process kind).
    await this.cancels.cancel(kind.name, id, options.reason ?? 'cancelled');
    const deadline = Date.now() + (options.waitMs ?? 10_000);
    while (Date.now() < deadline && (await this.isLive(kind, id))) await delay(50);
    return true;
  }

  async cancelAll(options: { reason?: string; waitMs?: number } = {}): Promise<void> {
    this.accepting = false;
    const reason = options.reason ?? 'the runner is shutting down';
    for (const controller of this.running.values()) controller.abort(new Error(reason));
    await this.local.cancelAll(options);
    await Promise.race([Promise.all(this.workers.map((w) => w.close())), delay(options.waitMs ?? 10_000)]);
  }

  /**
   * `patchbay worker`'s SIGTERM: takes no new jobs, lets the running ones
   * finish for up to `graceMs`, then leaves the rest to other workers (their
   * locks lapse and BullMQ's stalled-job check hands them on).
   */
  async drain(graceMs: number): Promise<void> {
    this.accepting = false;
    const closing = Promise.all(this.workers.map((w) => w.close()));
    await Promise.race([closing, delay(graceMs)]);
  }

  liveCount(kind?: JobKind<unknown, unknown>): number {
    if (kind && !this.queued.has(kind.name)) return this.local.liveCount(kind);
    let n = 0;
    for (const key of this.running.keys()) if (!kind || key.startsWith(`${kind.name}:`)) n++;
    return kind ? n : n + this.local.liveCount();
  }

  /** Closes every connection (after cancelAll or drain). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close(true).catch(() => {})));
    // Left open, it held the process after a stop (an idle worker exited only when forced, 2 s later).
    for (const connection of this.workerConnections) connection.disconnect();
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => {})));
    await this.cancels.close();
    this.redis.disconnect();
  }

  /**
   * A processor of an in-process kind, mirrored for the other servers: each
   * event also goes to the job's Redis stream (after the local subscribers have
   * it; a Redis that is gone costs the mirror, not the job), and a heartbeat key
   * says the job is live here until it ends.
   */
  private mirrored<P, E>(kind: string, processor: JobProcessor<P, E>): JobProcessor<P, E> {
    return async (payload, job) => {
      const key = this.streams.key(kind, job.id);
      const heartbeat = this.heartbeatKey(kind, job.id);
      const failed = (err: Error) => this.log(`${kind} ${job.id}: could not mirror an event: ${err.message}`);
      const ran = this.ranHereKey(kind, job.id);
      // A resumed job starts its events again from 0: the stream of its last start goes first (commands keep their order).
      // `ran` outlives the heartbeat when this process dies: another server then knows the job was left (abandoned()).
      this.redis.multi().del(key).set(heartbeat, '1', 'PX', HEARTBEAT_TTL_MS).set(ran, '1', 'EX', RAN_HERE_TTL_S).exec().catch(failed);
      // Both keys each beat: a Redis that restarted empty gets `ran` back with the heartbeat, or this job's death would go unseen.
      const beat = setInterval(() => void this.redis.multi().set(heartbeat, '1', 'PX', HEARTBEAT_TTL_MS).set(ran, '1', 'EX', RAN_HERE_TTL_S).exec().catch(() => {}), HEARTBEAT_MS);
      beat.unref();
      let seq = 0;
      let lost = false;
      const context: JobContext<E> = {
        id: job.id,
        signal: job.signal,
        publish: (event) => {
          job.publish(event);
          if (!lost) this.streams.append(kind, job.id, seq++, event, failed);
        },
        lost: () => {
          lost = true;
          clearInterval(beat);
        },
      };
      try {
        await processor(payload, context);
      } finally {
        clearInterval(beat);
        // Taken over by another server (job.lost()): the stream it reset and the keys it set are its own, not ended here.
        if (!lost) {
          await this.streams.end(kind, job.id, seq).catch(failed);
          await this.redis.del(heartbeat, ran).catch(() => {});
        }
      }
    };
  }

  private heartbeatKey(kind: string, id: string): string {
    return `${this.prefix}:live:${kind}:${id}`;
  }

  private ranHereKey(kind: string, id: string): string {
    return `${this.prefix}:coordinated:${kind}:${id}`;
  }

  async abandoned(kind: JobKind<unknown, unknown>, id: string): Promise<boolean> {
    if (this.queued.has(kind.name) || this.local.isLive(kind, id)) return false;
    const [ran, beating] = await this.answered(Promise.all([this.redis.exists(this.ranHereKey(kind.name, id)), this.redis.exists(this.heartbeatKey(kind.name, id))]));
    return ran === 1 && beating === 0;
  }

  /** Whether another server coordinates this job of an in-process kind now (its heartbeat); false when Redis cannot say. */
  private async liveElsewhere(kind: string, id: string): Promise<boolean> {
    const live = (await this.redis.exists(this.heartbeatKey(kind, id)).catch(() => 0)) === 1;
    const key = `${kind}:${id}`;
    if (!live) this.seenElsewhere.delete(key);
    else {
      const now = Date.now();
      this.seenElsewhere.set(key, now);
      // Jobs looked at once and never again are forgotten, not kept.
      if (this.seenElsewhere.size > 1_000) for (const [k, at] of this.seenElsewhere) if (now - at > SEEN_ELSEWHERE_MS) this.seenElsewhere.delete(k);
    }
    return live;
  }

  private queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`job kind "${name}" is not defined`);
    return queue;
  }

  /**
   * The events an earlier attempt of a job published (`next` is where this attempt's go), when the stream
   * still holds them all from 0. One its cap trimmed (past 10,000 events) or that holds an end marker cannot
   * be kept in order with this attempt's: undefined, and this attempt's events are stored alone, as before.
   */
  private async earlierEvents(kind: string, id: string, next: number): Promise<unknown[] | undefined> {
    const { events, ended } = await this.streams.read(kind, id);
    return !ended && events.length === next ? events : undefined;
  }

  /** Runs one BullMQ job with the kind's processor; its events go to the job's stream. */
  private async process(kind: string, job: Job): Promise<void> {
    const id = job.id as string;
    const processor = this.processors.get(kind) as JobProcessor<unknown, unknown>;
    const schema = this.payloads.get(kind);
    try {
      if (schema) checkedJobData(kind, id, schema, job.data);
    } catch (err) {
      this.log((err as Error).message); // said once here; BullMQ keeps the job as failed, with this reason
      throw err;
    }
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const key = `${kind}:${id}`;
    this.running.set(key, controller);
    try {
      const cancelled = await this.cancels.reasonFor(kind, id);
      if (cancelled !== null) controller.abort(new Error(cancelled));
      // A job taken up again after its worker died continues its stream after what that worker published.
      let seq = await this.streams.nextSeq(kind, id);
      const context: JobContext<unknown> = {
        id,
        signal: controller.signal,
        earlier: seq > 0 ? await this.earlierEvents(kind, id, seq) : undefined,
        publish: (event) => this.streams.append(kind, id, seq++, event, (err) => this.log(`${kind} ${id}: could not publish an event: ${err.message}`)),
      };
      try {
        await processor(job.data, context);
      } finally {
        await this.streams.end(kind, id, seq);
      }
    } finally {
      this.running.delete(key);
    }
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(what)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (err) {
    throw err instanceof QueueUnavailableError ? err : new QueueUnavailableError((err as Error).message);
  } finally {
    clearTimeout(timer);
  }
}
