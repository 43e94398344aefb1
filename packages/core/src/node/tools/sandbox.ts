import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Sandbox } from '../../engine/services';

export interface SandboxOptions {
  /** Heap limit of each run. Default 64 MB. */
  memoryLimitBytes?: number;
  /**
   * QuickJS stack limit, at most 1 MB. Default 256 KB: QuickJS should hit its own
   * limit before the host's native stack does (512 KB can already overflow Node's);
   * when the host's overflows first, the run fails and the WASM module is replaced.
   */
  stackSizeBytes?: number;
  /** Worker threads at most (calls beyond wait for one). Default: the cores less one, 1 to 4. */
  workers?: number;
}

const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;
const DEFAULT_STACK_SIZE = 256 * 1024;
const MAX_STACK_SIZE = 1024 * 1024;
/** QuickJS stops code at its deadline; a worker silent this long after it is stuck outside QuickJS and is ended. */
const WATCHDOG_GRACE_MS = 1_000;
const WORKER_FILE = new URL('./sandbox-worker.mjs', import.meta.url);

interface Job {
  code: string;
  input: string;
  timeoutMs: number;
  memoryLimitBytes: number;
  stackSizeBytes: number;
}

type Answer = { id: number; retire?: boolean } & ({ json: string } | { error: unknown; timedOut: boolean } | { broken: string });
/** No answer: the worker died, or the call was cut off (deadline, abort); `failed` is what the call throws. */
interface Failed {
  failed: unknown;
}

