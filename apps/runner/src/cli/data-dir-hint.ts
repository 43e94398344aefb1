import { existsSync } from 'node:fs';

/** Messages of an index or a tool the workspace does not have (retrieval store, tool service, agent). */
const UNKNOWN_NAME = /\bunknown (index|tools?) "/;

/**
 * For an error about an unknown index or tool: where the CLI looked, and how to
 * look elsewhere — the usual cause is running from another folder than the workspace's.
 */
export function dataDirHint(message: string, dataDir: string): string | undefined {
  const m = UNKNOWN_NAME.exec(message);
  if (!m) return undefined;
  const what = m[1] === 'index' ? 'indexes' : 'tools';
  const where = existsSync(dataDir) ? `the data dir ${dataDir}` : `the data dir ${dataDir}, which does not exist`;
  return `looked for ${what} in ${where}; pass --data DIR (or set PATCHBAY_DATA) to use another workspace`;
}

/** The same for evals run with the workspace a shared store holds: the servers publish what their data dir has. */
export function storeWorkspaceHint(message: string): string | undefined {
  const m = UNKNOWN_NAME.exec(message);
  if (!m) return undefined;
  return m[1] === 'index'
    ? 'looked for indexes in the workspace published to the store: index it on a serving data dir with patchbay index NAME FILE… --store STORE (or ingest it through a server)'
    : 'looked for tools in the workspace config published to the store: add it to the servers\' patchbay.config.json and restart them';
}
