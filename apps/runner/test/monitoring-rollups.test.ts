import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type Store } from '../src/store/index';
import { queryMetrics } from '../src/monitoring/metrics-query';
import { HOUR, MINUTE, RollupWriter } from '../src/monitoring/rollup-writer';
import { decodeSketch, encodeSketch, newSketch, quantile, SKETCH_RELATIVE_ACCURACY } from '../src/monitoring/latency-sketch';
import type { FinishedRunFacts } from '../src/monitoring/run-facts';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

/** A deterministic spread of runs over three hours and two versions, with errors, tokens and cost. */
function syntheticRuns(start: number): FinishedRunFacts[] {
  const runs: FinishedRunFacts[] = [];
  let seed = 7;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let i = 0; i < 3000; i++) {
    const version = i % 3 === 0 ? 2 : 1;
    const durationMs = Math.round(5 + random() * random() * 2000);
    const failed = random() < (version === 2 ? 0.2 : 0.05);
    const startedAt = start + Math.floor((i / 3000) * 3 * HOUR);
    runs.push({
      id: `r${i}`,
      pipeline: 'shop',
      version,
      label: version === 2 ? 'production' : null,
      source: i % 2 ? 'serve' : 'api',
      status: failed ? 'failed' : 'succeeded',
      startedAt,
      durationMs,
      error: failed ? 'boom' : null,
      inputs: {},
      outputs: null,
      document: null,
      nodes: {
        answer: {
          id: 'answer',
          type: 'llm',
          status: failed ? 'failed' : 'succeeded',
          attempts: 1,
          startedAt,
          durationMs: durationMs - 1,
          model: 'openai:gpt-4o-mini',
          usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
          costUsd: 0.001,
        },
      },
    });
  }
  return runs;
}

/** The quantile of raw values as DDSketch defines it (the value at 0-based rank ⌊q·(n−1)⌋), the figure it estimates. */
function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

describe('metric rollups', () => {
  let store: Store;
  const start = Date.UTC(2026, 10, 1, 8, 0, 0);
  const runs = syntheticRuns(start);

  beforeAll(async () => {
    store = openSqliteStore(':memory:');
    const writer = new RollupWriter(store.rollups, (err) => {
      throw err;
    });
    // Flushed in three slices, so cells written earlier are merged with later ones in the database.
    for (let i = 0; i < runs.length; i++) {
      writer.observe(runs[i]);
      if (i % 1000 === 999) await writer.flush();
    }
    await writer.close();
  });
  afterAll(() => store.close());

  for (const step of ['1m', '1h'] as const) {
    it(`agrees with the raw runs per version at step ${step}: counts, error rate, tokens, cost, percentiles within the sketch's 1%`, async () => {
      const stepMs = step === '1m' ? MINUTE : HOUR;
      const { series } = await queryMetrics(store.rollups, { pipeline: 'shop', from: start, to: start + 3 * HOUR, step, by: 'version' });
      expect(series.map((s) => s.key)).toEqual(['v1', 'v2']);
      for (const s of series) {
        const version = Number(s.key.slice(1));
        expect(s.points).toHaveLength(3 * HOUR / stepMs);
        for (const p of s.points) {
          const t = Date.parse(p.t);
          const raw = runs.filter((r) => r.version === version && r.startedAt + r.durationMs >= t && r.startedAt + r.durationMs < t + stepMs);
          expect(p.runs).toBe(raw.length);
          expect(p.errors).toBe(raw.filter((r) => r.status === 'failed').length);
          expect(p.tokensIn).toBe(raw.length * 10);
          expect(p.tokensOut).toBe(raw.length * 5);
          expect(p.costUsd).toBeCloseTo(raw.length * 0.001, 9);
          if (raw.length === 0) {
            expect(p.p50Ms).toBeNull();
            continue;
          }
          expect(p.errorRate).toBeCloseTo(p.errors / p.runs, 12);
          for (const [q, got] of [[0.5, p.p50Ms], [0.95, p.p95Ms], [0.99, p.p99Ms]] as const) {
            const want = exactQuantile(raw.map((r) => r.durationMs), q);
            expect(Math.abs(got! - want)).toBeLessThanOrEqual(want * SKETCH_RELATIVE_ACCURACY + 1e-9);
          }
        }
      }
    });
  }

  it('splits by label, node and model, and filters by source', async () => {
    const q = { pipeline: 'shop', from: start, to: start + 3 * HOUR, step: '1h' as const };
    const byLabel = await queryMetrics(store.rollups, { ...q, by: 'label' });
    expect(byLabel.series.map((s) => s.key)).toEqual(['(none)', 'production']);
    const byNode = await queryMetrics(store.rollups, { ...q, by: 'node' });
    expect(byNode.series).toHaveLength(1);
    expect(byNode.series[0]).toMatchObject({ key: 'answer', nodeType: 'llm' });
    expect(byNode.series[0].points.reduce((n, p) => n + p.runs, 0)).toBe(runs.length);
    const byModel = await queryMetrics(store.rollups, { ...q, by: 'model', source: 'serve' });
    expect(byModel.series[0].key).toBe('openai:gpt-4o-mini');
    expect(byModel.series[0].points.reduce((n, p) => n + p.runs, 0)).toBe(runs.filter((r) => r.source === 'serve').length);
  });
});

