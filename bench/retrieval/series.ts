import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
import { createModelService, createOfflineProvider, openRetrievalStore } from '@patchbay/core/node';
import { buildCorpus } from './corpus';

export type Engine = 'patchbay' | 'minisearch';

export interface Timing {
  p50: number;
  p99: number;
}

export interface SeriesResult {
  engine: Engine;
  chunks: number;
  ingestSeconds: number;
  keyword: Timing;
  /** Patchbay only: the offline:hash vector index over the same chunks, and hybrid queries on it. */
  vectorIngestSeconds?: number;
  hybrid?: Timing;
  meanHits: number;
  peakRssMb: number;
  dbMb?: number;
}

const TOP_K = 10;
const WARM_UP = 30;

function percentiles(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

async function time(queries: string[], search: (q: string) => Promise<number> | number): Promise<{ timing: Timing; meanHits: number }> {
  for (const q of queries.slice(0, WARM_UP)) await search(q);
  const samples: number[] = [];
  let hits = 0;
  for (const q of queries) {
    const start = performance.now();
    hits += await search(q);
    samples.push(performance.now() - start);
  }
  return { timing: percentiles(samples), meanHits: hits / queries.length };
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

export async function runSeries(engine: Engine, chunkCount: number): Promise<SeriesResult> {
  const { chunks, queries } = buildCorpus(chunkCount);
  globalThis.gc?.();

  if (engine === 'minisearch') {
    const index = new MiniSearch<{ id: string; text: string }>({ fields: ['text'], storeFields: [] });
    const start = performance.now();
    index.addAll(chunks);
    const ingestSeconds = (performance.now() - start) / 1000;
    const { timing, meanHits } = await time(queries, (q) => index.search(q).slice(0, TOP_K).length);
    return { engine, chunks: chunkCount, ingestSeconds, keyword: timing, meanHits, peakRssMb: peakRssMb() };
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-bench-retrieval-'));
  const store = openRetrievalStore({ dataDir, models: createModelService({ offline: createOfflineProvider() }) });
  try {
    // The keyword index alone: what `ingestSeconds` measures.
    let start = performance.now();
    await store.ingest('keyword', chunks, { embeddingModel: null });
    const ingestSeconds = (performance.now() - start) / 1000;
    const keyword = await time(queries, async (q) => (await store.search('keyword', q, { topK: TOP_K, mode: 'keyword' })).length);

    // The same chunks with offline:hash vectors (sqlite-vec) for hybrid search.
    start = performance.now();
    await store.ingest('hybrid', chunks, { embeddingModel: 'offline:hash' });
    const vectorIngestSeconds = (performance.now() - start) / 1000;
    const hybrid = await time(queries.slice(0, 100), async (q) => (await store.search('hybrid', q, { topK: TOP_K, mode: 'hybrid' })).length);
    const { statSync } = await import('node:fs');
    const dbMb = statSync(join(dataDir, 'retrieval.sqlite')).size / 1024 / 1024;
    return {
      engine,
      chunks: chunkCount,
      ingestSeconds,
      keyword: keyword.timing,
      vectorIngestSeconds,
      hybrid: hybrid.timing,
      meanHits: keyword.meanHits,
      peakRssMb: peakRssMb(),
      dbMb,
    };
  } finally {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
