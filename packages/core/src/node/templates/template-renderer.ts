import { Worker } from 'node:worker_threads';
import type { TemplateRenderer } from '../../engine/services';

const WORKER_FILE = new URL('./template-render-worker.mjs', import.meta.url);
/** Liquid checks its time limit between tags; a worker silent this long past it is stuck inside one and is ended. */
const WATCHDOG_GRACE_MS = 1_000;
/** Worker threads at most: slow templates are rare, and each holds a core while it renders. */
const DEFAULT_WORKERS = 2;

type Answer = { id: number; text: string } | { id: number; error: string };

/** One worker thread, rendering one template at a time. */
class RenderWorker {
  private readonly worker = new Worker(WORKER_FILE);
  private readonly waiting = new Map<number, (answer: Answer | { failed: Error }) => void>();
  private nextId = 0;
  /** Resolves once the worker has loaded Liquid, so no render's time limit pays for the start. */
  readonly ready: Promise<void>;
  dead = false;

  constructor() {
    this.worker.unref(); // idle, it must not keep the process alive; a render holds it
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
    this.ready.catch(() => {});
    this.worker.on('message', (answer: Answer) => this.waiting.get(answer.id)?.(answer));
    const fail = (err: Error) => {
      this.dead = true;
      for (const settle of this.waiting.values()) settle({ failed: new Error(`the template could not be rendered: its worker thread stopped (${err.message})`) });
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  }

  render(source: string, variables: Record<string, unknown>, limitMs: number, signal?: AbortSignal): Promise<string> {
    const id = ++this.nextId;
    this.worker.ref();
    return new Promise<string>((resolve, reject) => {
      const watchdog = setTimeout(() => settle({ failed: new Error('template render limit exceeded') }), limitMs + WATCHDOG_GRACE_MS);
      const onAbort = () => settle({ failed: signal!.reason instanceof Error ? signal!.reason : new Error('cancelled') });
      const settle = (answer: Answer | { failed: Error }) => {
        if (!this.waiting.delete(id)) return;
        clearTimeout(watchdog);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiting.size === 0) this.worker.unref();
        if ('failed' in answer) {
          // Cut off mid-render (aborted, or stuck past its limit): the thread is still busy with it.
          this.end();
          reject(answer.failed);
        } else if ('error' in answer) reject(new Error(answer.error));
        else resolve(answer.text);
      };
      this.waiting.set(id, settle);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.worker.postMessage({ id, source, variables, limitMs });
      } catch (err) {
        // Values that cannot cross to a thread (a function): say so rather than render something else.
        this.waiting.delete(id);
        clearTimeout(watchdog);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiting.size === 0) this.worker.unref();
        reject(new Error(`the template needs more than ${limitMs} ms and its values cannot be rendered off the main thread: ${(err as Error).message}`));
      }
    });
  }

  end(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

/**
 * Renders templates that need more than a slice of the main thread on worker
 * threads (nodes/template-variables.ts decides when), so a long Liquid loop
 * never holds the runner's event loop: other runs, HTTP and streams go on.
 * Workers start on first use and stay (idle ones do not keep the process
 * alive); a render waits for a free one. An aborted render ends its worker.
 */
export function createTemplateRenderer(options: { workers?: number } = {}): TemplateRenderer & { close(): Promise<void> } {
  const size = options.workers ?? DEFAULT_WORKERS;
  const idle: RenderWorker[] = [];
  const all = new Set<RenderWorker>();
  const queue: Array<() => void> = [];
  let closed = false;

  const acquire = async (signal?: AbortSignal): Promise<RenderWorker> => {
    for (;;) {
      if (closed) throw new Error('the template could not be rendered: the runner is closing');
      signal?.throwIfAborted();
      const found = idle.pop() ?? (all.size < size ? new RenderWorker() : undefined);
      if (found && !found.dead) {
        all.add(found);
        return found;
      }
      if (found) continue;
      await new Promise<void>((resolve) => queue.push(resolve));
    }
  };
  const release = (worker: RenderWorker) => {
    if (worker.dead) all.delete(worker);
    else idle.push(worker);
    queue.shift()?.();
  };

  return {
    async render(source, variables, limitMs, signal) {
      const worker = await acquire(signal);
      try {
        await worker.ready;
        return await worker.render(source, variables, limitMs, signal);
      } catch (err) {
        if (worker.dead) all.delete(worker);
        throw err;
      } finally {
        release(worker);
      }
    },
    async close() {
      closed = true;
      for (const worker of all) worker.end();
      all.clear();
      idle.length = 0;
      for (const wake of queue.splice(0)) wake();
    },
  };
}
