import { existsSync } from 'node:fs';
import type { RetrievalStore } from '@patchbay/core/node';
import { UsageError, type CliIO } from './command';
import { openWorkspaceServices } from './workspace-services';
import { dataDirHint } from './data-dir-hint';

/**
 * The retrieval store of the workspace `patchbay index` and `search` work on:
 * the same data dir (`--data` > PATCHBAY_DATA > ./.patchbay) and config (for
 * embedding providers) as `patchbay run` and `serve`.
 */
export async function openWorkspaceRetrieval(values: { data?: string; config?: string }, io: CliIO, options: { writes: boolean }) {
  const { RetrievalInputError, resolveDataDir } = await import('@patchbay/core/node');
  const dataDir = resolveDataDir({ flag: values.data, env: io.env, cwd: io.cwd });
  const created = options.writes && !existsSync(dataDir);
  // Reading (search) never creates the data dir; writing (index) does, and says where.
  const services = await openWorkspaceServices(values, io, { createDataDir: options.writes });
  if (created) io.stderr.write(`created the data dir ${services.dataDir}\n`);
  return {
    store: services.retrieval,
    /** Runs `work`; the store's input errors (unknown index, unreadable file…) become usage errors (exit 2). */
    async run<T>(work: (store: RetrievalStore) => Promise<T>): Promise<T> {
      try {
        return await work(services.retrieval);
      } catch (err) {
        if (err instanceof RetrievalInputError) {
          const hint = dataDirHint(err.message, services.dataDir);
          throw new UsageError(hint ? `${err.message}; ${hint}` : err.message);
        }
        throw err;
      }
    },
    close: () => services.close(),
  };
}
