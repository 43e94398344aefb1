import { describe, expect, it } from 'vitest';
import type { EvalListItem, ScorerType } from '../src/lib/evals-api';
import { defaultEvalBaseline, orderByVersion } from '../src/components/evals/pick-baseline';
import { draftToSpec, emptyDraft, expectedKeysOf, likelyExpectedKey, specToDraft } from '../src/components/evals/scorer-draft';

const evalOf = (id: string, version: number, createdAt: string, extra: Partial<EvalListItem> = {}): EvalListItem => ({
  id,
  pipeline: 'p',
  version,
  dataset: { name: 'd', hash: 'h', cases: 1 },
  suite: 's',
  scorers: [],
  status: 'succeeded',
  progress: { done: 1, total: 1 },
  summary: null,
  baseline: null,
  error: null,
  createdAt,
  finishedAt: createdAt,
  ...extra,
});

describe('the baseline of a new eval', () => {
  const history = [
    evalOf('v3-late', 3, '2026-11-03T00:00:00Z'),
    evalOf('v2-late', 2, '2026-11-02T12:00:00Z'),
    evalOf('v2-early', 2, '2026-11-02T00:00:00Z'),
    evalOf('v1', 1, '2026-11-01T00:00:00Z'),
    evalOf('other-dataset', 2, '2026-11-04T00:00:00Z', { dataset: { name: 'x', hash: 'h', cases: 1 } }),
  ];

  it("is the latest eval of the version holding the most recently moved label", () => {
    const labels = { production: { version: 1, movedAt: '2026-11-05T00:00:00Z' }, staging: { version: 2, movedAt: '2026-11-01T00:00:00Z' } };
    expect(defaultEvalBaseline(history, labels, 3, 'd')).toBe('v1');
  });

  it("else the latest eval of the closest earlier version, on the same dataset", () => {
    expect(defaultEvalBaseline(history, {}, 3, 'd')).toBe('v2-late');
    expect(defaultEvalBaseline(history, {}, 1, 'd')).toBeUndefined();
  });

  it('orders two evals older version first, whichever was the baseline', () => {
    const [a, b] = orderByVersion(history[0], history[3]);
    expect([a.id, b.id]).toEqual(['v1', 'v3-late']);
  });
});

describe('scorer drafts', () => {
  const contains: ScorerType = {
    type: 'contains',
    description: '',
    paramsSchema: { properties: { value: {}, mode: { type: 'string', enum: ['any', 'all'] }, ignoreCase: { type: 'boolean' } } as never },
    defaultThreshold: 1,
    readsTarget: true,
    needsExpected: true,
  };

  it('turns each param input into its type and back', () => {
    const draft = { ...emptyDraft('contains'), target: 'answer', expectedKey: 'answer', threshold: '0.5', params: { value: '["a", "b"]', mode: 'all', ignoreCase: 'true' } };
    const spec = draftToSpec(draft, contains, 0);
    expect(spec).toEqual({ type: 'contains', target: 'answer', expectedKey: 'answer', threshold: 0.5, params: { value: ['a', 'b'], mode: 'all', ignoreCase: true } });
    expect(draftToSpec(specToDraft(spec), contains, 0)).toEqual(spec);
    expect(() => draftToSpec({ ...draft, threshold: '2' }, contains, 1)).toThrow('Scorer 2: the threshold must be a number from 0 to 1.');
  });

  it('reads the expected keys from the dataset and picks the one a scorer means', () => {
    const keys = expectedKeysOf([{ expected: { answer: 'x', doc: '# A' } }, { expected: 'plain' }]);
    expect(keys).toEqual(['answer', 'doc']);
    expect(likelyExpectedKey({ ...emptyDraft('contains'), target: 'answer' }, keys, 'answer')).toBe('answer');
    expect(likelyExpectedKey({ ...emptyDraft('retrieval-hit'), target: 'node:search.documents' }, keys, 'answer')).toBe('doc');
  });
});
