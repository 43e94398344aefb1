/**
 * One clock for work that runs as promise continuations only (JSONata steps, map
 * items): when YIELD_EVERY_MS have passed since the event loop last had a turn,
 * every caller waits for the same macrotask. Per-caller clocks let 64 concurrent
 * evaluations each take their 20 ms in turn within one timers phase, holding the
 * loop for over a second; a shared one gives the loop a turn every 20 ms whatever
 * the concurrency.
 */
export const YIELD_EVERY_MS = 20;

let lastTurn = Date.now();
let pending: Promise<void> | null = null;

/** A promise to await when the loop is due a turn, else undefined (go on synchronously). */
export function turnIfDue(): Promise<void> | undefined {
  if (pending) return pending;
  if (Date.now() - lastTurn < YIELD_EVERY_MS) return undefined;
  // setTimeout exists in browsers and Node alike.
  pending = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
    lastTurn = Date.now();
    pending = null;
  });
  return pending;
}
