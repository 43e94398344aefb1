/** Receives a job's events in order, each with its 0-based sequence number (the SSE id). */
export type JobListener<E> = (event: E, seq: number) => void;

/**
 * A run or an eval going on in this process: every event it has published
 * (kept, so a late subscriber gets them replayed before the live ones), its
 * subscribers, and what cancelling it needs. The managers own the lifecycle;
 * publishing with nobody subscribed costs one array push.
 */
export class LiveJob<E> {
  readonly events: E[] = [];
  readonly controller = new AbortController();
  /** Settles once the job's outcome is recorded; set by the manager that starts the job. */
  done: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<{ onEvent: JobListener<E>; onEnd: () => void }>();

  /** `kind` and `id` name the job in the log line written when a subscriber throws. */
  constructor(
    readonly kind: string,
    readonly id: string,
    private readonly log: (line: string) => void,
  ) {}

  publish(event: E): void {
    const seq = this.events.push(event) - 1;
    for (const listener of this.listeners) {
      try {
        listener.onEvent(event, seq);
      } catch (err) {
        // One broken stream must not stop the job or the other subscribers.
        this.log(`${this.kind} ${this.id}: a subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  /** Replays the events from `fromSeq`, then streams the rest; `onEnd` is called after the last one. Returns the unsubscribe. */
  subscribe(fromSeq: number, onEvent: JobListener<E>, onEnd: () => void): () => void {
    for (let seq = Math.max(0, fromSeq); seq < this.events.length; seq++) onEvent(this.events[seq], seq);
    const listener = { onEvent, onEnd };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The job has published its last event. */
  end(): void {
    for (const listener of this.listeners) listener.onEnd();
    this.listeners.clear();
  }

  /** Aborts the job and waits (up to `waitMs`) for its outcome to be recorded. */
  async cancel(reason: string, waitMs: number): Promise<void> {
    this.controller.abort(new Error(reason));
    await Promise.race([this.done, delay(waitMs)]);
  }

  /** Aborts every job and waits (up to `waitMs` in all) for them to be recorded. */
  static async cancelAll<E>(jobs: Iterable<LiveJob<E>>, reason: string, waitMs: number): Promise<void> {
    const live = [...jobs];
    for (const job of live) job.controller.abort(new Error(reason));
    await Promise.race([Promise.all(live.map((job) => job.done)), delay(waitMs)]);
  }
}

// unref: a job that never settles must not keep the process alive at shutdown.
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
