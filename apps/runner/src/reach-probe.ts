/** Whether a service over the network answers, as /healthz reports it. */
export type Reach = { ok: true } | { ok: false; reason: string; since: string };

/** How long one answer stands: /healthz scraped every second asks the service at most every 2 s. */
const ANSWER_STANDS_MS = 2_000;

/**
 * How long /healthz waits for a service's answer. A service that hangs (a stopped process, a network that drops
 * packets) answers a Redis command after its 5 s timeout and a PostgreSQL statement never; an orchestrator's probe
 * gives up sooner (Kubernetes: 1 s by default) and would see a timeout instead of a 503 with the reason. 500 ms is
 * far above a service's answer on a working network (well under 10 ms) and leaves half of that 1 s to the rest.
 */
export const ANSWER_WITHIN_MS = 500;

/**
 * Asks a service the runner cannot serve without (a PostgreSQL store, the queue's Redis) whether it answers:
 * one question at a time, its answer kept for 2 s, `since` the first failure of the outage. A question not
 * answered within ANSWER_WITHIN_MS is reported as such while it stays in flight (it is not asked again meanwhile,
 * so a hung service gets no pile of questions), and its answer, once it comes, is the next one. A request that
 * found the service gone drops a kept "ok" (`forget`), so the next scrape asks again.
 */
export class ReachProbe {
  private answered: { at: number; reach: Reach } | undefined;
  private asking: { at: number; answer: Promise<Reach> } | undefined;
  private downSince: number | undefined;

  /**
   * `what` names the service ("the queue (Redis)"); `ask` settles when it answers; `reason` is one rejection
   * of it in words (what the client heard).
   */
  constructor(
    private readonly what: string,
    private readonly ask: () => Promise<unknown>,
    private readonly reason: (err: unknown) => string,
  ) {}

  check(): Promise<Reach> {
    if (this.answered && Date.now() - this.answered.at < ANSWER_STANDS_MS) return Promise.resolve(this.answered.reach);
    this.asking ??= { at: Date.now(), answer: this.question() };
    const { at, answer } = this.asking;
    const left = ANSWER_WITHIN_MS - (Date.now() - at);
    if (left <= 0) return Promise.resolve(this.unanswered(at));
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.unanswered(at)), left);
      void answer.then((reach) => (clearTimeout(timer), resolve(reach)));
    });
  }

  /** A kept "ok" no longer stands (a request found the service gone). */
  forget(): void {
    if (this.answered?.reach.ok) this.answered = undefined;
  }

  private question(): Promise<Reach> {
    return this.ask()
      .then(
        (): Reach => ((this.downSince = undefined), { ok: true }),
        (err): Reach => this.down(`${this.what} cannot be reached: ${this.reason(err)}`, Date.now()),
      )
      .then((reach) => ((this.answered = { at: Date.now(), reach }), (this.asking = undefined), reach));
  }

  /** The question asked at `askedAt` is still unanswered: the service is down since then, if not before. */
  private unanswered(askedAt: number): Reach {
    return this.down(`${this.what} did not answer within ${ANSWER_WITHIN_MS} ms`, askedAt);
  }

  private down(reason: string, at: number): Reach {
    this.downSince ??= at;
    return { ok: false, reason, since: new Date(this.downSince).toISOString() };
  }
}
