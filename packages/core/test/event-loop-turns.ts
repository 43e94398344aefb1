/**
 * How many turns the event loop took while `work` ran (setImmediate runs only between turns): counted, not
 * timed, so a test can say the loop kept turning without a clock that a loaded machine makes flaky. Work
 * that holds the thread lets none through while it runs.
 */
export async function eventLoopTurnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return { result: await work(), turns };
  } finally {
    ticking = false;
  }
}
