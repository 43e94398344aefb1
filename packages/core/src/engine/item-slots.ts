/**
 * How many `map` items one run has going at once, shared down a tree of maps.
 * The outermost map makes the slots (its `concurrency` of them); a map inside
 * one of its items borrows them: its first item runs on the slot its parent
 * item holds (that item only waits for it), every further item takes a free
 * slot. So three maps nested at concurrency 64 keep 64 items of work open at
 * once, not 64³; the first item of every map never waits, so nesting cannot deadlock.
 */
export class ItemSlots {
  private free: number;
  /** Waiting takers, first come first served. */
  private readonly waiting = new Set<() => void>();

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Takes a slot if one is free now. */
  tryTake(): boolean {
    if (this.free === 0) return false;
    this.free--;
    return true;
  }

  /** Waits for a slot; rejects with the signal's reason when it aborts first. */
  take(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.tryTake()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiting.delete(grant);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(grant);
    });
  }

  /** Hands the slot to the longest waiter, or frees it. */
  give(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.free++;
      return;
    }
    this.waiting.delete(next.value);
    next.value();
  }
}
