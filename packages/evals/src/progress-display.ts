import { progressBar } from '@patchbay/core/progress-bar';
import { whyNotPassed } from './case-reasons';
import type { EvalProgress } from './eval-runner';

/**
 * Eval progress on stderr: on a terminal one bar redrawn in place; otherwise
 * (CI logs, pipes) one plain line per finished case. Concurrency changes (rate
 * limits) are reported either way.
 */
export function progressDisplay(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {
  const tty = stream.isTTY === true;
  const bar = progressBar(stream);
  let lastLimit: number | undefined;

  return {
    update(p: EvalProgress) {
      if (lastLimit !== undefined && p.concurrency !== lastLimit) {
        bar.clear();
        stream.write(`${p.concurrency < lastLimit ? 'rate limited' : 'recovering'}: concurrency ${lastLimit} → ${p.concurrency}\n`);
      }
      lastLimit = p.concurrency;
      if (tty) {
        bar.draw(p.done, p.total, `${p.done}/${p.total}  ✓ ${p.passed}  ✗ ${p.failed - p.errors}  ! ${p.errors}  ×${p.concurrency}`);
      } else if (p.record) {
        const r = p.record;
        const why = r.status === 'passed' ? '' : ` — ${whyNotPassed(r)}`;
        stream.write(`[${p.done}/${p.total}] ${r.id}${r.repeat > 1 ? ` #${r.repeat}` : ''} ${r.status} (${r.latencyMs} ms)${why.replace(/\s+/g, ' ').slice(0, 300)}\n`);
      }
    },
    /** Ends the bar's line so what follows starts clean. */
    done: () => bar.end(),
  };
}
