import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cutOff, PoolThread, ThreadPool } from '../src/node/thread-pool';

// Real worker threads from tiny files: one that answers {id, echo} after {ready}, one that dies before it is ready.
const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-thread-pool-'));
const file = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return pathToFileURL(path.join(dir, name));
};
const ECHO = file(
  'echo.mjs',
  `import { parentPort } from 'node:worker_threads';
parentPort.on('message', ({ id, text, spinMs }) => {
  const until = Date.now() + (spinMs ?? 0);
  while (Date.now() < until);
  parentPort.postMessage({ id, echo: text });
});
parentPort.postMessage({ ready: true });`,
);
const DIES = file('dies.mjs', `process.exit(3);`);

type Job = { text: string; spinMs?: number };
type Answer = { id: number; echo: string };
const stopped = (err: Error) => new Error(`stopped (${err.message})`);
const never = new Promise<unknown>(() => {});
const pools: Array<ThreadPool<PoolThread<Job, Answer>>> = [];
const poolOf = (size: number, worker = ECHO) => {
  const pool = new ThreadPool(size, () => new PoolThread<Job, Answer>(worker, {}, stopped), () => new Error('the pool is closed'));
  pools.push(pool);
  return pool;
};
afterAll(() => {
  pools.forEach((pool) => pool.close());
  rmSync(dir, { recursive: true, force: true });
});

describe('thread pool', () => {
  it('answers jobs on a thread, and reuses it', async () => {
    const pool = poolOf(1);
    const first = await pool.acquire();
    await first.ready;
    expect(await first.call({ text: 'a' }, never)).toMatchObject({ echo: 'a' });
    pool.release(first);
    const second = await pool.acquire();
    expect(second).toBe(first);
    expect(await second.call({ text: 'b' }, never)).toMatchObject({ echo: 'b' });
    pool.release(second);
  });

  it('makes a caller wait for a free thread, and lets a waiting caller give up with its signal', async () => {
    const pool = poolOf(1);
    const busy = await pool.acquire();
    expect(pool.hasFree).toBe(false);
    const gaveUp = new AbortController();
    const impatient = pool.acquire(gaveUp.signal);
    const patient = pool.acquire();
    gaveUp.abort(new Error('gave up'));
    await expect(impatient).rejects.toThrow('gave up');
    pool.release(busy);
    expect(await patient).toBe(busy); // the freed thread went to the caller still waiting
    pool.release(busy);
  });

  it('a cut-off job ends its thread, whose slot goes to the next caller', async () => {
    const pool = poolOf(1);
    const thread = await pool.acquire();
    await thread.ready;
    const waiting = pool.acquire();
    const { cut, clear } = cutOff(50, undefined, () => new Error('too slow'), () => new Error('aborted'));
    const answer = await thread.call({ text: 'x', spinMs: 5_000 }, cut);
    clear();
    expect(answer).toEqual({ failed: new Error('too slow') });
    expect(thread.dead).toBe(true);
    pool.release(thread);
    const next = await waiting;
    expect(next).not.toBe(thread);
    await next.ready;
    expect(await next.call({ text: 'y' }, never)).toMatchObject({ echo: 'y' });
    pool.release(next);
  });

  it('an already aborted signal cuts the job off at once', async () => {
    const pool = poolOf(1);
    const thread = await pool.acquire();
    await thread.ready;
    const signal = AbortSignal.abort(new Error('cancelled before'));
    const { cut, clear } = cutOff(60_000, signal, () => new Error('too slow'), () => signal.reason);
    expect(await thread.call({ text: 'x', spinMs: 5_000 }, cut)).toEqual({ failed: signal.reason });
    clear();
    pool.release(thread);
  });

  it('a thread that stops before it is ready rejects `ready` (no caller waits for ever) and is dropped', async () => {
    const pool = poolOf(1, DIES);
    const thread = await pool.acquire();
    await expect(thread.ready).rejects.toThrow('it exited with code 3 before it was ready');
    expect(thread.dead).toBe(true);
    pool.release(thread);
    expect(pool.hasFree).toBe(true);
  });

  it('refuses a job whose values cannot cross to a thread, and the thread serves the next one', async () => {
    const pool = poolOf(1);
    const thread = await pool.acquire();
    await thread.ready;
    await expect(thread.call({ text: (() => 'f') as unknown as string }, never)).rejects.toThrow(/could not be cloned/);
    expect(await thread.call({ text: 'after' }, never)).toMatchObject({ echo: 'after' });
    pool.release(thread);
  });

  it('close ends every thread, fails the job in flight and the callers waiting', async () => {
    const pool = poolOf(1);
    const thread = await pool.acquire();
    await thread.ready;
    const inFlight = thread.call({ text: 'x', spinMs: 5_000 }, never);
    const waiting = pool.acquire();
    pool.close();
    await expect(waiting).rejects.toThrow('the pool is closed');
    expect(await inFlight).toEqual({ failed: new Error('stopped (its worker thread exited with code 1)') });
    await expect(pool.acquire()).rejects.toThrow('the pool is closed');
  });
});
