import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Tool } from './tool';

export interface CalculatorOptions {
  /** Longest an expression may run. Default 2000 ms. */
  timeoutMs?: number;
  /** Heap of the process that evaluates expressions. Default 128 MB. */
  memoryMb?: number;
}

const MAX_EXPRESSION = 2000;

/**
 * `calculator {expression}`: mathjs expressions (`2 * (3 + 4)`, `sqrt(2)`,
 * `5 cm to inch`, `det([1, 2; 3, 4])`), never `eval`. Evaluated in a child
 * process with a heap limit and a deadline: `zeros(1e5, 1e5)` or a long loop ends
 * that process with a clear error instead of the runner. The process starts on
 * the first call and is reused.
 */
export function createCalculatorTool(options: CalculatorOptions = {}): Tool & { close(): Promise<void> } {
  const timeoutMs = options.timeoutMs ?? 2000;
  const memoryMb = options.memoryMb ?? 128;
  let worker: { child: ChildProcess; ready: Promise<void> } | null = null;
  let nextId = 0;
  /** Calls in progress: while any is, the worker's IPC channel keeps the process alive. */
  let active = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  function failAll(error: Error) {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  }

  function start(): { child: ChildProcess; ready: Promise<void> } {
    const child = fork(fileURLToPath(new URL('./calculator-process.mjs', import.meta.url)), [], {
      execArgv: [`--max-old-space-size=${memoryMb}`],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'json',
    });
    // Idle, the process must not keep the runner alive; calls hold the channel while they wait (see call()).
    child.unref();
    child.channel?.unref();
    let started: () => void;
    let failed: (e: Error) => void;
    // Loading mathjs takes a while on a busy machine; an expression's deadline starts after it.
    const ready = new Promise<void>((resolve, reject) => ((started = resolve), (failed = reject)));
    ready.catch(() => {}); // awaited by the call that started it
    const self = { child, ready };
    child.on('message', (m: { ready?: true; id: number; result?: unknown; error?: string }) => {
      if (m.ready) return started();
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    });
    child.on('error', (err) => {
      failed(new Error(`the calculator could not start: ${err.message}`));
      failAll(new Error(`the calculator could not start: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      if (worker === self) worker = null;
      failed(new Error('the calculator stopped while starting'));
      // V8 aborts (SIGABRT / 134) when the heap limit is reached.
      const oom = signal === 'SIGABRT' || code === 134;
      failAll(new Error(oom ? `the expression needs more than ${memoryMb} MB` : 'the calculator stopped'));
    });
    return self;
  }

  /** Sends one expression to the worker; a runaway one takes the worker down with it. */
  function evaluate(self: { child: ChildProcess }, expression: string, signal?: AbortSignal): Promise<unknown> {
    const w = self.child;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        // A runaway expression cannot be interrupted inside mathjs: drop the worker.
        if (worker === self) worker = null;
        w.kill('SIGKILL');
        reject(new Error(`the expression took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        pending.delete(id);
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      pending.set(id, { resolve: (v) => settle(() => resolve(v)), reject: (e) => settle(() => reject(e)) });
      w.send({ id, expression });
    });
  }

  return {
    spec: {
      name: 'calculator',
      description:
        'Evaluates a math expression (mathjs syntax): arithmetic, functions like sqrt, sin, log, units (5 cm to inch), matrices. Returns the result.',
      parameters: {
        type: 'object',
        properties: { expression: { type: 'string', minLength: 1, maxLength: MAX_EXPRESSION, description: 'e.g. "(17 * 23) / 4" or "sqrt(2)"' } },
        required: ['expression'],
        additionalProperties: false,
      },
    },
    async call(args, { signal }) {
      signal?.throwIfAborted();
      // An unref'd IPC channel does not keep the event loop alive: a CLI awaiting
      // the answer would exit (code 13, unsettled await) before it came.
      active++;
      try {
        const self = (worker ??= start());
        self.child.channel?.ref();
        await self.ready;
        signal?.throwIfAborted();
        return await evaluate(self, String(args.expression), signal);
      } finally {
        if (--active === 0) worker?.child.channel?.unref();
      }
    },
    async close() {
      const w = worker?.child;
      worker = null;
      if (w && w.exitCode === null) {
        const exited = new Promise((resolve) => w.once('exit', resolve));
        // Held until it has exited, or a caller awaiting close() could be left behind by an emptied event loop.
        w.ref();
        w.kill();
        await exited;
      }
    },
  };
}
