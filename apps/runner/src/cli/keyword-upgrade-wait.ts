import path from 'node:path';
import type { RetrievalStore } from '@patchbay/core/node';
import type { CliIO } from './command';
import { indexProgress } from './index-progress';
import { oldKeywordIndexesNote } from '../workspace/old-keyword-indexes-note';

const POLL_MS = 100;

/**
 * The one-time re-read of the keyword indexes of a retrieval file written by an earlier version
 * runs in the background from the open; a CLI command waits for it before its own work, saying why
 * (with a bar on a terminal), since its close would otherwise throw the re-read away every time.
 */
export async function awaitKeywordUpgrade(retrieval: RetrievalStore, dataDir: string, io: CliIO): Promise<void> {
  if (retrieval.keywordIndexesOld) io.stderr.write(`${oldKeywordIndexesNote(dataDir)}\n`);
  // What the open started, not upgrading(): a small index is re-read before the command gets here.
  const started = retrieval.keywordUpgrade;
  if (!started) return;
  io.stderr.write(`upgrading the keyword indexes of ${path.join(dataDir, 'retrieval.sqlite')}, written by an earlier version (${started.total} chunks; this happens once)\n`);
  const bar = indexProgress(io.stderr);
  const timer = setInterval(() => {
    const p = retrieval.upgrading();
    if (p) bar.update({ stage: 'upgrading', ...p });
  }, POLL_MS);
  try {
    await retrieval.upgraded();
  } finally {
    clearInterval(timer);
    bar.done();
  }
}
