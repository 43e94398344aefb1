import type { JobContext, JobListener, LiveJobView } from './job-registry';

/**
 * A job going on in this process: its payload, every event it has published
 * (kept, so a late subscriber gets them replayed before the live ones), its
 * subscribers, and what cancelling it needs. Publishing with nobody
 * subscribed costs one array push.
 */
export class LiveJob<P, E> implements JobContext<E>, LiveJobView<P, E> {
  readonly events: E[] = [];
  private readonly controller = new AbortController();
  /** Settles once the job's processor has recorded its outcome. */
  done: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<{ fromSeq: number; onEvent: JobListener<E>; onEnd: () => void }>();

  /** `kind` and `id` name the job in the log line written when a subscriber throws. */
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly payload: P,
    private readonly log: (line: string) => void,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  publish(event: E): void {
    const seq = this.events.push(event) - 1;
    for (const listener of this.listeners) {
      try {
        if (seq >= listener.fromSeq) listener.onEvent(event, seq);
      } catch (err) {
        // One broken stream must not stop the job or the other subscribers.
        this.log(`${this.kind} ${this.id}: a subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  /** Replays the events from `fromSeq`, then streams the rest; `onEnd` is called after the last one. Returns the unsubscribe. */
  subscribe(fromSeq: number, onEvent: JobListener<E>, onEnd: () => void): () => void {
    for (let seq = Math.max(0, fromSeq); seq < this.events.length; seq++) onEvent(this.events[seq], seq);
    const listener = { fromSeq, onEvent, onEnd };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The job has published its last event. */
  end(): void {
    for (const listener of this.listeners) listener.onEnd();
    this.listeners.clear();
  }

  abort(reason: string): void {
    this.controller.abort(new Error(reason));
  }
}