/** A sketch as the first release stored it: seven doubles, then (int32 key, double weight) per non-empty bin. */
function firstEncoding(values: number[]): Buffer {
  const sketch = newSketch();
  for (const v of values) sketch.accept(v);
  const bins = (store: typeof sketch.store) => store.bins.flatMap((w, i) => (w > 0 ? [[i + store.offset, w]] : []));
  const positive = bins(sketch.store);
  const negative = bins(sketch.negativeStore);
  const buffer = Buffer.alloc(56 + (positive.length + negative.length) * 12);
  let at = 0;
  for (const v of [sketch.count, sketch.sum, sketch.min, sketch.max, sketch.zeroCount, positive.length, negative.length]) at = buffer.writeDoubleLE(v, at);
  for (const [key, weight] of [...positive, ...negative]) at = buffer.writeDoubleLE(weight, buffer.writeInt32LE(key, at));
  return buffer;
}

describe('stored latency sketches', () => {
  const latencies = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? 0 : 3 + ((i * 37) % 2500) * 1.7));

  it('come back from the compact encoding as the same sketch, and are smaller than the first encoding', () => {
    const sketch = newSketch();
    for (const v of latencies) sketch.accept(v);
    const bytes = encodeSketch(sketch);
    const back = decodeSketch(bytes);
    expect([back.count, back.zeroCount, back.min, back.max, back.sum]).toEqual([sketch.count, sketch.zeroCount, sketch.min, sketch.max, sketch.sum]);
    for (const q of [0, 0.1, 0.5, 0.9, 0.99, 1]) expect(quantile(back, q)).toBe(quantile(sketch, q));
    expect(bytes.length).toBeLessThan(firstEncoding(latencies).length / 3);
  });

  it('written by the first release still merge and answer queries (a data dir from before the compact encoding)', async () => {
    const store = openSqliteStore(':memory:');
    try {
      const bucket = Date.UTC(2026, 10, 1, 8, 0, 0);
      const older = latencies.slice(0, 300);
      store.db
        .prepare('INSERT INTO metric_rollups (resolution, bucket, pipeline, dimension, version, label, source, key, node_type, runs, errors, tokens_in, tokens_out, cost_usd, sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(HOUR, bucket, 'old', 'run', 1, '', 'api', '', '', older.length, 0, 0, 0, 0, firstEncoding(older));
      // The same hour gets newer runs: the stored first-encoding row is read, merged and rewritten.
      const writer = new RollupWriter(store.rollups);
      for (const [i, durationMs] of latencies.slice(300).entries()) {
        writer.observe({ id: `n${i}`, pipeline: 'old', version: 1, label: null, source: 'api', status: 'succeeded', startedAt: bucket + 1000, durationMs, error: null, nodes: {}, inputs: {}, outputs: null, document: null });
      }
      await writer.close();
      const { series } = await queryMetrics(store.rollups, { pipeline: 'old', from: bucket, to: bucket + HOUR, step: '1h', by: 'version' });
      expect(series[0].points[0].runs).toBe(latencies.length);
      for (const [q, got] of [[0.5, series[0].points[0].p50Ms], [0.99, series[0].points[0].p99Ms]] as const) {
        const want = exactQuantile(latencies, q);
        expect(Math.abs(got! - want)).toBeLessThanOrEqual(want * SKETCH_RELATIVE_ACCURACY + 1e-9);
      }
    } finally {
      await store.close();
    }
  });
});

describe('GET /api/metrics on a running runner', () => {
  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner();
  });
  afterAll(() => runner.close());

  it('counts finished runs per version and node, and answers bad queries with 400 and the parameter', async () => {
    const create = await runner.post('/api/pipelines', echoPipeline('watched'));
    expect(create.status).toBe(201);
    for (let i = 0; i < 12; i++) {
      const res = await runner.post('/api/runs?stream=true', { pipeline: 'watched', inputs: { question: `q${i}` } });
      await res.text();
    }
    const from = new Date(Date.now() - HOUR).toISOString();
    const res = await runner.api(`/api/metrics?pipeline=watched&step=1m&by=version&from=${from}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.step).toBe('1m');
    expect(body.series.map((s: { key: string }) => s.key)).toEqual(['v1']);
    expect(body.series[0].points.reduce((n: number, p: { runs: number }) => n + p.runs, 0)).toBe(12);
    const nodes = await (await runner.api(`/api/metrics?pipeline=watched&step=1h&by=node&from=${from}`)).json();
    expect(nodes.series.map((s: { key: string }) => s.key).sort()).toEqual(['answer', 'out', 'q']);

    const bad = await runner.api('/api/metrics?pipeline=watched&step=2m');
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].path).toBe('query.step');
    const tooMany = await runner.api(`/api/metrics?pipeline=watched&step=1m&from=2020-01-01T00:00:00Z`);
    expect(tooMany.status).toBe(400);
    // A problem of the request like any other 400 (its type names it), not about:blank.
    expect(await tooMany.json()).toMatchObject({ type: 'urn:patchbay:problem:invalid-request', detail: expect.stringMatching(/larger step/) });
    // A mistyped source is refused (as GET /api/runs does), not answered with empty charts.
    const typo = await runner.api('/api/metrics?pipeline=watched&source=serv');
    expect(typo.status).toBe(400);
    expect((await typo.json()).errors[0].path).toBe('query.source');
    expect((await runner.api('/api/metrics?pipeline=watched&source=serve')).status).toBe(200);
  });
});
