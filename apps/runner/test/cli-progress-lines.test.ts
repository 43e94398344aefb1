import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { indexProgress } from '../src/cli/index-progress';
import { promotionProgress } from '../src/cli/promotion-progress';

// What patchbay index and patchbay promote write to stderr, byte for byte, on a terminal and elsewhere.
// The clock is set by hand, so the seconds and the redraw pauses are what each step says.

function sink(isTTY: boolean) {
  let text = '';
  const stream = Object.assign(new Writable({ write(chunk, _enc, done) { text += chunk; done(); } }), { isTTY });
  return { stream, text: () => text };
}

const T0 = Date.UTC(2026, 11, 5, 6, 0, 0);
const at = (ms: number) => vi.setSystemTime(T0 + ms);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  at(0);
});
afterEach(() => vi.useRealTimers());

describe('patchbay index progress', () => {
  it('on a terminal redraws one bar in place, at most every 100 ms but always at a stage\'s last chunk, and ends its line', () => {
    const out = sink(true);
    const bar = indexProgress(out.stream);
    bar.update({ stage: 'embedding', done: 0, total: 300 });
    at(50);
    bar.update({ stage: 'embedding', done: 100, total: 300 }); // within 100 ms: not drawn
    at(1_200);
    bar.update({ stage: 'embedding', done: 150, total: 300 });
    at(1_250);
    bar.update({ stage: 'embedding', done: 300, total: 300 }); // the last: drawn
    at(2_600);
    bar.update({ stage: 'writing', done: 300, total: 300 });
    bar.done();
    bar.done();
    expect(out.text()).toBe(
      '\r\x1b[2K[░░░░░░░░░░░░░░░░░░░░░░░░] embedding 0/300 chunks  0s' +
        '\r\x1b[2K[████████████░░░░░░░░░░░░] embedding 150/300 chunks  1s' +
        '\r\x1b[2K[████████████████████████] embedding 300/300 chunks  1s' +
        '\r\x1b[2K[████████████████████████] writing 300/300 chunks  3s' +
        '\n',
    );
  });

  it('elsewhere writes nothing, and a stage of no chunks draws a full bar', () => {
    const piped = sink(false);
    const bar = indexProgress(piped.stream);
    bar.update({ stage: 'embedding', done: 1, total: 3 });
    bar.done();
    expect(piped.text()).toBe('');
    const tty = sink(true);
    const empty = indexProgress(tty.stream);
    empty.update({ stage: 'upgrading', done: 0, total: 0 });
    empty.done();
    expect(tty.text()).toBe('\r\x1b[2K[████████████████████████] upgrading 0/0 chunks  0s\n');
  });
});

describe('patchbay promote progress', () => {
  it('on a terminal redraws one bar per version, ends its line at the last case and before a line of its own', () => {
    const out = sink(true);
    const p = promotionProgress(out.stream);
    p.line('v4: evaluating (eval e1)');
    p.update(4, 1, 40);
    at(40);
    p.update(4, 2, 40); // within 100 ms: not drawn
    at(3_400);
    p.update(4, 12, 40);
    p.line('v3: reusing stored eval e0');
    at(4_000);
    p.update(3, 40, 40);
    p.line('v2: evaluating (eval e2)');
    p.done();
    expect(out.text()).toBe(
      'v4: evaluating (eval e1)\n' +
        '\r\x1b[2K[█░░░░░░░░░░░░░░░░░░░░░░░] v4: 1/40 cases  0s' +
        '\r\x1b[2K[███████░░░░░░░░░░░░░░░░░] v4: 12/40 cases  3s' +
        '\n' +
        'v3: reusing stored eval e0\n' +
        '\r\x1b[2K[████████████████████████] v3: 40/40 cases  4s' +
        '\n' +
        'v2: evaluating (eval e2)\n',
    );
  });

  it('elsewhere writes a line at each tenth of a version\'s cases and at its last', () => {
    const out = sink(false);
    const p = promotionProgress(out.stream);
    p.line('v4: evaluating (eval e1)');
    for (let done = 1; done <= 25; done++) p.update(4, done, 25);
    p.update(3, 0, 0);
    p.done();
    expect(out.text()).toBe(
      [
        'v4: evaluating (eval e1)',
        'v4: 3/25 cases',
        'v4: 5/25 cases',
        'v4: 8/25 cases',
        'v4: 10/25 cases',
        'v4: 13/25 cases',
        'v4: 15/25 cases',
        'v4: 18/25 cases',
        'v4: 20/25 cases',
        'v4: 23/25 cases',
        'v4: 25/25 cases',
        'v3: 0/0 cases',
        '',
      ].join('\n'),
    );
  });
});
