import { setImmediate as nextTurn } from 'node:timers/promises';
import { PoolThread, ThreadPool, type Failed } from '../thread-pool';
import { checkedParse, type CheckedJson, type JsonEdgeChecks } from './checked-parse';
import { joinSlices, type JsonSlices } from './json-slices';

export type { CheckedJson, JsonEdgeChecks } from './checked-parse';

/** Shorter texts are parsed where they are: about 2 ms of JSON.parse here, no more than a thread round trip costs. */
export const OFF_THREAD_CHARS = 256 * 1024;

const WORKER_FILE = new URL('./json-parse-worker.mjs', import.meta.url);

type Job = { text: string; checks?: JsonEdgeChecks };
type Answer = { id: number; slices: JsonSlices } | { id: number; refused: Exclude<CheckedJson, { value: unknown }> } | { id: number; error: string };

/** One thread, started on first use; idle, it does not keep the process alive. Texts wait their turn for it. */
let pool: ThreadPool<PoolThread<Job, Answer>> | undefined;

/**
 * JSON.parse (and, with `checks`, checkJsonLimits) of a long text without holding the event loop: a
 * 4.8 MB dataset held the runner's loop ~100 ms for its parse and as long again for the checks. The
 * thread parses and checks; the value comes back in slices (json-slices.ts) that are put together a
 * turn of the loop at a time. The answer is the one checkedParse gives on the main thread, which is
 * what happens to a text under OFF_THREAD_CHARS, and to any text if the thread cannot be had.
 * (Numbers cross as JSON text: -0 comes back as 0, as JSON.stringify writes it anyway.)
 */
export async function parseJsonOffThread(text: string, checks?: JsonEdgeChecks): Promise<CheckedJson> {
  if (text.length < OFF_THREAD_CHARS) return checkedParse(text, checks);
  pool ??= new ThreadPool(
    1,
    () => new PoolThread<Job, Answer>(WORKER_FILE, {}, (err) => new Error(`the JSON thread stopped (${err.message})`)),
    () => new Error('the JSON thread is closed'),
  );
  const thread = await pool.acquire();
  let answer: Answer | Failed;
  try {
    await thread.ready;
    // Parsing ends by itself (bodies are capped): no time limit, so a cut that never comes (a fresh one: each call hangs a reaction on it).
    answer = await thread.call({ text, checks }, new Promise(() => {}));
  } catch (err) {
    answer = { failed: err };
  } finally {
    pool.release(thread);
  }
  // A thread that could not start or stopped must not fail what the main thread can do itself.
  if ('failed' in answer || 'error' in answer) return checkedParse(text, checks);
  if ('refused' in answer) return answer.refused;
  return { value: await joinSlices(answer.slices, () => nextTurn()) };
}