/** A worker thread with QuickJS loaded, running one job at a time. */
class SandboxWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (answer: Answer | Failed) => void>();
  private nextId = 0;
  /** Resolves once QuickJS is loaded, so no job's deadline pays for the start. */
  readonly ready: Promise<void>;
  dead = false;

  /** `memoryLimitBytes` caps the worker's WebAssembly memory: what every run on it can hold at most. */
  constructor(memoryLimitBytes: number) {
    this.worker = new Worker(WORKER_FILE, { resourceLimits: { maxOldGenerationSizeMb: 256 }, workerData: { memoryLimitBytes } });
    // Idle, the worker must not keep the process alive; a job holds it (see run).
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`its worker exited with code ${code}`)));
    });
    this.ready.catch(() => {}); // awaited by whoever asks for this worker
    this.worker.on('message', (answer: Answer) => this.waiting.get(answer.id)?.(answer));
    const fail = (err: Error) => {
      this.dead = true;
      for (const settle of this.waiting.values()) settle({ failed: new Error(`code failed: the sandbox broke down (${err.message})`) });
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`its worker exited with code ${code}`)));
  }

  /** The worker's answer, or what to throw when the worker died or `cut` came first (the worker is then ended). */
  run(job: Job, cut: Promise<unknown>): Promise<Answer | Failed> {
    const id = ++this.nextId;
    this.worker.ref();
    return new Promise<Answer | Failed>((resolve) => {
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
      this.worker.postMessage({ id, ...job });
    });
  }

  end(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

/**
 * Runs a `code` node's body in QuickJS (WASM): no `process`, `require`, `fetch`
 * or any host object exists inside. The code runs in a worker thread, so a
 * long-running body never holds the runner's event loop: HTTP, streams and
 * other runs go on meanwhile. Every call gets a fresh runtime and context, so
 * runs share nothing. `timeoutMs` is enforced by QuickJS's interrupt handler
 * (and a watchdog that ends a worker stuck outside QuickJS); an aborted signal
 * ends the worker at once, even inside a tight loop. Workers start on first use
 * and are reused; a call waits for a free one.
 */
export function createSandbox(options: SandboxOptions = {}): Sandbox & { close(): Promise<void> } {
  const defaultMemory = options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT;
  const stackSize = options.stackSizeBytes ?? DEFAULT_STACK_SIZE;
  if (!(stackSize >= 16 * 1024 && stackSize <= MAX_STACK_SIZE)) {
    throw new RangeError(`stackSizeBytes must be between 16 KB and 1 MB, got ${stackSize}`);
  }
  const size = options.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  const idle: SandboxWorker[] = [];
  const all = new Set<SandboxWorker>();
  let closed = false;
  const queue: Array<(worker: SandboxWorker | null) => void> = [];

  /** An idle worker, a new one while fewer than `size` run, else the next one freed. */
  const acquire = async (signal?: AbortSignal): Promise<SandboxWorker> => {
    if (closed) throw new Error('code failed: the sandbox is closed');
    let worker = idle.pop();
    if (!worker && all.size < size) {
      worker = new SandboxWorker(defaultMemory);
      all.add(worker);
    }
    if (!worker) {
      worker = await new Promise<SandboxWorker>((resolve, reject) => {
        const onAbort = () => {
          queue.splice(queue.indexOf(take), 1);
          reject(signal!.reason);
        };
        const take = (w: SandboxWorker | null) => {
          signal?.removeEventListener('abort', onAbort);
          if (w) resolve(w);
          else acquire(signal).then(resolve, reject); // a slot was freed by a worker that ended
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(take);
      });
    }
    try {
      await worker.ready;
    } catch (err) {
      release(worker);
      throw new Error(`code failed: the sandbox could not start (${(err as Error).message})`);
    }
    return worker;
  };

  const release = (worker: SandboxWorker) => {
    if (closed) worker.end();
    if (worker.dead) {
      worker.end();
      all.delete(worker);
      queue.shift()?.(null);
      return;
    }
    const next = queue.shift();
    if (next) next(worker);
    else idle.push(worker);
  };

  /** `acquire`, but a call that waits past `maxWaitMs` fails saying it never started. */
  const waitForWorker = async (signal: AbortSignal | undefined, maxWaitMs: number, onWaiting?: (what: string | null) => void) => {
    // A worker's start (loading QuickJS) is not waiting: no deadline pays for it.
    if (idle.length > 0 || all.size < size) return { worker: await acquire(signal), waited: 0 };
    const since = Date.now();
    const what = `a sandbox worker (all ${size} busy)`;
    onWaiting?.(what);
    const gaveUp = new AbortController();
    // setTimeout takes Infinity for 1 ms: an unbounded wait has no timer at all.
    const timer = Number.isFinite(maxWaitMs)
      ? setTimeout(() => gaveUp.abort(new Error(`code waited ${maxWaitMs} ms for ${what} and never started`)), maxWaitMs)
      : undefined;
    try {
      const worker = await acquire(signal ? AbortSignal.any([signal, gaveUp.signal]) : gaveUp.signal);
      return { worker, waited: Date.now() - since };
    } finally {
      clearTimeout(timer);
      onWaiting?.(null);
    }
  };

  return {
    async run(code, value, runOptions) {
      const { signal, onWaiting } = runOptions;
      signal?.throwIfAborted();
      let input: string;
      try {
        input = JSON.stringify(value ?? null);
      } catch (err) {
        throw new Error(`code input is not JSON: ${(err as Error).message}`);
      }
      // Time spent waiting for a free worker counts against timeoutMs, unless the caller bounds the wait apart.
      const apart = runOptions.maxWaitMs !== undefined;
      const { worker, waited: waitedMs } = await waitForWorker(signal, apart ? runOptions.maxWaitMs! : runOptions.timeoutMs, onWaiting);
      const waited = apart ? 0 : waitedMs;
      const timeoutMs = Math.max(1, runOptions.timeoutMs - waited);
      const timedOut = `code timed out after ${runOptions.timeoutMs} ms${waited > 0 ? ` (${waited} ms of it waiting for a sandbox worker)` : ''}`;
      let watchdog: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const cut = new Promise<unknown>((resolve) => {
        watchdog = setTimeout(() => resolve(new Error(timedOut)), timeoutMs + WATCHDOG_GRACE_MS);
        onAbort = () => resolve(signal!.reason ?? new Error('code was cancelled'));
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
      let answer: Answer | Failed;
      try {
        answer = await worker.run({ code, input, timeoutMs, memoryLimitBytes: runOptions.memoryLimitBytes ?? defaultMemory, stackSizeBytes: stackSize }, cut);
      } finally {
        clearTimeout(watchdog);
        signal?.removeEventListener('abort', onAbort!);
      }
      if ('failed' in answer) {
        release(worker);
        throw answer.failed;
      }
      if (answer.retire) worker.end();
      release(worker);
      if ('json' in answer) return JSON.parse(answer.json);
      if ('broken' in answer) throw new Error(`code failed: the sandbox broke down (${answer.broken})`);
      if (answer.timedOut) throw new Error(timedOut);
      throw describeCodeError(answer.error);
    },
    /** Ends every worker; calls still running fail. */
    async close() {
      closed = true;
      idle.length = 0;
      for (const worker of all) worker.end();
    },
  };
}

function describeCodeError(error: unknown): Error {
  if (error && typeof error === 'object') {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (name === 'InternalError' && message === 'out of memory') return new Error('code exceeded the memory limit');
    if (typeof message === 'string') {
      return new Error(`code failed: ${typeof name === 'string' && name !== 'Error' ? `${name}: ` : ''}${message}`);
    }
  }
  return new Error(`code failed: ${typeof error === 'string' ? error : JSON.stringify(error)}`);
}
