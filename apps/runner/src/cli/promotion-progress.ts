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
  const started = Date.now();
  let drawn = false;
  let drawnAt = 0;
  const lastTenth = new Map<number, number>();
  const end = () => {
    if (drawn) stream.write('\n');
    drawn = false;
  };
  return {
    /** A line of its own (a version evaluated or reused): the bar, if drawn, ends first. */
    line(text: string) {
      end();
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
      const now = Date.now();
      // The last case is always drawn: the bar does not stop short of its end.
      if (drawn && done < total && now - drawnAt < REDRAW_MS) return;
      drawnAt = now;
      const width = 24;
      const filled = total ? Math.round((done / total) * width) : width;
      const secs = ((now - started) / 1000).toFixed(0);
      stream.write(`\r\x1b[2K[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] v${version}: ${done}/${total} cases  ${secs}s`);
      drawn = true;
      if (done >= total) end();
    },
    /** Ends the bar's line so what follows starts clean. */
    done: end,
  };
}
