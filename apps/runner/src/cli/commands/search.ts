import type { Document, RetrievalMode } from '@patchbay/core';
import { EXIT_OK, UsageError, type Command } from '../command';
import { positiveInteger } from '../integer-flag';
import { openWorkspaceRetrieval } from '../retrieval-workspace';
import { terminalText } from '../terminal-text';

const MODES: RetrievalMode[] = ['keyword', 'vector', 'hybrid'];
const PREVIEW = 80;

export const command: Command = {
  name: 'search',
  summary: 'search a retrieval index',
  usage: `Usage: patchbay search NAME QUERY [--mode keyword|vector|hybrid] [--top-k N] [--json]
                      [--data DIR] [--config FILE]

Searches the retrieval index NAME and prints one result per line, best first:
  SOURCE  SCORE  the first ${PREVIEW} characters of the chunk…
SOURCE is the file the chunk came from (its id when it has none). Scores are
higher-is-better: bm25 for keyword, cosine similarity for vector, reciprocal
rank fusion (k = 60) for hybrid.

Options:
  --mode MODE    keyword (default; FTS5 bm25), vector (embeddings) or hybrid (both, fused)
  --top-k N      number of results (default 5)
  --json         print the results as a JSON array of {id, text, score, source, metadata}
  --data DIR     data dir (default $PATCHBAY_DATA or ./.patchbay)
  --config FILE  workspace config, for embedding providers (default DIR/patchbay.config.json)
  --debug        show stack traces
  -h, --help     show this help

Exit codes: 0 searched (also when nothing matched: "no results" on stderr);
1 the embedding provider failed; 2 bad usage or an unknown index.`,
  options: {
    mode: { type: 'string' },
    'top-k': { type: 'string' },
    json: { type: 'boolean' },
    data: { type: 'string' },
    config: { type: 'string' },
  },
  positionals: [2, 2],
  async run({ values, positionals }, io) {
    const [name, query] = positionals;
    const mode = (values.mode ?? 'keyword') as RetrievalMode;
    if (!MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got "${values.mode}"`);
    const topK = values['top-k'] === undefined ? 5 : positiveInteger(values['top-k'], '--top-k', 1, 1000);

    const workspace = await openWorkspaceRetrieval(values, io, { writes: false });
    try {
      const docs = await workspace.run((store) => store.search(name, query, { topK, mode }));
      if (values.json) io.stdout.write(JSON.stringify(docs, null, 2) + '\n');
      else if (docs.length === 0) io.stderr.write('no results\n');
      else io.stdout.write(resultLines(docs).join('\n') + '\n');
      return EXIT_OK;
    } finally {
      await workspace.close();
    }
  },
};

/** `source  score  preview…`, sources padded to one width so scores line up. */
function resultLines(docs: Document[]): string[] {
  const sources = docs.map((d) => terminalText(d.source ?? d.id));
  const width = Math.max(...sources.map((s) => s.length));
  return docs.map((d, i) => {
    const text = d.text.replace(/\s+/g, ' ').trim();
    // Cut first, then escape: an escape is never cut in half.
    const preview = text.length > PREVIEW ? `${terminalText(text.slice(0, PREVIEW).trimEnd())}…` : terminalText(text);
    return `${sources[i].padEnd(width)}  ${formatScore(d.score)}  ${preview}`;
  });
}

/** Two decimals, or two significant digits for the small numbers rank fusion gives. */
function formatScore(score: number): string {
  return Math.abs(score) >= 0.1 || score === 0 ? score.toFixed(2) : score.toPrecision(2);
}
