import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PipelineDocument } from '../src/schema/pipeline';
import type { PipelineResolver } from '../src/compose/pipeline-ref';
import { runPipeline } from '../src/engine/run-pipeline';
import { createServices } from '../src/node/services';
import { startOpenAIStub } from '../../../test/support/openai-stub';

/**
 * Maps inside maps against a real OpenAI-compatible server (the stub), with the
 * workspace's services as `patchbay run` builds them: the stub counts the model
 * calls open at once, which is what a user's provider (and bill) sees.
 */

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function doc(name: string, nodes: PipelineDocument['nodes'], edges: string[]): PipelineDocument {
  return { format: 'patchbay.pipeline/v1', name, nodes, edges: edges.map((e) => ({ from: e.split('->')[0].trim(), to: e.split('->')[1].trim() })) };
}

/** input → map(ref) → output: a list in, one result per item out. */
const mapOf = (name: string, config: Record<string, unknown>) =>
  doc(
    name,
    [
      { id: 'list', type: 'input', config: { name: 'items', valueType: 'json' } },
      { id: 'each', type: 'map', config },
      { id: 'out', type: 'output', config: { name: 'results' } },
    ],
    ['list.value -> each.items', 'each.results -> out.value'],
  );

const ask = doc(
  'ask',
  [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'say', type: 'llm', config: { model: 'stub:m', prompt: '{{ q }}' } },
    { id: 'a', type: 'output', config: { name: 'answer' } },
  ],
  ['q.value -> say.q', 'say.text -> a.value'],
);

function store(pipelines: Record<string, PipelineDocument>): PipelineResolver {
  return {
    async resolve(ref) {
      const document = pipelines[ref];
      return document ? { name: ref, version: 1, document } : { error: `there is no pipeline "${ref}"` };
    },
  };
}

/**
 * A workspace whose model counts the calls open at once. With `gather`, the first calls are held until that many
 * are open (10 s at most, once): calls the bound lets run together are then seen together however slowly a loaded
 * machine sends them (a 25 ms answer leaves little time); with fewer let through it ends short of `gather`.
 */
async function countingWorkspace(gather = 0) {
  const seen = { open: 0, max: 0, calls: 0 };
  let gathering = gather > 1;
  const stub = await startOpenAIStub({
    handler: async (req) => {
      seen.calls++;
      seen.open++;
      seen.max = Math.max(seen.max, seen.open);
      if (gathering) {
        const until = Date.now() + 10_000;
        while (gathering && seen.open < gather && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
        gathering = false;
      }
      await new Promise((r) => setTimeout(r, 25));
      seen.open--;
      const last = req.body.messages.at(-1).content as string;
      if (last === 'bad') return { status: 400 };
      return { text: `re: ${last}` };
    },
  });
  cleanups.push(() => stub.close());
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-map-nested-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'patchbay.config.json'), '{}');
  const services = await createServices({ dataDir: dir, env: { STUB_BASE_URL: stub.url } });
  cleanups.push(() => services.close());
  return { seen, services };
}

describe('nested maps share one concurrency bound per run', () => {
  it('three maps deep at concurrency 4 keep 4 model calls open at once, not 4³', async () => {
    const { seen, services } = await countingWorkspace(4);
    const pipelines = store({
      ask,
      inner: mapOf('inner', { ref: 'ask', concurrency: 4 }),
      middle: mapOf('middle', { ref: 'inner', concurrency: 4 }),
    });
    const outer = mapOf('outer', { ref: 'middle', concurrency: 4 });
    const items = [0, 1, 2, 3].map((a) => [0, 1, 2, 3].map((b) => [0, 1, 2, 3].map((c) => `q${a}${b}${c}`)));

    const run = await runPipeline(outer, { items }, { services: { ...services, pipelines } });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('succeeded');
    expect(seen.calls).toBe(64);
    // every answer, in input order, at every level
    expect(run.outputs.results).toEqual(items.map((b) => b.map((c) => c.map((q) => `re: ${q}`))));
    expect(seen.max).toBeLessThanOrEqual(4);
    // and the bound is used, not traded for running one at a time
    expect(seen.max).toBe(4);
  });

  it('lets an inner map use slots the outer map leaves free', async () => {
    const { seen, services } = await countingWorkspace(8);
    const pipelines = store({ ask, inner: mapOf('inner', { ref: 'ask', concurrency: 8 }) });
    // one outer item: its inner map may use all 8 of the outer map's concurrency
    const outer = mapOf('outer', { ref: 'inner', concurrency: 8 });
    const run = await runPipeline(outer, { items: [Array.from({ length: 16 }, (_, i) => `q${i}`)] }, { services: { ...services, pipelines } });
    expect(run.status).toBe('succeeded');
    expect(seen.calls).toBe(16);
    expect(seen.max).toBe(8);
  });

  it('keeps an inner map to its own concurrency when that is the smaller', async () => {
    const { seen, services } = await countingWorkspace(2);
    const pipelines = store({ ask, inner: mapOf('inner', { ref: 'ask', concurrency: 2 }) });
    const outer = mapOf('outer', { ref: 'inner', concurrency: 8 });
    const run = await runPipeline(outer, { items: [['a', 'b', 'c', 'd', 'e', 'f']] }, { services: { ...services, pipelines } });
    expect(run.status).toBe('succeeded');
    expect(seen.max).toBe(2);
  });

  it('runs the whole tree one call at a time under an outer map at concurrency 1', async () => {
    const { seen, services } = await countingWorkspace();
    const pipelines = store({ ask, inner: mapOf('inner', { ref: 'ask', concurrency: 4 }) });
    const outer = mapOf('outer', { ref: 'inner', concurrency: 1 });
    const run = await runPipeline(outer, { items: [['a', 'b', 'c', 'd'], ['e', 'f']] }, { services: { ...services, pipelines } });
    expect(run.status).toBe('succeeded');
    expect(run.outputs.results).toEqual([['re: a', 're: b', 're: c', 're: d'], ['re: e', 're: f']]);
    expect(seen.max).toBe(1);
  });

  it('shares the bound through a pipeline node inside an item', async () => {
    const { seen, services } = await countingWorkspace(3);
    const via = doc(
      'via',
      [
        { id: 'list', type: 'input', config: { name: 'items', valueType: 'json' } },
        { id: 'call', type: 'pipeline', config: { ref: 'inner' } },
        { id: 'out', type: 'output', config: { name: 'results' } },
      ],
      ['list.value -> call.items', 'call.results -> out.value'],
    );
    const pipelines = store({ ask, via, inner: mapOf('inner', { ref: 'ask', concurrency: 4 }) });
    const outer = mapOf('outer', { ref: 'via', concurrency: 3 });
    const items = [0, 1, 2].map((a) => [0, 1, 2, 3].map((b) => `q${a}${b}`));
    const run = await runPipeline(outer, { items }, { services: { ...services, pipelines } });
    expect(run.status).toBe('succeeded');
    expect(seen.calls).toBe(12);
    expect(seen.max).toBe(3);
  });

  it('stops the waiting items of every level when a nested item fails', async () => {
    const { services } = await countingWorkspace();
    const pipelines = store({ ask, inner: mapOf('inner', { ref: 'ask', concurrency: 4 }) });
    const outer = mapOf('outer', { ref: 'inner', concurrency: 2 });
    const run = await runPipeline(outer, { items: [['a', 'bad', 'c', 'd'], ['e', 'f', 'g', 'h']] }, { services: { ...services, pipelines } });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/item 0 failed: .*item 1 failed/);
  });
});
