/** Whether a service over the network answers, as /healthz reports it. */
export type Reach = { ok: true } | { ok: false; reason: string; since: string };

/** How long one answer stands: /healthz scraped every second asks the service at most every 2 s. */
const ANSWER_STANDS_MS = 2_000;

/**
 * Asks a service the runner cannot serve without (a PostgreSQL store, the queue's Redis) whether it answers:
 * one question at a time, its answer kept for 2 s, `since` the first failure of the outage. A request that
 * found it gone drops a kept "ok" (`forget`), so the next scrape asks again.
 */
export class ReachProbe {
  private answered: { at: number; reach: Reach } | undefined;
  private asking: Promise<Reach> | undefined;
  private downSince: number | undefined;

  /** `ask` settles when the service answers; `reason` is one rejection of it in words, opening with what cannot be reached. */
  constructor(
    private readonly ask: () => Promise<unknown>,
    private readonly reason: (err: unknown) => string,
  ) {}

  check(): Promise<Reach> {
    if (this.answered && Date.now() - this.answered.at < ANSWER_STANDS_MS) return Promise.resolve(this.answered.reach);
    this.asking ??= this.ask()
      .then(
        (): Reach => ((this.downSince = undefined), { ok: true }),
        (err): Reach => {
          this.downSince ??= Date.now();
          return { ok: false, reason: this.reason(err), since: new Date(this.downSince).toISOString() };
        },
      )
      .then((reach) => ((this.answered = { at: Date.now(), reach }), (this.asking = undefined), reach));
    return this.asking;
  }

  /** A kept "ok" no longer stands (a request found the service gone). */
  forget(): void {
    if (this.answered?.reach.ok) this.answered = undefined;
  }
}
