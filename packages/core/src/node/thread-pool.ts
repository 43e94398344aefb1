import { Worker, type WorkerOptions } from 'node:worker_threads';

/** No answer: the thread stopped, or the call was cut off first; `failed` is what the call throws. */
export interface Failed {
  failed: unknown;
}

/**
 * A worker thread that says `{ready}` once it has loaded what it needs, then
 * answers each `{id, ...job}` with `{id, ...answer}`, one job at a time. Idle,
 * it does not keep the process alive; a job in flight does.
 */
export class PoolThread<Job extends object, Answer extends { id: number }> {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (answer: Answer | Failed) => void>();
  private nextId = 0;
  /** Resolves once the thread is ready, so no job's time limit pays for its start; rejects if it stops first. */
  readonly ready: Promise<void>;
  dead = false;

  /** `stopped` words what a job in flight throws when the thread dies under it. */
  constructor(file: URL, options: WorkerOptions, stopped: (err: Error) => Error) {
    this.worker = new Worker(file, options);
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`it exited with code ${code} before it was ready`)));
    });
    this.ready.catch(() => {}); // awaited by whoever takes this thread
    this.worker.on('message', (answer: Answer) => this.waiting.get(answer.id)?.(answer));
    const fail = (err: Error) => {
      this.dead = true;
      for (const settle of this.waiting.values()) settle({ failed: stopped(err) });
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`its worker thread exited with code ${code}`)));
  }

  /**
   * The thread's answer, or what to throw when it died or `cut` resolved first
   * (the thread is then ended: it is still busy with the job). Rejects when the
   * job cannot be sent (a value that cannot cross to a thread, such as a function).
   */
  call(job: Job, cut: Promise<unknown>): Promise<Answer | Failed> {
    const id = ++this.nextId;
    this.worker.ref();
    return new Promise<Answer | Failed>((resolve, reject) => {
      const settle = (answer: Answer | Failed) => {
        if (!this.waiting.delete(id)) return;
        if (this.waiting.size === 0) this.worker.unref();
        resolve(answer);
      };
      this.waiting.set(id, settle);
      void cut.then((reason) => {
        if (!this.waiting.has(id)) return;
        this.end();
        settle({ failed: reason });
      });
      try {
        this.worker.postMessage({ id, ...job });
      } catch (err) {
        this.waiting.delete(id);
        if (this.waiting.size === 0) this.worker.unref();
        reject(err);
      }
    });
  }

  end(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

/**
 * What cuts a job off: a watchdog `ms` after it is sent (the thread's own limit
 * should have stopped it before), or the caller's signal. `clear` once answered.
 */
export function cutOff(ms: number, signal: AbortSignal | undefined, timedOut: () => unknown, aborted: () => unknown): { cut: Promise<unknown>; clear(): void } {
  let watchdog: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const cut = new Promise<unknown>((resolve) => {
    watchdog = setTimeout(() => resolve(timedOut()), ms);
    onAbort = () => resolve(aborted());
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  return {
    cut,
    clear() {
      clearTimeout(watchdog);
      signal?.removeEventListener('abort', onAbort!);
    },
  };
}

/**
 * At most `size` threads, started on first use and reused; a caller waits for
 * a free one (or gives up when its signal aborts). A thread that died is
 * dropped and its slot goes to the next caller.
 */
export class ThreadPool<T extends { dead: boolean; end(): void }> {
  private readonly idle: T[] = [];
  private readonly all = new Set<T>();
  private readonly queue: Array<(thread: T | null) => void> = [];
  private closed = false;

  constructor(
    readonly size: number,
    private readonly spawn: () => T,
    private readonly closedError: () => Error,
  ) {}

  /** Whether close() was called: a thread that stopped since was ended by it. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether a caller would get a thread at once. */
  get hasFree(): boolean {
    return this.idle.length > 0 || this.all.size < this.size;
  }

  /** An idle thread, a new one while fewer than `size` run, else the next one freed. */
  async acquire(signal?: AbortSignal): Promise<T> {
    if (this.closed) throw this.closedError();
    signal?.throwIfAborted();
    let thread = this.idle.pop();
    while (thread?.dead) {
      this.all.delete(thread);
      thread = this.idle.pop();
    }
    if (!thread && this.all.size < this.size) {
      thread = this.spawn();
      this.all.add(thread);
    }
    if (thread) return thread;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.queue.splice(this.queue.indexOf(take), 1);
        reject(signal!.reason);
      };
      const take = (freed: T | null) => {
        signal?.removeEventListener('abort', onAbort);
        if (freed) resolve(freed);
        else this.acquire(signal).then(resolve, reject); // a slot was freed by a thread that ended, or the pool closed
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(take);
    });
  }

  release(thread: T): void {
    if (this.closed) thread.end();
    if (thread.dead) {
      thread.end();
      this.all.delete(thread);
      this.queue.shift()?.(null);
      return;
    }
    const next = this.queue.shift();
    if (next) next(thread);
    else this.idle.push(thread);
  }

  /** Ends every thread; jobs in flight fail, callers waiting get `closedError`. */
  close(): void {
    this.closed = true;
    this.idle.length = 0;
    for (const thread of this.all) thread.end();
    this.all.clear();
    for (const take of this.queue.splice(0)) take(null);
  }
}
