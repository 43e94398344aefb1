import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CHUNK_SIZE, DEFAULT_OVERLAP, MIN_CHUNK_SIZE, type IngestItem, type RetrievalStore } from '@patchbay/core/node';
import { EXIT_OK, UsageError, type Command } from '../command';
import { indexProgress } from '../index-progress';
import { positiveInteger } from '../integer-flag';
import { flagOrEnv, reasonAbout } from '../flag-or-env';
import { openWorkspaceRetrieval } from '../retrieval-workspace';
import { workspaceRedactor } from '../workspace-services';
import type { Redactor } from '../../http/secrets';
import { sqliteStoreDir, StoreLocationError } from '../../queue/store-location';
import { redactUrl } from '../../queue/redis-url';
import { RUNNER_DB_FILE } from '../../store/db';
import { isPostgresUrl } from '../../store/store-url';

export const command: Command = {
  name: 'index',
  summary: 'add files to a retrieval index',
  usage: `Usage: patchbay index NAME FILE... [--embedding MODEL] [--chunk-size N] [--overlap N]
                     [--data DIR] [--config FILE] [--store STORE]

Adds files to the retrieval index NAME (created on first use) in the data dir,
where "patchbay run", "patchbay serve" and retrieve nodes find it. Files:
  .md, .txt        one document per file, split into chunks by paragraphs
  .json            an array of documents (or one): strings, or objects with
                   "text" (or "content"), an optional "id", other fields kept as metadata
  .jsonl           one such document per line
Each chunk's source is the file path as given; its id is the path in normal
form (./a.md and a.md are one document). Indexing a file again replaces
its chunks. Prints how many chunks were indexed; on a terminal, a progress bar
on stderr shows the chunks embedded and written meanwhile.

Options:
  --embedding MODEL  embedding model for vector and hybrid search, "<provider>:<model>"
                     (default offline:hash; "none" builds a keyword-only index).
                     An index keeps the model it was created with.
  --chunk-size N     largest chunk in characters (default 1000, at least 20)
  --overlap N        characters repeated from the end of the previous chunk (default 100,
                     less than half the chunk size)
  --data DIR         data dir (default $PATCHBAY_DATA or ./.patchbay)
  --config FILE      workspace config, for embedding providers (default DIR/patchbay.config.json)
  --store STORE      scaled out (env PATCHBAY_STORE): also publish the index to the shared
                     store (postgres://… or a data dir), so workers' jobs enqueued from now
                     on use it; run it on the serving data dir (see docs/scaling.md)
  --debug            show stack traces
  -h, --help         show this help

Exit codes: 0 indexed; 1 the embedding provider failed, or the store could not
take the index (it is indexed in the data dir all the same); 2 bad usage, a file that
is missing, unsupported or not valid JSON, or a model that differs from the index's.`,
  options: {
    embedding: { type: 'string' },
    'chunk-size': { type: 'string' },
    overlap: { type: 'string' },
    data: { type: 'string' },
    config: { type: 'string' },
    store: { type: 'string' },
  },
  positionals: [2, Infinity],
  async run({ values, positionals }, io) {
    const [name, ...files] = positionals;
    // The chunker's own limits, checked here so the message names the flags.
    const chunkSize = values['chunk-size'] === undefined ? undefined : positiveInteger(values['chunk-size'], '--chunk-size', MIN_CHUNK_SIZE);
    const overlap = values.overlap === undefined ? undefined : positiveInteger(values.overlap, '--overlap', 0);
    const size = chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (overlap === undefined && DEFAULT_OVERLAP >= size / 2) {
      throw new UsageError(`--chunk-size ${size} leaves no room for the default --overlap (${DEFAULT_OVERLAP}), which must be less than half of it: give --overlap ${Math.ceil(size / 2) - 1} or less`);
    }
    if (overlap !== undefined && overlap >= size / 2) throw new UsageError(`--overlap must be less than half of --chunk-size (${size}), got ${overlap}`);
    const embeddingModel = values.embedding === undefined ? undefined : values.embedding === 'none' ? null : String(values.embedding);
    if (typeof embeddingModel === 'string' && !/^[^:]+:.+$/.test(embeddingModel)) throw new UsageError(`--embedding must be "<provider>:<model>" or "none", got "${embeddingModel}"`);

    const storeSetting = flagOrEnv(values.store, io.env, '--store', 'PATCHBAY_STORE');
    let storeTarget: string | undefined;
    try {
      storeTarget = storeSetting === undefined ? undefined : sqliteStoreDir(storeSetting.text, io.cwd);
    } catch (err) {
      if (err instanceof StoreLocationError && storeSetting) throw new UsageError(reasonAbout(storeSetting, '--store', err.message));
      throw err;
    }
    // A data dir store is made by the servers and workers that share it: a mistyped path is refused, not created.
    if (storeSetting && storeTarget !== undefined && !isPostgresUrl(storeTarget) && !existsSync(path.join(storeTarget, RUNNER_DB_FILE))) {
      throw new UsageError(`${storeSetting.name} ${storeTarget} holds no Patchbay store (${RUNNER_DB_FILE}): give the data dir or postgres:// URL your servers and workers share`);
    }

    // As over the API, an index never holds a key: it is a file in the data dir, published to the store with --store.
    const redactor = workspaceRedactor(io.env);
    for (const [value, what] of [[name, 'NAME'], [embeddingModel, '--embedding']] as const) {
      const hit = value ? redactor.find(value) : undefined;
      if (hit) throw new UsageError(`${what} holds ${hit.part ? 'part of ' : ''}the value of ${hit.name}`);
    }
    const { readIngestFiles, validateIndexName, RetrievalInputError } = await import('@patchbay/core/node');
    // Read before the workspace opens: files it refuses (missing, a folder) leave no data dir made for nothing.
    const items = await (async () => {
      validateIndexName(name); // before reading what may be many files
      return readIngestFiles(files, { cwd: io.cwd });
    })().catch((err: unknown) => {
      throw err instanceof RetrievalInputError ? new UsageError(err.message) : err;
    });
    refuseSecrets(items, redactor);

    const workspace = await openWorkspaceRetrieval(values, io, { writes: true });
    try {
      const progress = indexProgress(io.stderr);
      const { chunks } = await workspace
        .run((store: RetrievalStore) => store.ingest(name, items, { embeddingModel, chunkSize, overlap, onProgress: (p) => progress.update(p) }))
        .finally(() => progress.done());
      const info = workspace.store.listIndexes().find((i) => i.name === name);
      io.stdout.write(
        `indexed ${chunks} chunk${chunks === 1 ? '' : 's'} from ${files.length} file${files.length === 1 ? '' : 's'} into "${name}" ` +
          `(${info?.chunks ?? chunks} in total; ${info?.embeddingModel ? `embeddings: ${info.embeddingModel}` : 'keyword only'})\n`,
      );
      if (storeTarget !== undefined) await publishToStore(storeTarget, name, workspace.store, io);
      return EXIT_OK;
    } finally {
      await workspace.close();
    }
  },
};

