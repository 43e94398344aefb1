import type { Context } from 'hono';
import { isLastRunEvent, type RunEvent } from '@patchbay/core';
import { QueueUnavailableError, type JobKind, type JobRegistry } from '../jobs/job-registry';
import { HttpProblem } from '../http/problem';
import { sseStream as openSseStream, type SseMessage, type SseSink } from '../http/sse';
import { endedRunRecord } from '../runs/ended-run-record';
import { RUN_JOB } from '../runs/run-manager';
import { ValueCut } from '../runs/value-cut';
import type { AppDeps } from './route-module';

export interface JobEventsOptions<E extends { type: string }> {
  jobs: JobRegistry;
  kind: JobKind<unknown, E>;
  id: string;
  /** The first sequence number to send (see `resumeFrom`). */
  fromSeq: number;
  /**
   * Every event of a job that is no longer live, from the store; undefined when there is no such job. `from`: the
   * first sequence number the client is still to be sent (`fromSeq`, or past what a live stream sent), where an end
   * made up for a job that stored no events goes.
   */
  past(from: number): Promise<E[] | undefined>;
  /** Thrown (before any byte is sent) when there is no such job. */
  notFound(): Error;
  /** Masks secrets in each event's JSON. */
  redact(json: string): string;
  /**
   * The job's last event (a run's run.completed or run.failed). With it, a live stream that ends without
   * one (scaled out: Redis went away and lost the events a worker published meanwhile) goes on from the
   * store's copy, and a job the queue cannot say is live (Redis gone) is read from the store once it ended.
   */
  isLast?(event: E): boolean;
  /**
   * With `isLast`: settles once the job has ended in the store (or `signal` aborts: the client left). A live
   * stream that ends without the last event waits for it before the store's copy takes over, as the job may
   * still be going (scaled out: a Redis that came back empty lost its job while a worker runs it).
   */
  ended?(signal: AbortSignal): Promise<unknown>;
  /** Ends the stream early with `event` when `signal` aborts (a serving key revoked). */
  cutOff?: { signal: AbortSignal; event: SseMessage };
  /** What each event becomes before it is sent (a run's values cut with `?cut=N`). */
  shape?(event: E): E;
}

/**
 * A job's events as SSE (`id: <seq>`, `event: <type>`, `data: <json>`) — the
 * one stream behind runs' and evals' `/events`: a live job's past events
 * replayed from `fromSeq`, then the rest as they happen; a finished job's
 * stored events. Ends after the job's last event.
 */
export async function jobEventsResponse<E extends { type: string }>(c: Context, options: JobEventsOptions<E>): Promise<Response> {
  const { jobs, kind, id, fromSeq, cutOff } = options;
  // Every stream below, cut off with its event when `cutOff` says so; nothing is sent after it.
  const sseStream = (context: Context, start: (sink: SseSink) => (() => void) | void): Response =>
    openSseStream(context, (sink) => {
      if (!cutOff) return start(sink);
      let cut = false;
      const guarded: SseSink = { send: (message) => !cut && sink.send(message), close: () => sink.close() };
      const onCut = () => {
        sink.send(cutOff.event);
        cut = true;
        sink.close();
      };
      const stop = start(guarded);
      if (cutOff.signal.aborted) onCut();
      else cutOff.signal.addEventListener('abort', onCut, { once: true });
      return () => {
        cutOff.signal.removeEventListener('abort', onCut);
        stop?.();
      };
    });
  const shape = options.shape ?? ((event: E) => event);
  const send = (sink: SseSink, event: E, seq: number) => sink.send({ id: seq, event: event.type, data: options.redact(JSON.stringify(shape(event))) });
  const replay = (sink: SseSink, events: E[]) => {
    for (let seq = Math.max(0, fromSeq); seq < events.length; seq++) send(sink, events[seq], seq);
    sink.close();
  };
  // A job that has ended sent ids 0..length-1 and no more: an id past them is another stream's, and
  // answering it with an empty stream would leave the client waiting for an end it already missed.
  const refusePastEnd = (events: E[]) => {
    if (fromSeq <= events.length) return;
    throw new HttpProblem(400, `Last-Event-ID ${fromSeq - 1} is past this stream's last event (${events.length - 1}): it is not an id this stream sent`, {
      errors: [{ path: LAST_EVENT_ID_PATH, message: `at most ${events.length - 1} for this stream` }],
    });
  };
  const { isLast } = options;
  let live: boolean;
  try {
    live = await jobs.isLive(kind, id);
  } catch (err) {
    // Redis gone: a job that ended is in the store and readable throughout; one still going is a 503.
    if (!(err instanceof QueueUnavailableError) || !isLast) throw err;
    const events = await options.past(fromSeq);
    if (!events?.some(isLast)) throw err;
    refusePastEnd(events);
    return sseStream(c, (sink) => replay(sink, events));
  }
  if (live) {
    return sseStream(c, (sink) => {
      // Sent so far (live): the store's copy takes over after these if the live stream ends short.
      let next = fromSeq;
      let last = false;
      const left = new AbortController();
      const fromStore = (from: number) =>
        Promise.resolve(options.ended?.(left.signal))
          .then(() => options.past(from))
          .then(
            (events) => {
              const all = events ?? [];
              for (let seq = Math.max(0, from); seq < all.length; seq++) send(sink, all[seq], seq);
              sink.close();
            },
            () => sink.close(), // the store is closing: the runner is stopping
          );
      const unsubscribe = jobs.subscribe(
        kind,
        id,
        fromSeq,
        (event, seq) => {
          next = seq + 1;
          last ||= isLast?.(event) === true;
          send(sink, event, seq);
        },
        () => (isLast && !last ? void fromStore(next) : sink.close()),
      );
      // It ended between the check and the subscription: its events are in the store by now.
      if (!unsubscribe) void fromStore(fromSeq);
      return () => {
        left.abort();
        unsubscribe?.();
      };
    });
  }
  const events = await options.past(fromSeq);
  if (!events) throw options.notFound();
  refusePastEnd(events);
  return sseStream(c, (sink) => replay(sink, events));
}

