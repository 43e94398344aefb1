import { describe, expect, it } from 'vitest';
import { createSandbox } from '../src/node/index';

const sandbox = createSandbox();
const run = (code: string, value: unknown = null, timeoutMs = 1_000) => sandbox.run(code, value, { timeoutMs });

describe('sandbox: running code', () => {
  it('runs the body as a function of value and returns JSON', async () => {
    expect(await run('return value * 3', 7)).toBe(21);
    expect(await run('return { names: value.map((p) => p.name), n: value.length }', [{ name: 'a' }, { name: 'b' }])).toEqual({
      names: ['a', 'b'],
      n: 2,
    });
  });

  it('turns undefined into null and keeps only what JSON keeps', async () => {
    expect(await run('return', 1)).toBeNull();
    expect(await run('value.x = 1', {})).toBeNull();
    expect(await run('return { f() {}, d: new Date(0) }')).toEqual({ d: '1970-01-01T00:00:00.000Z' });
    // JSON has no function or symbol: returned whole, they are dropped like undefined
    expect(await run('return () => 1')).toBeNull();
    expect(await run('return Symbol("s")')).toBeNull();
  });

  it('names a NaN or an infinite number it returns, which JSON would turn into null unseen', async () => {
    await expect(run('return 0 / 0')).rejects.toThrow(/^code failed: the body returned NaN at \$, which JSON cannot hold: return null, a string or a finite number instead$/);
    await expect(run('return { stats: { mean: value.sum / value.n } }', { sum: 0, n: 0 })).rejects.toThrow(/^code failed: the body returned NaN at \$\.stats\.mean, /);
    await expect(run('return [1, -1 / 0]')).rejects.toThrow(/^code failed: the body returned -Infinity at \$\[1\], /);
    await expect(run('return { "a b": [Infinity] }')).rejects.toThrow(/^code failed: the body returned Infinity at \$\["a b"\]\[0\], /);
    // A null it returns, and one in place of undefined, stay null.
    expect(await run('return { a: null, b: [undefined], c: 1.5 }')).toEqual({ a: null, b: [null], c: 1.5 });
  });

  it('refuses a Promise: the body is synchronous, and what the promise settles to would be lost', async () => {
    const message = 'code failed: the body returned a Promise; the code runs synchronously (no async, await or then): return the value itself';
    await expect(run('return new Promise((resolve) => resolve(5))')).rejects.toThrow(message);
    await expect(run('return (async () => 5)()')).rejects.toThrow(message);
    await expect(run('return Promise.reject(new Error("lost"))')).rejects.toThrow(message);
  });

  it('reports the code\'s own errors with its message', async () => {
    await expect(run('throw new Error("bad input")')).rejects.toThrow(/^code failed: bad input$/);
    await expect(run('throw "plain"')).rejects.toThrow('code failed: plain');
    await expect(run('return value.missing.deeper', {})).rejects.toThrow(/^code failed: TypeError: /);
    await expect(run('return 1 +')).rejects.toThrow(/^code failed: SyntaxError/);
  });

  it('shares nothing between runs', async () => {
    await run('globalThis.leak = 42');
    expect(await run('return typeof globalThis.leak')).toBe('undefined');
  });

  it('refuses input that is not JSON', async () => {
    await expect(run('return 1', 10n)).rejects.toThrow(/^code input is not JSON/);
  });
});

