import type { NodeContext } from '../engine/context';
import type { ItemTrace } from '../engine/trace';
import type { Usage } from '../engine/services';
import { errorMessage } from '../engine/error-message';
import { ItemSlots } from '../engine/item-slots';
import { turnIfDue } from './event-loop-turn';

/** What one item's body gives back: a value, or an error; with the spend of a pipeline body. */
export type ItemOutcome = ({ value: unknown } | { error: string }) & { usage?: Usage | null; costUsd?: number | null };
/** `itemSlots`: the run's map item slots, one of which this item holds (a map in its body borrows them). */
export type ItemBody = (item: unknown, index: number, signal: AbortSignal, itemSlots: ItemSlots) => Promise<ItemOutcome>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * An object item that names the child's inputs feeds them by name; any other
 * item goes whole to the child's one input (its one required input when the
 * others have defaults).
 */
export function itemInputs(item: unknown, inputs: { name: string; required?: boolean }[]): Record<string, unknown> {
  const names = inputs.map((p) => p.name);
  if (isPlainObject(item) && names.some((name) => Object.hasOwn(item, name))) return item;
  const one = inputs.length === 1 ? inputs : inputs.filter((p) => p.required !== false);
  if (one.length === 1) return { [one[0].name]: item };
  return isPlainObject(item) ? item : {};
}

/** A child with one output gives its value; with several, the outputs object. */
export function itemResult(outputs: Record<string, unknown>): unknown {
  const names = Object.keys(outputs);
  return names.length === 1 ? outputs[names[0]] : outputs;
}

/**
 * Runs `body` over the items with at most `concurrency` at once and, inside
 * another map's item, no more than the run's free item slots (see ItemSlots:
 * nested maps share the outermost one's bound); results in input order.
 * `fail` stops the rest at the first failure and throws it; `skip` drops
 * failed items; `collect` keeps `{ok, value | error}` per item.
 * The node's trace gets one entry per item (in order) and the items' spend.
 */
export async function runItems(
  items: unknown[],
  body: ItemBody,
  config: { concurrency: number; onError: 'fail' | 'skip' | 'collect' },
  ctx: NodeContext,
): Promise<unknown[]> {
  const n = items.length;
  const outcomes: (ItemOutcome | undefined)[] = new Array(n);
  const traces: (ItemTrace | undefined)[] = new Array(n);
  const stop = new AbortController();
  const onAbort = () => stop.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let firstFailure: { index: number; error: string } | undefined;
  const borrowed = ctx.itemSlots;
  const slots = borrowed ?? new ItemSlots(config.concurrency);
  // Workers waiting for a slot stop waiting once every item is taken (or the map stops).
  const allTaken = new AbortController();
  const stopWaiting = AbortSignal.any([stop.signal, allTaken.signal]);

  const worker = async (_: unknown, w: number) => {
    // Inside another map's item, the first worker runs on the slot that item holds.
    const onParentSlot = borrowed !== undefined && w === 0;
    while (next < n && !stop.signal.aborted) {
      if (!onParentSlot && !slots.tryTake()) {
        try {
          await slots.take(stopWaiting);
        } catch {
          break;
        }
        if (next >= n || stop.signal.aborted) {
          slots.give();
          break;
        }
      }
      const index = next++;
      if (next === n) allTaken.abort();
      const t0 = performance.now();
      let outcome: ItemOutcome;
      try {
        outcome = await body(items[index], index, stop.signal, slots);
      } catch (err) {
        outcome = { error: errorMessage(err) };
      } finally {
        if (!onParentSlot) slots.give();
      }
      const failed = 'error' in outcome;
      const cancelled = failed && stop.signal.aborted;
      outcomes[index] = outcome;
      traces[index] = {
        index,
        status: cancelled ? 'cancelled' : failed ? 'failed' : 'succeeded',
        durationMs: round(performance.now() - t0),
        ...('error' in outcome ? { error: outcome.error } : {}),
        ...(outcome.usage ? { tokens: outcome.usage.totalTokens } : {}),
        ...(outcome.costUsd !== undefined ? { costUsd: outcome.costUsd } : {}),
      };
      if (failed && !cancelled && config.onError === 'fail' && !firstFailure) {
        firstFailure = { index, error: (outcome as { error: string }).error };
        stop.abort(new Error('another item failed'));
      }
      // Items that finish without a macrotask (JSONata, templates) would otherwise run the whole list in one turn.
      await turnIfDue();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(config.concurrency, n) }, worker));
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    report(ctx, outcomes, traces);
  }
  ctx.signal.throwIfAborted();
  if (firstFailure) throw new Error(`item ${firstFailure.index} failed: ${firstFailure.error}`);

  const results: unknown[] = [];
  for (const outcome of outcomes as ItemOutcome[]) {
    if ('value' in outcome) results.push(config.onError === 'collect' ? { ok: true, value: outcome.value } : outcome.value);
    else if (config.onError === 'collect') results.push({ ok: false, error: outcome.error });
  }
  return results;
}

/** Item traces in input order, then the items' tokens and cost added up once. */
function report(ctx: NodeContext, outcomes: (ItemOutcome | undefined)[], traces: (ItemTrace | undefined)[]): void {
  let usage: Usage | null | undefined;
  let costUsd: number | null | undefined;
  for (const outcome of outcomes) {
    if (!outcome) continue;
    if (outcome.usage) {
      usage ??= { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      usage.promptTokens += outcome.usage.promptTokens;
      usage.completionTokens += outcome.usage.completionTokens;
      usage.totalTokens += outcome.usage.totalTokens;
    }
    if (outcome.costUsd === null) costUsd = null;
    else if (outcome.costUsd !== undefined && costUsd !== null) costUsd = (costUsd ?? 0) + outcome.costUsd;
  }
  for (const trace of traces) if (trace) ctx.report({ item: trace });
  if (usage !== undefined || costUsd !== undefined) ctx.report({ ...(usage !== undefined ? { usage } : {}), ...(costUsd !== undefined ? { costUsd } : {}) });
}
