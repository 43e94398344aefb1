/**
 * How many cases may run at once, adapted to the provider: a rate limit (429)
 * halves the limit, and each run of `limit` successes in a row adds one back,
 * up to the maximum (additive increase, multiplicative decrease — what TCP does
 * for the same reason). One burst of 429s halves once: only a case started
 * after the last cut can cut again.
 */
export interface AdaptiveState {
  limit: number;
  epoch: number;
  streak: number;
  cuts: number;
}

export class AdaptiveConcurrency {
  private current: number;
  private streak = 0;
  private epochValue = 0;
  /** Times the limit was cut; reported in the summary. */
  cuts = 0;

  constructor(readonly max: number, readonly min = 1) {
    if (!(max >= 1)) throw new Error('concurrency must be at least 1');
    this.current = max;
  }

  get limit(): number {
    return this.current;
  }

  /** Tag a case with this when it starts; hand it back to onRateLimit. */
  get epoch(): number {
    return this.epochValue;
  }

  /** What a limit learned so far is, to be carried on elsewhere (a resumed eval keeps its limit). */
  get state(): AdaptiveState {
    return { limit: this.current, epoch: this.epochValue, streak: this.streak, cuts: this.cuts };
  }

  /** Continues from a saved state (its limit kept within min..max). */
  restore(state: AdaptiveState): void {
    this.current = Math.min(this.max, Math.max(this.min, Math.floor(state.limit)));
    this.epochValue = state.epoch;
    this.streak = state.streak;
    this.cuts = state.cuts;
  }

  onRateLimit(startedAtEpoch: number): void {
    this.streak = 0;
    if (startedAtEpoch !== this.epochValue) return;
    this.current = Math.max(this.min, Math.floor(this.current / 2));
    this.epochValue++;
    this.cuts++;
  }

  onSuccess(): void {
    if (this.current >= this.max) return;
    if (++this.streak >= this.current) {
      this.current++;
      this.streak = 0;
    }
  }
}
