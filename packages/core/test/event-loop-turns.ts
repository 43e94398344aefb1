/**
 * How many turns the event loop took while `work` ran (setImmediate runs only between turns): counted, not
 * timed, so a test can say the loop kept turning without a clock that a loaded machine makes flaky. Work
 * that holds the thread lets none through while it runs. `ms` is for work that yields on a clock of its own
 * (a map's items every YIELD_EVERY_MS): its turns are only comparable with how long it ran.
 */
export async function eventLoopTurnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number; ms: number }> {
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const start = performance.now();
  try {
    const result = await work();
    return { result, turns, ms: performance.now() - start };
  } finally {
    ticking = false;
  }
}
