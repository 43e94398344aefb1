/**
 * Reading cases that are already in memory (an inline or stored dataset, a parsed JSON array) awaits nothing
 * but promises: 100,000 of them checked and hashed in one stretch of microtasks held the event loop for
 * seconds (a runner's /healthz waited on POST /api/evals). A reader asks `due()` per case and awaits a
 * turn of the loop at least every CASES_PER_TURN cases, sooner when one case took a slice of time
 * (big cases); yielding per case would add a loop turn to each.
 */
export const CASES_PER_TURN = 256;
const SLICE_MS = 10;

export function caseTurns(): { due(): Promise<void> | undefined } {
  let cases = 0;
  let since = performance.now();
  return {
    due() {
      if (++cases < CASES_PER_TURN && performance.now() - since < SLICE_MS) return undefined;
      return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        cases = 0;
        since = performance.now();
      });
    },
  };
}