describe('sandbox: escapes are contained', () => {
  it('has no process, require, fetch or timers', async () => {
    await expect(run('return process.env')).rejects.toThrow("code failed: ReferenceError: 'process' is not defined");
    await expect(run('return require("fs")')).rejects.toThrow("code failed: ReferenceError: 'require' is not defined");
    expect(await run('return [typeof fetch, typeof setTimeout, typeof XMLHttpRequest, typeof std, typeof os]')).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ]);
  });

  it('reaches no host through the Function constructor', async () => {
    await expect(run("return globalThis.constructor.constructor('return process')()")).rejects.toThrow(
      "'process' is not defined",
    );
    expect(await run("return Object.keys(globalThis.constructor.constructor('return this')()).length")).toBe(0);
  });

  it('times out an endless loop, even one that catches the interrupt', async () => {
    await expect(run('while (true) {}', null, 100)).rejects.toThrow('code timed out after 100 ms');
    await expect(run('for (;;) { try { while (true) {} } catch (e) {} }', null, 100)).rejects.toThrow(
      'code timed out after 100 ms',
    );
  });

  it('refuses a 1 GB allocation', async () => {
    await expect(run('return new Array(1e9).fill(0).length', null, 10_000)).rejects.toThrow('code exceeded the memory limit');
    await expect(run("return 'x'.repeat(2 ** 29).length", null, 10_000)).rejects.toThrow('code exceeded the memory limit');
  });

  it('holds the memory limit over many small allocations, and the worker serves the next call', async () => {
    // Each 1 MB string is under the limit on its own; together they are 1 GB.
    const hoard = 'const kept = []; for (let i = 0; i < 1000; i++) kept.push("x".repeat(1e6) + i); return kept.length';
    await expect(run(hoard, null, 30_000)).rejects.toThrow('code exceeded the memory limit');
    expect(await run('return value + 1', 1)).toBe(2);
    // Most of the limit is still the code's to use.
    expect(await run('const kept = []; for (let i = 0; i < 40; i++) kept.push("x".repeat(1e6) + i); return kept.length', null, 10_000)).toBe(40);
  });

  it('stops runaway recursion inside QuickJS, not in the host', async () => {
    await expect(run('function f(n) { return f(n + 1) + 1 } return f(0)')).rejects.toThrow(
      'code failed: InternalError: stack overflow',
    );
  });

  it('recovers with a fresh module when the host stack overflows first (stack limit set too high)', async () => {
    expect(() => createSandbox({ stackSizeBytes: 64 * 1024 * 1024 })).toThrow('stackSizeBytes must be between 16 KB and 1 MB');
    const deep = createSandbox({ stackSizeBytes: 1024 * 1024 });
    await expect(deep.run('function f(n) { return f(n + 1) + 1 } return f(0)', null, { timeoutMs: 5_000 })).rejects.toThrow(
      /^code failed: (the sandbox broke down|InternalError: stack overflow)/,
    );
    expect(await deep.run('return value * 2', 21, { timeoutMs: 1_000 })).toBe(42);
  });

  it('keeps the host healthy afterwards', async () => {
    const before = process.memoryUsage().heapUsed;
    expect(await run('return value + 1', 41)).toBe(42);
    // the host heap did not take the sandbox's allocations
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
    expect(typeof process.env.PATH).toBe('string');
  });

  it('honours a smaller memory limit and a signal aborted before the start', async () => {
    const small = createSandbox({ memoryLimitBytes: 2 * 1024 * 1024 });
    await expect(small.run("return 'x'.repeat(4 * 1024 * 1024).length", null, { timeoutMs: 1_000 })).rejects.toThrow(
      'code exceeded the memory limit',
    );
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(sandbox.run('return 1', null, { timeoutMs: 1_000, signal: controller.signal })).rejects.toThrow('cancelled');
  });
});

describe('sandbox: off the main thread', () => {
  it('keeps the event loop turning while code runs, and stops a tight loop at once when aborted', async () => {
    const controller = new AbortController();
    const looping = sandbox.run('while (true) {}', null, { timeoutMs: 30_000, signal: controller.signal });
    // Timers still fire while the body spins: the code is not on this thread.
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (++ticks === 5) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    controller.abort(new Error('stop now'));
    await expect(looping).rejects.toThrow('stop now');
    // The ended worker is replaced for the next call.
    expect(await run('return value + 1', 1)).toBe(2);
  });

  it('runs as many calls at once as it has workers, and queues the rest', async () => {
    const two = createSandbox({ workers: 2 });
    try {
      const code = 'const end = Date.now() + 200; while (Date.now() < end) {} return value';
      const results = await Promise.all([1, 2, 3].map((v) => two.run(code, v, { timeoutMs: 5_000 })));
      expect(results).toEqual([1, 2, 3]);
      const controller = new AbortController();
      const busy = [two.run('while (true) {}', null, { timeoutMs: 5_000 }), two.run('while (true) {}', null, { timeoutMs: 5_000 })];
      // Both workers spin; this one waits in the queue, and leaves it when cancelled.
      const queued = two.run('return 1', null, { timeoutMs: 1_000, signal: controller.signal });
      controller.abort(new Error('gave up waiting'));
      await expect(queued).rejects.toThrow('gave up waiting');
      await two.close();
      await expect(Promise.all(busy)).rejects.toThrow(/broke down|timed out/);
    } finally {
      await two.close();
    }
    await expect(two.run('return 1', null, { timeoutMs: 1_000 })).rejects.toThrow('the sandbox is closed');
  });

  it('counts time waiting for a worker against timeoutMs and says the code never started', async () => {
    const one = createSandbox({ workers: 1 });
    try {
      expect(await one.run('return 1', null, { timeoutMs: 5_000 })).toBe(1); // started and idle
      const spinning = one.run('while (true) {}', null, { timeoutMs: 3_000 });
      const waits: (string | null)[] = [];
      const queued = one.run('return 2', null, { timeoutMs: 300, onWaiting: (w) => waits.push(w) });
      await expect(queued).rejects.toThrow('code waited 300 ms for a sandbox worker (all 1 busy) and never started');
      expect(waits).toEqual(['a sandbox worker (all 1 busy)', null]);
      await expect(spinning).rejects.toThrow('code timed out after 3000 ms');
    } finally {
      await one.close();
    }
  });
});
