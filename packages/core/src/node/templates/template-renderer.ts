import type { TemplateRenderer } from '../../engine/services';
import { cutOff, PoolThread, ThreadPool, type Failed } from '../thread-pool';

const WORKER_FILE = new URL('./template-render-worker.mjs', import.meta.url);
/** Liquid checks its time limit between tags; a worker silent this long past it is stuck inside one and is ended. */
const WATCHDOG_GRACE_MS = 1_000;
/** Worker threads at most: slow templates are rare, and each holds a core while it renders. */
const DEFAULT_WORKERS = 2;

interface RenderJob {
  source: string;
  variables: Record<string, unknown>;
  limitMs: number;
}
type Answer = { id: number; text: string } | { id: number; error: string };

/**
 * Renders templates that need more than a slice of the main thread on worker
 * threads (nodes/template-variables.ts decides when), so a long Liquid loop
 * never holds the runner's event loop: other runs, HTTP and streams go on.
 * Workers start on first use and stay (idle ones do not keep the process
 * alive); a render waits for a free one. An aborted render ends its worker.
 */
export function createTemplateRenderer(options: { workers?: number; workerFile?: URL } = {}): TemplateRenderer & { close(): Promise<void> } {
  const closing = () => new Error('the template could not be rendered: the runner is closing');
  const pool = new ThreadPool(
    options.workers ?? DEFAULT_WORKERS,
    () => new PoolThread<RenderJob, Answer>(options.workerFile ?? WORKER_FILE, {}, (err) => new Error(`the template could not be rendered (${err.message})`)),
    closing,
  );

  return {
    async render(source, variables, limitMs, signal) {
      const thread = await pool.acquire(signal);
      try {
        try {
          await thread.ready;
        } catch (err) {
          // A bare "exited with code 1" would not say it was the template, nor that nothing was rendered yet.
          if (pool.isClosed) throw closing();
          throw new Error(`the template could not be rendered: its render thread could not start (${firstLine(err)})`);
        }
        const { cut, clear } = cutOff(
          limitMs + WATCHDOG_GRACE_MS,
          signal,
          () => new Error('template render limit exceeded'),
          () => (signal!.reason instanceof Error ? signal!.reason : new Error('cancelled')),
        );
        let answer: Answer | Failed;
        try {
          answer = await thread.call({ source, variables, limitMs }, cut);
        } catch (err) {
          // Values that cannot cross to a thread (a function): say so rather than render something else.
          throw new Error(`the template needs more than ${limitMs} ms and its values cannot be rendered off the main thread: ${(err as Error).message}`);
        } finally {
          clear();
        }
        if ('failed' in answer) throw answer.failed;
        if ('error' in answer) throw new Error(answer.error);
        return answer.text;
      } finally {
        pool.release(thread);
      }
    },
    async close() {
      pool.close();
    },
  };
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];
