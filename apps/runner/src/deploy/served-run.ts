import { checkInputs, type RunEvent } from '@patchbay/core';
import type { RunManager } from '../runs/run-manager';
import type { RunRecord, RunSource } from '../store/runs';
import { DomainError } from '../domain-errors';
import type { ServedVersion } from './served-version';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** How a served run ended, read from its events (no store read on the request path). */
export interface ServedOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  outputs: Record<string, unknown> | null;
  error: string | null;
  /** Summed over the run's model calls. */
  usage: Usage;
  /** Why the model node that feeds the answer (`answerNode`) stopped, when it says: `length` is a cut-off answer. */
  finishReason?: string;
  /** Read from the run's record, its live events having stopped short (some of its tokens may not have come). */
  fromRecord?: boolean;
}

export interface ServedRun {
  id: string;
  outcome: Promise<ServedOutcome>;
}

/**
 * Starts a served run of `target` (inputs checked first: 422 invalid-inputs)
 * with its source, label and key recorded; `onEvent` sees every event as it
 * happens (streaming answers), `outcome` settles when the run ends. `whole` for
 * an answer sent whole when the run ends: model replies are then fetched whole
 * rather than streamed (less CPU per request), the run records no token events,
 * and it is written once, with its end: `outcome` settles only once that is
 * committed (and rejects with the store's error when it could not be).
 * `left` is the request's signal: a client that goes away before the run ends cancels it. `gone`, the request's
 * signal where leaving does not cancel: only what stops waiting for a record (below) when the client has gone.
 * `answerNode`: the node whose output is the answer; its finish reason goes into the outcome.
 */
export async function startServedRun(
  runs: RunManager,
  target: ServedVersion,
  inputs: Record<string, unknown>,
  who: { source: RunSource; keyName: string | null; traceparent?: string; whole?: boolean; left?: AbortSignal; gone?: AbortSignal; answerNode?: string },
  onEvent?: (event: RunEvent) => void,
): Promise<ServedRun> {
  const problems = checkInputs(target.document, inputs, { unknown: 'error' });
  if (problems.length > 0) {
    throw new DomainError('invalid-inputs', `the inputs do not fit: ${problems[0].path}: ${problems[0].message}`, {
      problems,
      errors: problems.map(({ path, message }) => ({ path, message })),
    });
  }
  const id = await runs.start({ document: target.document, inputs, pipeline: target.pipeline, version: target.version, inline: false, source: who.source, label: target.label, keyName: who.keyName, traceparent: who.traceparent, tokens: !who.whole, answeredAtEnd: who.whole });
  const ended = new Promise<ServedOutcome>((resolve) => {
    const usage: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    let ended: ServedOutcome | undefined;
    let finishReason: string | undefined;
    const unsubscribe = runs.subscribe(
      id,
      0,
      (event) => {
        // A second run.started: scaled out, the run was taken up by another worker (its own died) and runs again from
        // the start; the usage is the record's, the calls of the attempt that ends it.
        if (event.type === 'run.started') {
          usage.promptTokens = usage.completionTokens = usage.totalTokens = 0;
          finishReason = undefined;
        }
        if ((event.type === 'node.completed' || event.type === 'node.failed') && event.trace.usage) {
          usage.promptTokens += event.trace.usage.promptTokens;
          usage.completionTokens += event.trace.usage.completionTokens;
          usage.totalTokens += event.trace.usage.totalTokens;
        }
        if (event.type === 'node.completed' && event.nodeId === who.answerNode) finishReason = event.trace.finishReason;
        if (event.type === 'run.completed') ended = { status: 'succeeded', outputs: event.outputs, error: null, usage, ...(finishReason ? { finishReason } : {}) };
        else if (event.type === 'run.failed') ended = { status: event.cancelled ? 'cancelled' : 'failed', outputs: null, error: event.error, usage };
        onEvent?.(event);
      },
      () => {
        if (ended) return resolve(ended);
        // Scaled out, the live events can stop short of the end while the run goes on: a Redis that came back
        // empty lost its job and events, and the worker running it still records it. The answer is the record's.
        runs.endedRecord(id, who.gone ?? who.left).then(
          (record) => resolve(record ? recordedOutcome(record, who.answerNode) : { status: 'failed', outputs: null, error: 'the run ended without an outcome', usage }),
          (err: Error) => resolve({ status: 'failed', outputs: null, error: `the run's end could not be read: ${err.message}`, usage }),
        );
      },
    );
    // An engine that ended within start() (it never does today) leaves nothing live to listen to.
    if (!unsubscribe) resolve({ status: 'failed', outputs: null, error: 'the run ended before it could be followed', usage });
  });
  if (who.left) cancelWhenLeft(runs, id, who.left, ended);
  // Answered means stored: the whole answer waits for the commit of the run's end.
  const outcome = who.whole ? ended.then(async (end) => (await runs.recorded(id), end)) : ended;
  return { id, outcome };
}

/** How a run ended, from its record (a served run whose live events stopped short of its end: `fromRecord`). */
function recordedOutcome(record: RunRecord, answerNode: string | undefined): ServedOutcome {
  const usage: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  for (const trace of Object.values(record.nodes)) {
    usage.promptTokens += trace.usage?.promptTokens ?? 0;
    usage.completionTokens += trace.usage?.completionTokens ?? 0;
    usage.totalTokens += trace.usage?.totalTokens ?? 0;
  }
  const finishReason = answerNode ? record.nodes[answerNode]?.finishReason : undefined;
  if (record.status === 'succeeded') return { status: 'succeeded', outputs: record.outputs ?? {}, error: null, usage, fromRecord: true, ...(finishReason ? { finishReason } : {}) };
  return { status: record.status === 'cancelled' ? 'cancelled' : 'failed', outputs: null, error: record.error ?? `the run ${record.status}`, usage, fromRecord: true };
}

/**
 * The run of a caller that went away (an SDK's timeout, a chat UI's Stop) is cancelled, which aborts its
 * model calls: no one is left to read its answer, and an SDK that retries would otherwise have two going.
 */
function cancelWhenLeft(runs: RunManager, id: string, left: AbortSignal, ended: Promise<unknown>): void {
  const cancel = () => void runs.cancel(id, 0).catch(() => {}); // already ended, or the runner is stopping
  if (left.aborted) return cancel();
  left.addEventListener('abort', cancel, { once: true });
  void ended.then(() => left.removeEventListener('abort', cancel));
}
