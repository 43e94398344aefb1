import { availableParallelism } from 'node:os';
import type { Sandbox } from '../../engine/services';
import { cutOff, PoolThread, ThreadPool, type Failed } from '../thread-pool';

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

/** A worker thread with QuickJS loaded; `memoryLimitBytes` caps its WebAssembly memory: what every run on it can hold at most. */
const startWorker = (memoryLimitBytes: number) =>
  new PoolThread<Job, Answer>(
    WORKER_FILE,
    { resourceLimits: { maxOldGenerationSizeMb: 256 }, workerData: { memoryLimitBytes } },
    (err) => new Error(`code failed: the sandbox broke down (${err.message})`),
  );
type SandboxWorker = ReturnType<typeof startWorker>;

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
  const pool = new ThreadPool(
    options.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1)),
    () => startWorker(defaultMemory),
    () => new Error('code failed: the sandbox is closed'),
  );

  /** A free worker, once QuickJS is loaded on it. */
  const acquire = async (signal?: AbortSignal): Promise<SandboxWorker> => {
    const worker = await pool.acquire(signal);
    try {
      await worker.ready;
    } catch (err) {
      pool.release(worker);
      throw new Error(`code failed: the sandbox could not start (${(err as Error).message})`);
    }
    return worker;
  };

  /** `acquire`, but a call that waits past `maxWaitMs` fails saying it never started. */
  const waitForWorker = async (signal: AbortSignal | undefined, maxWaitMs: number, onWaiting?: (what: string | null) => void) => {
    // A worker's start (loading QuickJS) is not waiting: no deadline pays for it.
    if (pool.hasFree) return { worker: await acquire(signal), waited: 0 };
    const since = Date.now();
    const what = `a sandbox worker (all ${pool.size} busy)`;
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
      const { cut, clear } = cutOff(timeoutMs + WATCHDOG_GRACE_MS, signal, () => new Error(timedOut), () => signal!.reason ?? new Error('code was cancelled'));
      let answer: Answer | Failed;
      try {
        answer = await worker.call({ code, input, timeoutMs, memoryLimitBytes: runOptions.memoryLimitBytes ?? defaultMemory, stackSizeBytes: stackSize }, cut);
      } finally {
        clear();
      }
      if ('failed' in answer) {
        pool.release(worker);
        throw answer.failed;
      }
      if (answer.retire) worker.end();
      pool.release(worker);
      if ('json' in answer) return JSON.parse(answer.json);
      if ('broken' in answer) throw new Error(`code failed: the sandbox broke down (${answer.broken})`);
      if (answer.timedOut) throw new Error(timedOut);
      throw describeCodeError(answer.error);
    },
    /** Ends every worker; calls still running fail. */
    async close() {
      pool.close();
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
