import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Resampling statistics over a large eval are long loops: a bootstrap over 100,000 cases draws 10^8
 * values, a sign-flip test 10^9 (30 s). Written as generators that yield the draws done since their
 * last yield, the same code runs straight through for a caller that wants a value now (`runSteps`),
 * or with a turn of the event loop every DRAWS_PER_TURN draws (`runStepsSliced`) for one that must
 * not hold a server while it runs. The draws, and so the results, are the same either way.
 */
export type Steps<T> = Generator<number, T, void>;

/** Draws between turns of the event loop: a few milliseconds of work. */
export const DRAWS_PER_TURN = 1 << 18;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

export async function runStepsSliced<T>(steps: Steps<T>): Promise<T> {
  let draws = 0;
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    draws += next.value;
    if (draws >= DRAWS_PER_TURN) {
      draws = 0;
      await nextTurn();
    }
  }
}
