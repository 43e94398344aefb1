/** How many cells the bar has. */
const WIDTH = 24;

/**
 * The progress bar the CLI draws on a terminal (patchbay eval, index, promote): one line on `stream`
 * redrawn in place, `[████████░░░░░░░░░░░░░░░░] TEXT  3s`, the seconds counted from when the bar was made.
 * What the line says, and what a command writes where there is no terminal, is the command's.
 */
export function progressBar(stream: NodeJS.WritableStream, options: { redrawMs?: number } = {}) {
  const redrawMs = options.redrawMs ?? 0;
  const started = Date.now();
  let drawn = false;
  let drawnAt = 0;
  return {
    /**
     * Draws `done` of `total` with `text` after the bar. With `redrawMs`, a redraw sooner than that after the last is
     * skipped (for callers that report every item), but never the last (`done` = `total`): the bar does not stop short.
     */
    draw(done: number, total: number, text: string) {
      const now = Date.now();
      if (drawn && done < total && now - drawnAt < redrawMs) return;
      drawnAt = now;
      const filled = total ? Math.round((done / total) * WIDTH) : WIDTH;
      const secs = ((now - started) / 1000).toFixed(0);
      stream.write(`\r\x1b[2K[${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${text}  ${secs}s`);
      drawn = true;
    },
    /** Wipes the bar's line, for a line written in its place (the next draw starts afresh). */
    clear() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
    /** Ends the bar's line so what follows starts clean. */
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

export type ProgressBar = ReturnType<typeof progressBar>;
