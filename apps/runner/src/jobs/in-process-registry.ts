import { JobsClosedError, type JobKind, type JobListener, type JobProcessor, type JobRegistry, type LiveJobView } from './job-registry';
import { LiveJob } from './live-job';

type AnyJob = LiveJob<unknown, unknown>;

/**
 * The embedded JobRegistry: processors run in this process, events live in
 * memory until the job ends (then the store has them). One per runner.
 */
export class InProcessJobRegistry implements JobRegistry {
  private readonly processors = new Map<string, JobProcessor<any, any>>();
  private readonly jobs = new Map<string, Map<string, AnyJob>>();
  private accepting = true;

  constructor(private readonly log: (line: string) => void = () => {}) {}

  define<P, E>(kind: JobKind<P, E>, processor: JobProcessor<P, E>): void {
    if (this.processors.has(kind.name)) throw new Error(`job kind "${kind.name}" is defined already`);
    this.processors.set(kind.name, processor);
    this.jobs.set(kind.name, new Map());
  }

  start<P, E>(kind: JobKind<P, E>, id: string, payload: P): void {
    if (!this.accepting) throw new JobsClosedError();
    const processor = this.processors.get(kind.name) as JobProcessor<P, E> | undefined;
    const live = this.jobs.get(kind.name);
    if (!processor || !live) throw new Error(`job kind "${kind.name}" is not defined`);
    if (live.has(id)) throw new Error(`${kind.name} "${id}" is live already`);
    const job = new LiveJob<P, E>(kind.name, id, payload, this.log);
    live.set(id, job as AnyJob);
    let done: Promise<void>;
    try {
      done = processor(payload, job);
    } catch (err) {
      done = Promise.reject(err);
    }
    job.done = done
      .catch((err: Error) => this.log(`${kind.name} ${id}: ${err?.message ?? String(err)}`))
      .finally(() => {
        live.delete(id);
        job.end();
      });
  }

  isLive(kind: JobKind<unknown, unknown>, id: string): boolean {
    return this.jobs.get(kind.name)?.has(id) ?? false;
  }

  live<P, E>(kind: JobKind<P, E>, id: string): LiveJobView<P, E> | undefined {
    return this.jobs.get(kind.name)?.get(id) as LiveJob<P, E> | undefined;
  }

  subscribe<E>(kind: JobKind<unknown, E>, id: string, fromSeq: number, onEvent: JobListener<E>, onEnd: () => void): (() => void) | undefined {
    const job = this.jobs.get(kind.name)?.get(id) as LiveJob<unknown, E> | undefined;
    return job?.subscribe(fromSeq, onEvent, onEnd);
  }

  async cancel(kind: JobKind<unknown, unknown>, id: string, options: { reason?: string; waitMs?: number } = {}): Promise<boolean> {
    const job = this.jobs.get(kind.name)?.get(id);
    if (!job) return false;
    job.abort(options.reason ?? 'cancelled');
    await Promise.race([job.done, delay(options.waitMs ?? 10_000)]);
    return true;
  }

  async cancelAll(options: { reason?: string; waitMs?: number } = {}): Promise<void> {
    this.accepting = false;
    const live = [...this.jobs.values()].flatMap((jobs) => [...jobs.values()]);
    for (const job of live) job.abort(options.reason ?? 'the runner is shutting down');
    await Promise.race([Promise.all(live.map((job) => job.done)), delay(options.waitMs ?? 10_000)]);
  }

  liveCount(kind?: JobKind<unknown, unknown>): number {
    if (kind) return this.jobs.get(kind.name)?.size ?? 0;
    let n = 0;
    for (const jobs of this.jobs.values()) n += jobs.size;
    return n;
  }
}

// unref: a job that never settles must not keep the process alive at shutdown.
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
