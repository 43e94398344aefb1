import { progressBar } from '@patchbay/core/progress-bar';

/** Least time between two redraws on a terminal: a promotion reports every case that finishes. */
const REDRAW_MS = 100;

/**
 * `patchbay promote` progress on stderr while a version is evaluated, so minutes of model calls do not look
 * like a hang. On a terminal one line redrawn in place, as `patchbay eval` draws its bar:
 * `[████████░░░░░░░░░░░░░░░░] v4: 12/40 cases  3s`. Elsewhere (CI logs, pipes) a line `v4: 12/40 cases`
 * at each tenth of the cases and at the last, so a log shows it moving without a line per case.
 */
export function promotionProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }) {
  const tty = stream.isTTY === true;
  const bar = progressBar(stream, { redrawMs: REDRAW_MS });
  const lastTenth = new Map<number, number>();
  return {
    /** A line of its own (a version evaluated or reused): the bar, if drawn, ends first. */
    line(text: string) {
      bar.end();
      stream.write(`${text}\n`);
    },
    update(version: number, done: number, total: number) {
      if (!tty) {
        const tenth = total > 0 ? Math.floor((done * 10) / total) : 10;
        if (tenth <= (lastTenth.get(version) ?? 0) && done < total) return;
        lastTenth.set(version, tenth);
        stream.write(`v${version}: ${done}/${total} cases\n`);
        return;
      }
      bar.draw(done, total, `v${version}: ${done}/${total} cases`);
      // A version's eval is over: its bar stays as a line of the log.
      if (done >= total) bar.end();
    },
    /** Ends the bar's line so what follows starts clean. */
    done: () => bar.end(),
  };
}
