// @patchbay/core/node — services that need Node: providers, retrieval, tools, sandbox, cache.
// Each area adds its exports here.
export * from './data-dir';
export * from './config/workspace-config';
export * from './config/shared-config';
export * from './config/mcp-secret-variables';
export * from './services';
export * from './providers/provider';
export * from './providers/model-service';
export * from './providers/offline';
export { I_DONT_KNOW, extractiveAnswer } from './providers/offline-extractive';
export { HASH_DIMENSION, hashEmbedding } from './providers/offline-hash';
export * from './tools/sandbox';
export * from './providers/openai-compatible';
export * from './providers/presets';
export * from './providers/model-availability';
export * from './providers/prices';
export * from './providers/provider-error';
export * from './cache/response-cache';
export * from './cache/with-response-cache';
export * from './retrieval/store';
export { chunkText, DEFAULT_CHUNK_SIZE, DEFAULT_OVERLAP, MIN_CHUNK_SIZE, type ChunkOptions } from './retrieval/chunk';
export { readIngestFiles, INGEST_EXTENSIONS, MAX_INGEST_BYTES } from './retrieval/ingest-files';
export { reciprocalRankFusion, RRF_K } from './retrieval/fusion';
export * from './tools/tool-service';
export type { Tool } from './tools/tool';
export { refusalReason } from './tools/address-guard';
export { RetrievalInputError } from './retrieval/retrieval-input-error';
export { validateIndexName } from './retrieval/ids';
