import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { CaseCompareTable } from '../src/components/evals/CaseCompareTable';
import type { CaseRecord, Comparison, EvalResult } from '../src/lib/evals-api';

const attempt = (id: string, repeat: number, pass: boolean, answer: string): CaseRecord => ({
  id,
  repeat,
  status: pass ? 'passed' : 'failed',
  input: { question: `about ${id}` },
  expected: 'yes',
  outputs: { answer },
  scores: { exact: { score: pass ? 1 : 0, pass, reason: pass ? 'equal' : `expected "yes", got "${answer}"` } },
  latencyMs: 5,
  tokens: null,
  costUsd: null,
  runId: `run-${id}-${answer}-${repeat}`,
});

const result = (id: string, cases: CaseRecord[]) => ({ id, cases } as unknown as EvalResult);

describe('the compare view case table', () => {
  it('judges a repeated case by all its attempts on each side, and diffs the first attempts', () => {
    // c1 passed both attempts in A and one of two in B: regressed, though both first attempts passed.
    const a = result('A', [attempt('c1', 1, true, 'yes'), attempt('c1', 2, true, 'yes'), attempt('c2', 1, false, 'no'), attempt('c2', 2, false, 'no')]);
    const b = result('B', [attempt('c1', 1, true, 'yes'), attempt('c1', 2, false, 'nope'), attempt('c2', 1, false, 'no'), attempt('c2', 2, false, 'nah')]);
    const cmp = { scorers: { exact: {} }, regressed: ['c1'], improved: [], unchanged: ['c2'], onlyInBaseline: [], onlyInCurrent: [] } as unknown as Comparison;
    const onOpenRun = vi.fn();
    render(<CaseCompareTable cmp={cmp} a={a} b={b} onOpenRun={onOpenRun} />);

    expect(screen.getByTestId('status-A-c1').textContent).toBe('2/2 passed');
    expect(screen.getByTestId('status-B-c1').textContent).toBe('1/2 passed');
    expect(screen.getByTestId('status-B-c1').className).toContain('flaky');
    expect(screen.getByTestId('status-B-c2').textContent).toBe('0/2 passed');
    const row = screen.getByTestId('compare-case-c1');
    expect(row.getAttribute('data-change')).toBe('regressed');
    // The mean of the attempts' scores, each attempt's reason on hover.
    const score = [...row.querySelectorAll('.score')].map((e) => [e.textContent?.trim(), e.getAttribute('title')]);
    expect(score).toEqual([
      ['exact 1.00', 'exact (mean of attempts): #1 equal\n#2 equal'],
      ['exact 0.50', 'exact (mean of attempts): #1 equal\n#2 expected "yes", got "nope"'],
    ]);
    expect(row.textContent).toContain('first attempt');
    fireEvent.click(screen.getByTestId('trace-B-c1'));
    expect(onOpenRun).toHaveBeenCalledWith('run-c1-yes-1');
  });

  it('keeps the plain status and score for single attempts', () => {
    const a = result('A', [attempt('c1', 1, true, 'yes')]);
    const b = result('B', [attempt('c1', 1, false, 'no')]);
    const cmp = { scorers: { exact: {} }, regressed: ['c1'], improved: [], unchanged: [], onlyInBaseline: [], onlyInCurrent: [] } as unknown as Comparison;
    render(<CaseCompareTable cmp={cmp} a={a} b={b} onOpenRun={() => {}} />);
    expect(screen.getByTestId('status-A-c1').textContent).toBe('passed');
    expect(screen.getByTestId('status-B-c1').textContent).toBe('failed');
    expect(screen.getByTestId('compare-case-c1').textContent).not.toContain('first attempt');
  });
});
