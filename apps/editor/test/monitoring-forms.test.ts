import { describe, expect, it } from 'vitest';
import { DraftProblem, draftToMonitor, draftToRule, monitorToDraft, newRule, problemAt, ruleToDraft } from '../src/monitoring/config-drafts';
import { nodeRows } from '../src/monitoring/NodeTable';
import { MONITOR_FIELDS } from '../src/monitoring/MonitorsEditor';
import { RULE_FIELDS } from '../src/monitoring/AlertRulesEditor';

describe("the runner's refusals land on the field their path names", () => {
  it('maps a path to its row and field, however deep it goes into the field', () => {
    expect(problemAt('$.monitors[2].scorer.params.pattern', 'monitors', MONITOR_FIELDS)).toEqual({ index: 2, field: 'scorer.params' });
    expect(problemAt('$.monitors[0].labels[1]', 'monitors', MONITOR_FIELDS)).toEqual({ index: 0, field: 'labels' });
    expect(problemAt('$.rules[1].window', 'rules', RULE_FIELDS)).toEqual({ index: 1, field: 'window' });
    // a row, but no field of the form: the message goes on the row
    expect(problemAt('$.rules[1]', 'rules', RULE_FIELDS)).toEqual({ index: 1, field: undefined });
    // the list as a whole: not a row's
    expect(problemAt('$.monitors', 'monitors', MONITOR_FIELDS)).toBeUndefined();
  });
});

describe('drafts as typed and specs as sent', () => {
  it('sends what was typed for the runner to judge, and reads params as JSON', () => {
    const draft = { ...monitorToDraft({ name: 'grounded', scorer: { type: 'regex', params: { pattern: 'x' } }, sample: 0.5 }), sample: 'half', enabled: false };
    expect(draftToMonitor(draft, 0)).toEqual({ name: 'grounded', scorer: { type: 'regex', params: { pattern: 'x' } }, sample: 'half', enabled: false });
    expect(() => draftToMonitor({ ...draft, params: '{pattern: x}' }, 3)).toThrow(DraftProblem);
    const caught = (() => {
      try {
        draftToMonitor({ ...draft, params: '{' }, 3);
      } catch (err) {
        return err;
      }
    })();
    expect(caught).toMatchObject({ index: 3, field: 'scorer.params' });
  });

  it('turns a window of digits into a run count and anything else into a duration', () => {
    expect(draftToRule({ ...newRule(), name: 'r', threshold: '0.2', webhook: 'http://h/x' })).toEqual({ name: 'r', metric: 'errorRate', window: 50, op: 'above', threshold: 0.2, webhook: 'http://h/x' });
    const rule = { name: 'slow', metric: 'p95Ms', window: '5m', op: 'above' as const, threshold: 2000, webhook: 'https://h/x', label: 'production', enabled: false };
    expect(draftToRule(ruleToDraft(rule))).toEqual(rule);
  });
});

describe('the per-node table', () => {
  const point = (t: string, runs: number, errors: number, p95Ms: number | null, costUsd = 0) => ({ t, runs, errors, errorRate: runs ? errors / runs : 0, p50Ms: p95Ms, p95Ms, p99Ms: p95Ms, tokensIn: runs, tokensOut: 2 * runs, costUsd });
  it('adds a node up over the window, keeps its worst step p95, and leaves out nodes that never ran', () => {
    const rows = nodeRows([
      { key: 'answer', nodeType: 'llm', points: [point('a', 3, 1, 120, 0.01), point('b', 0, 0, null), point('c', 2, 0, 300, 0.02)] },
      { key: 'route', nodeType: 'router', points: [point('a', 5, 0, 2)] },
      { key: 'unused', nodeType: 'code', points: [point('a', 0, 0, null)] },
    ]);
    expect(rows.map((r) => r.node)).toEqual(['answer', 'route']);
    expect(rows[0]).toMatchObject({ type: 'llm', calls: 5, errors: 1, p95Ms: 300, tokens: 15 });
    expect(rows[0].costUsd).toBeCloseTo(0.03);
  });
});
