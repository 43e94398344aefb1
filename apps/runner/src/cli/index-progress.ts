import type { IngestProgress } from '@patchbay/core/node';
import { progressBar } from '@patchbay/core/progress-bar';

/** Least time between two redraws: an ingest reports every chunk it writes. */
const REDRAW_MS = 100;

/**
 * `patchbay index` progress on stderr, drawn the way `patchbay eval` draws its
 * bar on a terminal: one line redrawn in place,
 * `[████████░░░░░░░░░░░░░░░░] embedding 512/1500 chunks  3s`. Elsewhere (CI
 * logs, pipes) nothing: the line on stdout says what was indexed.
 */
export function indexProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }) {
  const tty = stream.isTTY === true;
  const bar = progressBar(stream, { redrawMs: REDRAW_MS });
  return {
    update(p: IngestProgress | { stage: 'upgrading'; done: number; total: number }) {
      if (tty) bar.draw(p.done, p.total, `${p.stage} ${p.done}/${p.total} chunks`);
    },
    /** Ends the bar's line so what follows starts clean. */
    done: () => bar.end(),
  };
}
