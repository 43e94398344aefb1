import type { IngestProgress } from '@patchbay/core/node';

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
  const started = Date.now();
  let drawn = false;
  let drawnAt = 0;
  return {
    update(p: IngestProgress | { stage: 'upgrading'; done: number; total: number }) {
      if (!tty) return;
      const now = Date.now();
      // The last chunk of a stage is always drawn: the bar does not stop short of its end.
      if (drawn && p.done < p.total && now - drawnAt < REDRAW_MS) return;
      drawnAt = now;
      const width = 24;
      const filled = p.total ? Math.round((p.done / p.total) * width) : width;
      const secs = ((now - started) / 1000).toFixed(0);
      stream.write(`\r\x1b[2K[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${p.stage} ${p.done}/${p.total} chunks  ${secs}s`);
      drawn = true;
    },
    /** Ends the bar's line so what follows starts clean. */
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
