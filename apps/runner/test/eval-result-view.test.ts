import { DRAWS_PER_TURN, summarize, toScoreRow, type CaseRecord } from '@patchbay/evals';
import { describe, expect, it } from 'vitest';
import { evalResultView } from '../src/evals/eval-views';
import type { StoredEval } from '../src/store/evals';
import { eventLoopTurnsDuring } from '../../../packages/core/test/event-loop-turns';

describe('an unfinished eval as GET /api/evals/{id} gives it', () => {
  it('lets the event loop turn while its summary is worked out from the cases so far (a bootstrap over 100,000 held a runner for seconds)', async () => {
    // Before, the summary's 1,000 resamples × cases draws ran in one synchronous stretch (0 turns). Counted against the draws, never timed.
    const n = 2000;
    const cases = Array.from({ length: n }, (_, i) => ({
      id: `c${i}`,
      repeat: 1,
      status: i % 3 ? 'passed' : 'failed',
      input: 'q',
      outputs: { answer: 'a' },
      scores: { close: { score: (i % 7) / 7, pass: i % 3 > 0, reason: '' } },
      latencyMs: i % 50,
    })) as unknown as CaseRecord[];
    const stored = {
      id: 'e1',
      pipeline: 'p',
      version: 1,
      dataset: { name: 'd', hash: 'h', cases: n },
      status: 'interrupted',
      progress: { done: n, total: n },
      baseline: null,
      spec: { suite: 's', scorers: [{ name: 'close', type: 'levenshtein' }], repeat: 1, seed: 'seed', behaviorHash: 'b' },
      head: null,
      error: null,
      createdAt: new Date(0).toISOString(),
      finishedAt: null,
    } as unknown as StoredEval;
    const { result, turns } = await eventLoopTurnsDuring(() => evalResultView(stored, cases));
    expect(turns).toBeGreaterThanOrEqual(Math.floor((1000 * n) / DRAWS_PER_TURN) - 1);
    expect(result.summary).toEqual(summarize(cases.map(toScoreRow), ['close'], { seed: 'seed', repeat: 1 }));
    expect(result.summary.scorers.close.ci).not.toBeNull();
  });
});