function refuseSecrets(items: IngestItem[], redactor: Redactor): void {
  for (const item of items) {
    const hit = redactor.find({ id: item.id, text: item.text, metadata: item.metadata });
    if (!hit) continue;
    const where = hit.path === '$.text' ? 'the text' : hit.path === '$.id' ? 'the id' : hit.path.slice(2);
    throw new UsageError(`${item.source}: ${where} of document "${item.id}" holds ${hit.part ? 'part of ' : ''}the value of ${hit.name}; remove it before indexing`);
  }
}

/** Publishes the index to the shared store as `serve --queue` does after an ingest through the API. */
async function publishToStore(target: string, name: string, retrieval: RetrievalStore, io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const where = redactUrl(target);
  const [{ openStore }, { publishIndex }] = await Promise.all([import('../../store/index'), import('../../workspace/publish-index')]);
  // What was done, why the rest was not (the store named once) and what to do: the index waits in the data dir.
  const unpublished = (err: unknown) => {
    const reason = (err as { reason?: string }).reason ?? (err as Error).message;
    return new Error(`indexed "${name}" in the data dir, but could not publish it to the store ${where}: ${reason}; run this again once the store answers (or restart patchbay serve on this data dir: it publishes its indexes as it starts)`);
  };
  let store;
  try {
    store = await openStore(target);
  } catch (err) {
    throw unpublished(err);
  }
  try {
    const published = await publishIndex(store.artifacts, retrieval, name);
    if (published) io.stdout.write(`published "${name}" to the store ${where} as ${published.hash.slice(0, 12)}${published.created ? '' : ' (contents already stored)'}\n`);
  } catch (err) {
    throw unpublished(err);
  } finally {
    await store.close();
  }
}
