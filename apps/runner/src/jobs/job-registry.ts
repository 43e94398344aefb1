import type { z } from 'zod';

/**
 * The one place runs, evals (and whatever else runs in the background:
 * promotions) are started, watched and cancelled.
 *
 * A kind of job is defined once with its processor; starting one hands the
 * registry a payload. The processor publishes the job's events (kept, so a
 * subscriber that joins late — or reconnects with `Last-Event-ID` — gets them
 * replayed from its sequence number before the live ones) and records the
 * job's outcome itself; the registry only carries events and cancellation.
 *
 * This is the seam a queue-backed registry plugs into: `InProcessJobRegistry`
 * (jobs/in-process-registry.ts) runs processors in this process; a BullMQ one
 * would `add(kind.name, payload, {jobId: id})` in `start`, run the same
 * processors in `patchbay worker` processes, append published events to a
 * Redis stream per job (the stream position is the sequence number, so
 * replay is XRANGE from `fromSeq` then XREAD), and carry `cancel` to the
 * worker over pub/sub. For that, payloads and events must be plain JSON and
 * processors must not rely on anything but their payload and the services
 * every process builds for itself.
 */

/** A kind of job; `P` and `E` (its payload and event types) exist for typing only. */
export interface JobKind<P, E> {
  readonly name: string;
  /** What a queued job's data must hold before its processor reads it: a job pushed onto the queue by hand that lacks it is failed, not run. */
  readonly payload?: z.ZodType;
  /** Never set: keeps `P` and `E` attached to the kind. */
  readonly types?: { payload: P; event: E };
}

export function jobKind<P, E>(name: string, payload?: z.ZodType): JobKind<P, E> {
  return payload ? { name, payload } : { name };
}

/** What a processor gets besides its payload. */
export interface JobContext<E> {
  readonly id: string;
  /** Aborted on cancel (and on shutdown), with an Error whose message says why. */
  readonly signal: AbortSignal;
  /** Appends an event; subscribers get it with its 0-based sequence number. */
  publish(event: E): void;
  /**
   * Scaled out, a job taken up again after its worker died: the events that worker published, which its
   * stream keeps and this attempt's follow (its first `publish` is numbered after them). A processor that
   * stores its events keeps these first, so the stored stream is the one clients were sent, id for id.
   */
  readonly earlier?: readonly E[];
  /**
   * Scaled out (a mirrored kind): another server took the job over (this one was taken for dead) and ends it itself.
   * Its shared stream and keys are that server's now: this attempt leaves them alone, and publishes nothing more there.
   */
  lost?(): void;
}

/**
 * Does the job and records its outcome (a store write) before it settles; a
 * rejection is logged, never left unhandled. It should publish its first
 * events before its first `await`: `start` returns once those are out.
 */
export type JobProcessor<P, E> = (payload: P, job: JobContext<E>) => Promise<void>;

/** Receives a job's events in order, each with its 0-based sequence number (the SSE id). */
export type JobListener<E> = (event: E, seq: number) => void;

/** A live job as this registry sees it: its payload and the events so far. */
export interface LiveJobView<P, E> {
  readonly id: string;
  readonly payload: P;
  readonly events: readonly E[];
}

/** The queue (Redis) cannot be reached: nothing was enqueued; the request may be tried again (503). */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
  /** Why, without the advice to a client (`serve`/`worker` at start say this to an operator). */
  readonly detail: string;
  constructor(detail: string) {
    super(`the job queue is unavailable (${detail}); nothing was started, try again shortly`);
    this.detail = detail;
  }
}

/** `start` after `cancelAll`: the runner is shutting down. */
export class JobsClosedError extends Error {
  override name = 'JobsClosedError';
  constructor() {
    super('the runner is shutting down; try again once it is back');
  }
}

export interface JobRegistry {
  /** Registers the processor of a kind; once per kind, before its first `start`. */
  define<P, E>(kind: JobKind<P, E>, processor: JobProcessor<P, E>): void;
  /**
   * Starts a job under `id` (unique; the caller has recorded it). Throws JobsClosedError once shut down.
   * A queue-backed registry returns a promise that settles once the queue holds the job (rejecting with
   * QueueUnavailableError when it cannot be reached); its events can be subscribed to at once either way.
   */
  start<P, E>(kind: JobKind<P, E>, id: string, payload: P): void | Promise<void>;
  /** Whether the job is waiting or running (anywhere, for a queue-backed registry). */
  isLive(kind: JobKind<unknown, unknown>, id: string): boolean | Promise<boolean>;
  /** A live job's payload and events so far; undefined when it is not live. */
  live<P, E>(kind: JobKind<P, E>, id: string): LiveJobView<P, E> | undefined | Promise<LiveJobView<P, E> | undefined>;
  /**
   * Replays a live job's events from `fromSeq`, then streams the rest; `onEnd`
   * is called after its last one. Returns the unsubscribe, or undefined when
   * the job is not live (its events are then in the store).
   */
  subscribe<E>(kind: JobKind<unknown, E>, id: string, fromSeq: number, onEvent: JobListener<E>, onEnd: () => void): (() => void) | undefined;
  /**
   * Scaled out, for a kind a server runs in-process (an eval's coordinator): true when the server that ran this
   * job stopped without ending it (killed: its heartbeat lapsed, its job was not ended), so no process will
   * record its end. Absent, or false, when that cannot be known (a job of another kind of process).
   */
  abandoned?(kind: JobKind<unknown, unknown>, id: string): Promise<boolean>;
  /** Aborts a live job and waits (up to `waitMs`) for its outcome to be recorded. False when it is not live. */
  cancel(kind: JobKind<unknown, unknown>, id: string, options?: { reason?: string; waitMs?: number }): Promise<boolean>;
  /** Shutting down: refuses new jobs, aborts every live one and waits (up to `waitMs` in all) for them to be recorded. */
  cancelAll(options?: { reason?: string; waitMs?: number }): Promise<void>;
  /** Live jobs (of one kind). */
  liveCount(kind?: JobKind<unknown, unknown>): number;
}