const LAST_EVENT_ID_PATH = 'header.last-event-id';

/**
 * `Last-Event-ID: 7` resumes after event 7; none (or an empty one) starts from the first. The ids
 * these streams send are whole numbers from 0 written in digits, so anything else ("-1", "1.5",
 * "1e3", one too big to be exact) is no id of theirs: a 400, rather than a full replay the client
 * would take for a resume, or an empty stream.
 */
export function resumeFrom(lastEventId: string | undefined): number {
  const text = lastEventId?.trim() ?? '';
  if (text === '') return 0;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new HttpProblem(400, `Last-Event-ID "${text.slice(0, 40)}" is not an id these streams send`, {
      errors: [{ path: LAST_EVENT_ID_PATH, message: 'must be the id of an event this stream sent: a whole number from 0' }],
    });
  }
  return n + 1;
}

/**
 * A stored run's events. A run that ended without the engine's last event (cut short by a crash and
 * marked `interrupted` at the next start, refused before it started, or recorded by `patchbay run`, which
 * stores no events) gets one made from its record (run.completed with its outputs when it succeeded):
 * every stream ends with run.completed or run.failed, so a client waiting for it is not left waiting
 * (an EventSource would otherwise reconnect to the same empty stream for ever). The live events a crash
 * cut short were never stored, so a client resuming after one of them (Last-Event-ID past what is stored)
 * gets the end numbered right after what it saw; it is the end of any stream, so it is sent to every resume.
 */
async function storedRunEvents(store: AppDeps['store'], id: string, fromSeq: number): Promise<RunEvent[] | undefined> {
  const events = await store.runs.events(id);
  if (!events || events.some(isLastRunEvent)) return events;
  const run = await store.runs.get(id);
  if (!run || run.status === 'running') return events;
  const durationMs = run.durationMs ?? 0;
  const at = run.startedAt + durationMs;
  // A run recorded without its events (`patchbay run` stores the record only) may have succeeded.
  const end: RunEvent =
    run.status === 'succeeded'
      ? { type: 'run.completed', runId: id, at, durationMs, outputs: run.outputs ?? {} }
      : { type: 'run.failed', runId: id, at, durationMs, error: run.error ?? `the run ${run.status}` };
  const seq = Math.max(events.length, Math.min(fromSeq, events.length + MAX_UNSTORED_EVENTS));
  const out = events.slice();
  out[seq] = end; // the seqs between were sent live and never stored: no replay reaches them (it starts at fromSeq)
  return out;
}

/** How far past the stored events a resume may be and still get the end made up for a run that has none. */
const MAX_UNSTORED_EVENTS = 1_000_000;

/**
 * A run's events (live or stored); headers set on `c` before (Location, X-Run-Id) go out with them. `cut`: the
 * values longer than that many characters are placeholders (`?cut=N`, runs/value-cut.ts).
 */
export function runEventsResponse(
  c: Context,
  deps: Pick<AppDeps, 'jobs' | 'store' | 'redactor'>,
  id: string,
  fromSeq: number,
  { cutOff, cut }: { cutOff?: JobEventsOptions<RunEvent>['cutOff']; cut?: number } = {},
): Promise<Response> {
  const values = cut === undefined ? undefined : new ValueCut(cut, deps.redactor.redact);
  return jobEventsResponse(c, {
    jobs: deps.jobs,
    kind: RUN_JOB,
    id,
    fromSeq,
    past: (from) => storedRunEvents(deps.store, id, from),
    notFound: () => new HttpProblem(404, `there is no run "${id}"`, { type: 'run-not-found' }),
    redact: deps.redactor.redact,
    isLast: isLastRunEvent,
    ended: (signal) => endedRunRecord(deps.store.runs, id, signal),
    cutOff,
    shape: values && ((event) => values.event(event)),
  });
}
