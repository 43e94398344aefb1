import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { progressDisplay } from '../src/progress-display';
import type { CaseRecord } from '../src/result-types';

function sink(isTTY: boolean) {
  let text = '';
  const stream = Object.assign(new Writable({ write(chunk, _enc, done) { text += chunk; done(); } }), { isTTY });
  return { stream, text: () => text };
}

const record = (id: string, status: CaseRecord['status'], reason = ''): CaseRecord => ({
  id, repeat: 1, status, outputs: {}, scores: { exact: { score: status === 'passed' ? 1 : 0, pass: status === 'passed', reason } }, latencyMs: 12, tokens: null, costUsd: null,
  ...(status === 'error' ? { error: 'node "llm": HTTP 500' } : {}),
});

describe('progress display', () => {
  it('on a terminal redraws one bar in place and ends its line', () => {
    const out = sink(true);
    const d = progressDisplay(out.stream);
    d.update({ done: 0, total: 4, passed: 0, failed: 0, errors: 0, concurrency: 8 });
    d.update({ done: 2, total: 4, passed: 1, failed: 1, errors: 0, concurrency: 8, record: record('a', 'failed', 'no') });
    d.done();
    const text = out.text();
    expect(text.split('\r\x1b[2K')).toHaveLength(3);
    expect(text).toContain('[████████████░░░░░░░░░░░░] 2/4  ✓ 1  ✗ 1  ! 0  ×8');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('on a terminal writes exactly this: a bar at each case, cleared for a concurrency change, its line ended', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const t0 = Date.UTC(2026, 11, 5, 6, 0, 0);
      vi.setSystemTime(t0);
      const out = sink(true);
      const d = progressDisplay(out.stream);
      d.update({ done: 0, total: 3, passed: 0, failed: 0, errors: 0, concurrency: 8 });
      vi.setSystemTime(t0 + 20);
      d.update({ done: 1, total: 3, passed: 1, failed: 0, errors: 0, concurrency: 8, record: record('a', 'passed') });
      vi.setSystemTime(t0 + 2_600);
      d.update({ done: 2, total: 3, passed: 1, failed: 1, errors: 0, concurrency: 4, record: record('b', 'failed', 'no') });
      vi.setSystemTime(t0 + 5_000);
      d.update({ done: 3, total: 3, passed: 1, failed: 2, errors: 1, concurrency: 4, record: record('c', 'error') });
      d.done();
      d.done();
      expect(out.text()).toBe(
        '\r\x1b[2K[░░░░░░░░░░░░░░░░░░░░░░░░] 0/3  ✓ 0  ✗ 0  ! 0  ×8  0s' +
          '\r\x1b[2K[████████░░░░░░░░░░░░░░░░] 1/3  ✓ 1  ✗ 0  ! 0  ×8  0s' +
          '\r\x1b[2K' +
          'rate limited: concurrency 8 → 4\n' +
          '\r\x1b[2K[████████████████░░░░░░░░] 2/3  ✓ 1  ✗ 1  ! 0  ×4  3s' +
          '\r\x1b[2K[████████████████████████] 3/3  ✓ 1  ✗ 1  ! 1  ×4  5s' +
          '\n',
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('elsewhere writes one plain line per case, with why it did not pass, and reports concurrency changes', () => {
    const out = sink(false);
    const d = progressDisplay(out.stream);
    d.update({ done: 0, total: 3, passed: 0, failed: 0, errors: 0, concurrency: 8 });
    d.update({ done: 1, total: 3, passed: 1, failed: 0, errors: 0, concurrency: 8, record: record('a', 'passed') });
    d.update({ done: 2, total: 3, passed: 1, failed: 1, errors: 0, concurrency: 4, record: record('b', 'failed', 'expected "x", got "y"') });
    d.update({ done: 3, total: 3, passed: 1, failed: 2, errors: 1, concurrency: 4, record: record('c', 'error') });
    d.done();
    expect(out.text()).toBe([
      '[1/3] a passed (12 ms)',
      'rate limited: concurrency 8 → 4',
      '[2/3] b failed (12 ms) — exact: expected "x", got "y"',
      '[3/3] c error (12 ms) — node "llm": HTTP 500',
      '',
    ].join('\n'));
    expect(out.text()).not.toContain('\r');
  });
});
