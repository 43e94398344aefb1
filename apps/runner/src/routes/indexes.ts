import { createRoute, z } from '@hono/zod-openapi';
import { IndexesBusyError, ProviderError, RetrievalInputError } from '@patchbay/core/node';
import { HttpProblem } from '../http/problem';
import { asStorageFailure } from '../store/storage-health';
import { refuseSecretValues } from '../http/secrets';
import { jsonContent, problemResponses } from './common-schemas';
import type { IndexService, AppDeps, RouteModule } from './route-module';

const IndexSchema = z.object({ name: z.string(), chunks: z.number().int(), embeddingModel: z.string().nullable() }).openapi('Index');

const DocumentResultSchema = z
  .object({
    id: z.string(),
    text: z.string(),
    score: z.number(),
    source: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('RetrievedDocument');

const NameParams = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'an index name is letters, digits, "-", "_" or "." (at most 64, starting with a letter or digit)')
    .openapi({ param: { name: 'name', in: 'path' }, example: 'docs' }),
});

// Strict, as every body the runner takes: a misspelt `top_k` or `chunk_size` would otherwise be dropped and the default used.
const IngestBody = z
  .strictObject({
    documents: z
      .array(
        z.strictObject({
          text: z.string().min(1),
          source: z.string().optional(),
          id: z.string().optional(),
          metadata: z.record(z.string(), z.unknown()).optional(),
        }),
      )
      .min(1)
      .max(10_000),
    embeddingModel: z.string().nullable().optional().openapi({ description: '`<provider>:<model>` for vectors; null for keyword only; default offline:hash for a new index' }),
    chunkSize: z.number().int().min(50).max(100_000).optional(),
    overlap: z.number().int().min(0).max(10_000).optional(),
  })
  .openapi('IngestDocuments');

const SearchBody = z
  .strictObject({
    query: z.string().min(1).max(10_000),
    topK: z.number().int().min(1).max(1000).default(5),
    mode: z.enum(['keyword', 'vector', 'hybrid']).default('keyword'),
    embeddingModel: z.string().optional(),
  })
  .openapi('SearchIndex');

const list = createRoute({
  method: 'get',
  path: '/api/indexes',
  tags: ['indexes'],
  summary: 'Retrieval indexes',
  responses: { 200: jsonContent(z.array(IndexSchema), 'Indexes'), ...problemResponses(401) },
});

const ingest = createRoute({
  method: 'post',
  path: '/api/indexes/{name}/documents',
  tags: ['indexes'],
  summary: 'Add documents to an index (created if new)',
  description: 'Each document is chunked by paragraphs; a document with the id of an earlier one replaces it.',
  request: { params: NameParams, body: { required: true, content: { 'application/json': { schema: IngestBody } } } },
  responses: {
    201: jsonContent(z.object({ index: z.string(), chunks: z.number().int() }).openapi('Ingested'), 'Chunks indexed'),
    ...problemResponses(400, 401, 413, 415, 422, 502, 503),
  },
});

const search = createRoute({
  method: 'post',
  path: '/api/indexes/{name}/search',
  tags: ['indexes'],
  summary: 'Search an index (keyword, vector or hybrid)',
  request: { params: NameParams, body: { required: true, content: { 'application/json': { schema: SearchBody } } } },
  responses: {
    200: jsonContent(z.object({ documents: z.array(DocumentResultSchema) }).openapi('SearchResult'), 'Best first'),
    ...problemResponses(400, 401, 404, 415, 422, 502),
  },
});

/**
 * The retrieval store's errors over HTTP: its input errors are 4xx at the path of
 * their cause (404 for an unknown index, 400 for a document of the batch), a
 * provider that fails is a 502, and a write the storage refused goes on to the
 * app's error handler (507/503, /healthz degraded) like every other write.
 */
function storeProblem(err: unknown): unknown {
  if (asStorageFailure(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RetrievalInputError) {
    if (/^unknown index/.test(message)) return new HttpProblem(404, message, { type: 'index-not-found', errors: [{ path: 'path.name', message }] });
    const path = err.item !== undefined ? `$.documents[${err.item}]${err.field ? `.${err.field}` : ''}` : err.field && `$.${err.field}`;
    // A document of the batch is the request's own fault (400 invalid-request); the rest is what the index cannot take as it stands.
    const type = err.item !== undefined ? undefined : 'index-refused';
    return new HttpProblem(err.item !== undefined ? 400 : 422, message, { ...(type ? { type } : {}), ...(path ? { errors: [{ path, message }] } : {}) });
  }
  if (err instanceof ProviderError) return new HttpProblem(502, message, { type: 'embedding-failed' });
  if (err instanceof IndexesBusyError) return new HttpProblem(503, message, { type: 'indexes-busy', headers: { 'retry-after': '10' } });
  // The store's other refusals: vectors that do not fit the index (a model answering another length than it holds).
  return new HttpProblem(422, message, { type: 'index-refused' });
}

/** A model the runner cannot call (no such provider, its key unset) is refused before any work, as an eval's is. */
function refuseUnavailableModel(deps: AppDeps, model: string | null | undefined): void {
  const reason = model ? deps.modelUnavailable?.(model) : null;
  if (reason) throw new HttpProblem(422, reason, { type: 'model-unavailable', errors: [{ path: '$.embeddingModel', message: reason }] });
}

function needIndexes(indexes: IndexService | undefined): IndexService {
  if (!indexes) throw new HttpProblem(503, 'no retrieval store is configured on this runner');
  return indexes;
}

export const indexRoutes: RouteModule = {
  name: 'indexes',
  register(app, deps) {
    app.openapi(list, async (c) => c.json(deps.indexes ? await deps.indexes.listIndexes() : [], 200));

    app.openapi(ingest, async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      const store = needIndexes(deps.indexes);
      // An index is a file in the data dir: a key pasted into a document must not end up in it,
      // nor in what the index records of itself (its name, its embedding model).
      refuseSecretValues(deps.redactor, name, 'path.name', 'an index name is stored with the index');
      refuseSecretValues(deps.redactor, body, '$', 'remove it before indexing');
      refuseUnavailableModel(deps, body.embeddingModel);
      const result = await store
        .ingest(name, body.documents, { embeddingModel: body.embeddingModel, chunkSize: body.chunkSize, overlap: body.overlap })
        .catch((err) => {
          throw storeProblem(err);
        });
      // Scaled out: runs enqueued after this answer search what was just indexed.
      await store.published?.(name);
      return c.json({ index: name, chunks: result.chunks }, 201);
    });

    app.openapi(search, async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      const store = needIndexes(deps.indexes);
      if (body.mode !== 'keyword') refuseUnavailableModel(deps, body.embeddingModel);
      const documents = await store
        .search(name, body.query, { topK: body.topK, mode: body.mode, embeddingModel: body.embeddingModel, signal: c.req.raw.signal })
        .catch((err) => {
          throw storeProblem(err);
        });
      return c.json({ documents }, 200);
    });
  },
};
