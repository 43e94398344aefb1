// The map bench: a `map` over N items through a one-node child pipeline (offline model), beside the same
// work as a flat loop of runs through the public API (`runPipeline` per item).
import { preparePipeline, runPipeline, type PipelineDocument, type PipelineResolver, type Services } from '@patchbay/core';
import { createModelService, createOfflineProvider } from '@patchbay/core/node';

export interface MapFigures {
  items: number;
  /** µs per item of the whole map node run, child runs included. */
  mapUsPerItem: number;
  /** µs per item of a loop of `runPipeline` calls doing the same work. */
  loopUsPerItem: number;
  /** µs of one run of the child itself (prepared once): what every item costs at the least. */
  childRunUs: number;
}

/** input → llm (offline:echo) → output: one working node. */
const child: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'echo-one',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'say', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' } },
    { id: 'a', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 'say.q' },
    { from: 'say.text', to: 'a.value' },
  ],
};

const parent = (items: number): PipelineDocument => ({
  format: 'patchbay.pipeline/v1',
  name: 'map-bench',
  nodes: [
    { id: 'list', type: 'input', config: { name: 'items', valueType: 'json' } },
    { id: 'each', type: 'map', config: { ref: 'echo-one@v1', concurrency: 4, maxItems: items } },
    { id: 'out', type: 'output', config: { name: 'results' } },
  ],
  edges: [
    { from: 'list.value', to: 'each.items' },
    { from: 'each.results', to: 'out.value' },
  ],
});

const store: PipelineResolver = {
  resolve: async (ref) => (ref === 'echo-one@v1' ? { name: 'echo-one', version: 1, document: child } : { error: `no ${ref}` }),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Median ms of each task, sampled in turns (map, loop, child, map, …) so a busy moment hits all three alike. */
async function sampleInTurns(samples: number, warmup: number, tasks: (() => Promise<void>)[]): Promise<number[]> {
  const times: number[][] = tasks.map(() => []);
  for (let s = 0; s < warmup + samples; s++) {
    for (const [i, task] of tasks.entries()) {
      globalThis.gc?.();
      const t0 = performance.now();
      await task();
      if (s >= warmup) times[i].push(performance.now() - t0);
    }
  }
  return times.map(median);
}

export async function mapFigures(quick: boolean): Promise<MapFigures> {
  const n = quick ? 2_000 : 10_000;
  const samples = quick ? 3 : 7;
  const warmup = 2;
  const services: Partial<Services> = { models: createModelService({ offline: createOfflineProvider() }), pipelines: store };
  const items = Array.from({ length: n }, (_, i) => `question ${i}`);
  const doc = parent(n);

  const prepared = preparePipeline(child);
  const [mapMs, loopMs, childMs] = await sampleInTurns(samples, warmup, [
    async () => {
      const result = await runPipeline(doc, { items }, { services });
      if (result.status !== 'succeeded') throw new Error(`map run ${result.status}: ${result.error}`);
    },
    async () => {
      for (const question of items) {
        const result = await runPipeline(child, { question }, { services });
        if (result.status !== 'succeeded') throw new Error(`loop run ${result.status}: ${result.error}`);
      }
    },
    async () => {
      for (const question of items) await prepared.run({ question }, { services });
    },
  ]);
  const us = (ms: number) => Math.round(((ms * 1000) / n) * 100) / 100;
  return { items: n, mapUsPerItem: us(mapMs), loopUsPerItem: us(loopMs), childRunUs: us(childMs) };
}
