import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CaseRecord, EvalResult } from '@patchbay/evals';
import type { NewEval } from '../src/store/index';
import { decodeSketch, newSketch } from '../src/monitoring/latency-sketch';
import type { RollupCell } from '../src/store/rollups';
import { storeTargets } from './support/store-targets';

// The store contract, continued: everything besides pipelines and runs, the same assertions against both databases.
const targets = storeTargets();

const caseRecord = (id: string, repeat = 1, status: CaseRecord['status'] = 'passed'): CaseRecord =>
  ({ id, repeat, status, outputs: { answer: id }, scores: {}, latencyMs: 5, tokens: null, costUsd: null }) as CaseRecord;
const newEval = (id: string, over: Partial<NewEval> = {}): NewEval => ({
  id,
  pipeline: 'p',
  version: 1,
  dataset: { name: 'd', hash: 'h1', cases: 2 },
  total: 2,
  baseline: null,
  spec: { suite: 's', scorers: [{ name: 'exact' }], repeat: 1, seed: 'x', behaviorHash: 'b' },
  createdAt: 1_000,
  owner: 'host:1',
  ...over,
});

describe.each(targets)('store contract on $name: datasets, evals, suites', (target) => {
  it('keeps dataset versions by content hash; the latest upload is the latest version', async () => {
    const store = await target.open();
    const cases = [{ id: 'c1', input: { q: 1 }, expected: 'a' }];
    expect(await store.datasets.save('d', { hash: 'h1', cases })).toMatchObject({ created: true, version: { name: 'd', hash: 'h1', caseCount: 1 } });
    expect(await store.datasets.save('d', { hash: 'h2', cases: [...cases, { id: 'c2', input: 2 }] })).toMatchObject({ created: true });
    expect(await store.datasets.save('d', { hash: 'h1', cases })).toMatchObject({ created: false });
    expect(await store.datasets.get('d')).toMatchObject({ hash: 'h1', cases });
    expect((await store.datasets.get('d', 'h2'))?.caseCount).toBe(2);
    expect((await store.datasets.versions('d')).map((v) => v.hash)).toEqual(['h1', 'h2']);
    await store.datasets.save('e', { hash: 'h9', cases });
    expect((await store.datasets.list({ limit: 10 })).items.map((d) => [d.name, d.hash, d.versions])).toEqual([['d', 'h1', 2], ['e', 'h9', 1]]);
    const page = await store.datasets.list({ limit: 1 });
    expect((await store.datasets.list({ limit: 1, cursor: page.nextCursor! })).items.map((d) => d.name)).toEqual(['e']);
    expect(await store.datasets.get('nope')).toBeUndefined();
    // deleting a dataset takes every version; other datasets stay
    expect(await store.datasets.delete('d')).toBe(true);
    expect(await store.datasets.get('d')).toBeUndefined();
    expect(await store.datasets.versions('d')).toEqual([]);
    expect(await store.datasets.delete('d')).toBe(false);
    expect((await store.datasets.list({ limit: 10 })).items.map((d) => d.name)).toEqual(['e']);
  });

  it('records eval cases once per (case, repeat), finishes, lists, reopens and interrupts', async () => {
    const store = await target.open();
    await store.evals.create(newEval('e1'));
    expect(await store.evals.appendCase('e1', caseRecord('c2'), 1)).toBe(true);
    expect(await store.evals.appendCase('e1', caseRecord('c1', 1, 'failed'), 0)).toBe(true);
    expect(await store.evals.appendCase('e1', caseRecord('c1'), 0)).toBe(false); // the same case again (a retried job): recorded once, the first record
    expect(await store.evals.get('e1')).toMatchObject({ status: 'running', progress: { done: 2, total: 2 }, dataset: { name: 'd', hash: 'h1', cases: 2 } });
    expect((await store.evals.cases('e1')).map((c) => [c.id, c.status])).toEqual([['c1', 'failed'], ['c2', 'passed']]);
    expect((await store.evals.casesInFinishOrder('e1')).map((c) => c.id)).toEqual(['c2', 'c1']);
    expect(await store.evals.readCase('e1', 'c1', 1)).toMatchObject({ status: 'failed' });
    expect(await store.evals.readCase('e1', 'c1', 2)).toBeUndefined();

    await store.evals.finish('e1', { status: 'cancelled', error: 'stopped' });
    expect(await store.evals.get('e1')).toMatchObject({ status: 'cancelled', error: 'stopped', finishedAt: expect.any(String) });
    expect(await store.evals.reopen('e1', 'host:2')).toBe(true);
    expect(await store.evals.reopen('e1', 'host:2')).toBe(false);
    await store.evals.create(newEval('e2', { pipeline: 'q', createdAt: 2_000, owner: 'host:9' }));
    expect(await store.evals.interruptOrphans((owner) => owner === 'host:2')).toBe(1);
    expect((await store.evals.get('e2'))?.status).toBe('interrupted');
    expect((await store.evals.list({ limit: 10 })).items.map((e) => e.id)).toEqual(['e2', 'e1']);
    const page = await store.evals.list({ limit: 1 });
    expect((await store.evals.list({ limit: 1, cursor: page.nextCursor! })).items.map((e) => e.id)).toEqual(['e1']);
    expect((await store.evals.list({ pipeline: 'p', limit: 10 })).items.map((e) => e.id)).toEqual(['e1']);
    expect(await store.evals.get('nope')).toBeUndefined();
    // Each id once, however many repeats: what a baseline's pairing check reads instead of the records.
    expect(await store.evals.appendCase('e1', caseRecord('c1', 2), 0)).toBe(true);
    expect((await store.evals.caseIds('e1')).sort()).toEqual(['c1', 'c2']);
    expect(await store.evals.caseIds('nope')).toEqual([]);
  });

  // Scaled out, another server may take an eval whose coordinator it believes dead (its heartbeat lapsed) and
  // reopen it as its own; a coordinator that was only cut off then ends its copy. Its finish must not end the eval
  // the other server now runs: a finish made as an owner ends the eval only while that owner holds it.
  it('ends an eval on finish as its owner only while that owner holds it', async () => {
    const store = await target.open();
    await store.evals.create(newEval('o1', { owner: 'host:1' }));
    await store.evals.finish('o1', { status: 'interrupted', error: 'the server coordinating it stopped' });
    expect(await store.evals.reopen('o1', 'host:2')).toBe(true);
    // false: the old coordinator is told it lost the eval (it then tells nobody it ended, eval-manager.ts).
    expect(await store.evals.finish('o1', { status: 'succeeded' }, { owner: 'host:1' })).toBe(false);
    expect(await store.evals.get('o1')).toMatchObject({ status: 'running' });
    expect(await store.evals.finish('o1', { status: 'succeeded' }, { owner: 'host:2' })).toBe(true);
    expect(await store.evals.get('o1')).toMatchObject({ status: 'succeeded' });
  });

  it('records an eval case with its run in one write: once, and never the case without its run', async () => {
    const store = await target.open();
    await store.evals.create(newEval('e1'));
    const big = 'x'.repeat(5_000); // a large value: stored once, in run_values, with the rest
    const run = (id: string) => ({
      start: { id, pipeline: null, version: null, document: { inline: true }, inputs: { q: big }, startedAt: 1_000, owner: 'host:1', source: 'eval' as const },
      finish: {
        id,
        status: 'succeeded' as const,
        outputs: { answer: big },
        error: null,
        failedNode: null,
        durationMs: 12,
        nodes: {
          q: { id: 'q', type: 'input', status: 'succeeded' as const, attempts: 1, startedAt: 1_000, durationMs: 0, outputs: { value: big } },
          n: { id: 'n', type: 'llm', status: 'succeeded' as const, attempts: 1, startedAt: 1_001, durationMs: 10, model: 'stub:m', outputs: { text: big } },
        },
        events: [],
      },
    });
    expect(await store.evals.appendCase('e1', { ...caseRecord('c1'), runId: 'r1' }, 0, run('r1'))).toBe(true);
    expect(await store.runs.get('r1')).toMatchObject({ source: 'eval', status: 'succeeded', inputs: { q: big }, outputs: { answer: big }, nodes: { q: { outputs: { value: big } }, n: { model: 'stub:m' } } });
    // Kept once, and read alone by the SHA-256 of its JSON text (GET /api/runs/:id/values/:hash).
    expect(await store.runs.value('r1', createHash('sha256').update(JSON.stringify(big)).digest('hex'))).toBe(JSON.stringify(big));
    expect(await store.runs.value('r1', 'a'.repeat(64))).toBeUndefined();
    // The same case again (a job taken up after its worker died): its run is kept, the first record stays.
    expect(await store.evals.appendCase('e1', { ...caseRecord('c1', 1, 'failed'), runId: 'r2' }, 0, run('r2'))).toBe(false);
    expect(await store.evals.readCase('e1', 'c1', 1)).toMatchObject({ status: 'passed', runId: 'r1' });
    expect(await store.runs.get('r2')).toMatchObject({ status: 'succeeded' });
    // A run that cannot be written (its id is taken) fails the write: the case is not recorded without it.
    await expect(store.evals.appendCase('e1', { ...caseRecord('c2'), runId: 'r1' }, 1, run('r1'))).rejects.toThrow();
    expect(await store.evals.readCase('e1', 'c2', 1)).toBeUndefined();
    expect(await store.evals.get('e1')).toMatchObject({ progress: { done: 1 } });
  });

  it('stores a finished result as a succeeded eval', async () => {
    const store = await target.open();
    const result = {
      suite: 's',
      pipeline: { name: 'p', behaviorHash: 'b', version: 3 },
      dataset: { hash: 'h', cases: 2 },
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      summary: { scorers: { exact: { mean: 1 } } },
      cases: [caseRecord('a'), caseRecord('b')],
    } as unknown as EvalResult;
    const id = await store.evals.insertResult(result, { dataset: 'd' });
    const stored = await store.evals.get(id);
    expect(stored).toMatchObject({ status: 'succeeded', pipeline: 'p', version: 3, progress: { done: 2, total: 2 }, spec: { scorers: [{ name: 'exact' }] } });
    expect(stored?.head).toMatchObject({ suite: 's', summary: { scorers: { exact: { mean: 1 } } } });
    expect((await store.evals.cases(id)).map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('saves suites by name and says whether the name was new', async () => {
    const store = await target.open();
    expect(await store.suites.save('smoke', { repeat: 1 })).toMatchObject({ created: true, suite: { name: 'smoke', suite: { repeat: 1 } } });
    expect(await store.suites.save('smoke', { repeat: 2 })).toMatchObject({ created: false });
    expect(await store.suites.get('smoke')).toMatchObject({ suite: { repeat: 2 } });
    expect((await store.suites.list()).map((s) => s.name)).toEqual(['smoke']);
    expect(await store.suites.get('nope')).toBeUndefined();
  });
});

const cell = (over: Partial<RollupCell>, latencies: number[]): RollupCell => {
  const sketch = newSketch();
  for (const ms of latencies) sketch.accept(ms);
  return { resolution: 60, bucket: 0, pipeline: 'p', dimension: 'run', version: 1, label: '', source: 'api', key: '', nodeType: '', runs: latencies.length, errors: 0, tokensIn: 1, tokensOut: 2, costUsd: 0.5, sketch, ...over };
};

describe.each(targets)('store contract on $name: keys, promotions, rollups, monitors, response cache', (target) => {
  it('keeps serving keys as hashes and forgets a revoked one', async () => {
    const store = await target.open();
    expect(await store.keys.create({ name: 'ci', hash: 'ab'.repeat(32), pipelines: ['p'], createdAt: 1_000 })).toBe(true);
    expect(await store.keys.create({ name: 'ci', hash: 'cd'.repeat(32), pipelines: null, createdAt: 1_000 })).toBe(false);
    await store.keys.touch('ci', 2_000);
    expect(await store.keys.list()).toEqual([{ name: 'ci', pipelines: ['p'], createdAt: new Date(1_000).toISOString(), lastUsedAt: new Date(2_000).toISOString() }]);
    expect(await store.keys.hashes()).toEqual([{ name: 'ci', hash: Buffer.from('ab'.repeat(32), 'hex'), pipelines: ['p'] }]);
    expect(await store.keys.revoke('ci')).toBe(true);
    expect(await store.keys.revoke('ci')).toBe(false);
    expect(await store.keys.hashes()).toEqual([]);
  });

  it('records a promotion and its events', async () => {
    const store = await target.open();
    await store.promotions.create({ id: 'pr', pipeline: 'p', label: 'production', version: 2, createdAt: 1_000, owner: 'host:1' });
    expect(await store.promotions.get('pr')).toMatchObject({ status: 'running', outcome: null, finishedAt: null });
    expect(await store.promotions.events('pr')).toEqual([]);
    expect(await store.promotions.finish('pr', 'moved', { moved: true }, [{ type: 'promotion.done' }], { owner: 'host:1' })).toBe(true);
    expect(await store.promotions.get('pr')).toMatchObject({ status: 'moved', outcome: { moved: true } });
    expect(await store.promotions.events('pr')).toEqual([{ type: 'promotion.done' }]);
    expect(await store.promotions.events('nope')).toBeUndefined();
  });

  it('ends the promotions of a process that is gone at start-up, and only those', async () => {
    const store = await target.open();
    for (const [id, owner] of [['dead', 'host:1'], ['alive', 'host:2'], ['done', 'host:1']]) await store.promotions.create({ id, pipeline: 'p', label: 'production', version: 3, createdAt: 1_000, owner });
    await store.promotions.finish('done', 'moved', { moved: true }, [{ type: 'promotion.completed' }], { owner: 'host:1' });
    expect(await store.promotions.interruptOrphans((owner) => owner === 'host:2')).toBe(1);
    expect(await store.promotions.get('dead')).toMatchObject({
      status: 'failed',
      outcome: { status: 'failed', moved: false, to: 3, error: 'the runner stopped before the promotion ended' },
      finishedAt: expect.any(String),
    });
    expect(await store.promotions.get('alive')).toMatchObject({ status: 'running', outcome: null });
    expect(await store.promotions.get('done')).toMatchObject({ status: 'moved', outcome: { moved: true } });
    expect(await store.promotions.interruptOrphans(() => false)).toBe(1);
  });

  it('keeps what a running promotion stored of what it knew (from, evalIds): on GET while it runs, and in the outcome a restart gives it once its process is gone', async () => {
    const store = await target.open();
    await store.promotions.create({ id: 'cut', pipeline: 'p', label: 'production', version: 3, createdAt: 1_000, owner: 'host:1' });
    expect(await store.promotions.get('cut')).toMatchObject({ soFar: null });
    // Only its own process notes it.
    await store.promotions.note('cut', { from: 9, evalIds: { candidate: 'x', holder: null } }, { owner: 'host:2' });
    await store.promotions.note('cut', { from: 2, evalIds: { candidate: 'e3', holder: null } }, { owner: 'host:1' });
    expect(await store.promotions.get('cut')).toMatchObject({ status: 'running', outcome: null, soFar: { from: 2, evalIds: { candidate: 'e3', holder: null } } });
    expect(await store.promotions.interruptOrphans(() => false)).toBe(1);
    expect((await store.promotions.get('cut'))!.outcome).toMatchObject({ status: 'failed', moved: false, from: 2, to: 3, evalIds: { candidate: 'e3', holder: null }, error: 'the runner stopped before the promotion ended' });
    // An ended promotion's outcome is its own: a late note changes nothing.
    await store.promotions.note('cut', { from: 1, evalIds: { candidate: 'x', holder: 'y' } }, { owner: 'host:1' });
    expect((await store.promotions.get('cut'))!.outcome).toMatchObject({ from: 2, evalIds: { candidate: 'e3', holder: null } });
  });

  it('merges rollup cells (counts add, sketches merge) from two connections, queries and prunes them', async () => {
    const a = await target.open();
    const b = await target.twin(a);
    await a.rollups.merge([cell({}, [10, 20]), cell({ bucket: 60 }, [5])]);
    await Promise.all([b.rollups.merge([cell({}, [30])]), a.rollups.merge([cell({}, [40]), cell({ source: 'serve' }, [1])])]);
    const cells = await a.rollups.query({ resolution: 60, pipeline: 'p', dimension: 'run', from: 0, to: 120, source: 'api' });
    expect(cells.map((c) => [c.bucket, c.runs, c.tokensIn, c.costUsd])).toEqual([[0, 4, 3, 1.5], [60, 1, 1, 0.5]]);
    expect(decodeSketch(cells[0].sketch).count).toBe(4);
    expect(await a.rollups.query({ resolution: 60, pipeline: 'p', dimension: 'run', from: 0, to: 60 })).toHaveLength(2);
    expect(await a.rollups.prune(60, 60)).toBe(2);
    expect((await a.rollups.query({ resolution: 60, pipeline: 'p', dimension: 'run', from: 0, to: 120 })).map((c) => c.bucket)).toEqual([60]);
  });

  it('adds up every cell of many merges, new and existing cells, a key twice in one merge, from two connections at once', async () => {
    const a = await target.open();
    const b = await target.twin(a);
    // A fixed pseudo-random walk over 3 dimensions × 12 keys × 2 buckets × 2 sources, as a runner's flushes give them.
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const given: RollupCell[] = [];
    const batch = () =>
      Array.from({ length: 1 + next(40) }, () => {
        const dimension = (['run', 'node', 'model'] as const)[next(3)];
        const key = dimension === 'run' ? '' : `${dimension}${next(12)}`;
        const c = cell({ dimension, key, nodeType: key ? `type-${key}` : '', bucket: 60 * next(2), source: next(2) ? 'api' : 'serve', errors: next(3), tokensIn: next(100), tokensOut: next(100), costUsd: next(8) / 4 }, Array.from({ length: 1 + next(4) }, () => 1 + next(5_000)));
        given.push({ ...c, sketch: cell({}, []).sketch });
        given[given.length - 1].sketch.merge(c.sketch);
        return c;
      });
    for (let round = 0; round < 6; round++) await Promise.all([a.rollups.merge(batch()), b.rollups.merge(batch()), a.rollups.merge(batch())]);
    const expected = new Map<string, { runs: number; errors: number; tokensIn: number; tokensOut: number; costUsd: number; nodeType: string; count: number; sum: number; min: number; max: number }>();
    for (const c of given) {
      const id = [c.dimension, c.bucket, c.source, c.key].join('/');
      const e = expected.get(id) ?? { runs: 0, errors: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, nodeType: c.nodeType, count: 0, sum: 0, min: Infinity, max: -Infinity };
      expected.set(id, { ...e, runs: e.runs + c.runs, errors: e.errors + c.errors, tokensIn: e.tokensIn + c.tokensIn, tokensOut: e.tokensOut + c.tokensOut, costUsd: e.costUsd + c.costUsd, count: e.count + c.sketch.count, sum: e.sum + c.sketch.sum, min: Math.min(e.min, c.sketch.min), max: Math.max(e.max, c.sketch.max) });
    }
    const stored = new Map<string, unknown>();
    for (const dimension of ['run', 'node', 'model'] as const) {
      for (const c of await a.rollups.query({ resolution: 60, pipeline: 'p', dimension, from: 0, to: 120 })) {
        const sketch = decodeSketch(c.sketch);
        stored.set([c.dimension, c.bucket, c.source, c.key].join('/'), { runs: c.runs, errors: c.errors, tokensIn: c.tokensIn, tokensOut: c.tokensOut, costUsd: c.costUsd, nodeType: c.nodeType, count: sketch.count, sum: sketch.sum, min: sketch.min, max: sketch.max });
      }
    }
    expect(given.length).toBeGreaterThan(200);
    expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(expected));
  });

  it('keeps monitor config, scores and alert deliveries', async () => {
    const store = await target.open();
    // Lists are kept for a pipeline that is there.
    expect(await store.monitors.setConfig('p', 'monitors', [{ name: 'm' }])).toBe(false);
    await store.versions.save({ pipeline: 'p', document: { format: 'patchbay.pipeline/v1', name: 'p', nodes: [], edges: [] }, message: 'm', baseVersion: null, contentHash: 'c', behaviorHash: 'b', problems: [] });
    expect(await store.monitors.setConfig('p', 'monitors', [{ name: 'm' }])).toBe(true);
    await store.monitors.setConfig('p', 'monitors', [{ name: 'm2' }]);
    expect(await store.monitors.getConfig('p', 'monitors')).toEqual([{ name: 'm2' }]);
    expect(await store.monitors.getConfig('p', 'alert-rules')).toEqual([]);
    expect([...(await store.monitors.allConfigs('monitors'))]).toEqual([['p', [{ name: 'm2' }]]]);
    await store.monitors.addScore({ runId: 'r1', monitor: 'm', pipeline: 'p', version: 1, label: null, score: 0.5, pass: false, reason: 'meh', at: 10 });
    await store.monitors.addScore({ runId: 'r1', monitor: 'm', pipeline: 'p', version: 1, label: null, score: 0.7, pass: true, reason: null, at: 10 });
    await store.monitors.addScore({ runId: 'r2', monitor: 'n', pipeline: 'p', version: 1, label: 'production', score: 1, pass: true, reason: null, at: 20 });
    await store.monitors.addScore({ runId: 'r3', monitor: 'm', pipeline: 'p', version: 1, label: null, score: 0.25, pass: false, reason: null, at: 14 });
    await store.monitors.addScore({ runId: 'r4', monitor: 'm', pipeline: 'p', version: 2, label: null, score: 1, pass: true, reason: null, at: 19 });
    await store.monitors.addScore({ runId: 'r5', monitor: 'm', pipeline: 'q', version: 1, label: null, score: 1, pass: true, reason: null, at: 11 });
    // Steps of 10 counted from 5: r1 (10) and r3 (14) share [5, 15); r4 (19) and r2 (20) fall in [15, 25).
    expect(await store.monitors.scoreBuckets({ pipeline: 'p', from: 5, to: 100, stepMs: 10 })).toEqual([
      { monitor: 'm', version: 1, t: 5, count: 2, sum: 0.95, passed: 1 },
      { monitor: 'm', version: 2, t: 15, count: 1, sum: 1, passed: 1 },
      { monitor: 'n', version: 1, t: 15, count: 1, sum: 1, passed: 1 },
    ]);
    expect(await store.monitors.scoreBuckets({ pipeline: 'p', from: 15, to: 20, stepMs: 10 })).toEqual([{ monitor: 'm', version: 2, t: 15, count: 1, sum: 1, passed: 1 }]);
    expect(await store.monitors.runScores('r1')).toHaveLength(1);
    const id = await store.monitors.addDelivery({ pipeline: 'p', rule: 'r', state: 'firing', payload: { x: 1 }, webhook: 'http://127.0.0.1:9/h', createdAt: 5 });
    await store.monitors.updateDelivery(id, { status: 'delivered', attempts: 2, lastError: null, deliveredAt: 7 });
    expect(await store.monitors.deliveries('p', 10)).toEqual([
      { id, pipeline: 'p', rule: 'r', state: 'firing', payload: { x: 1 }, webhook: 'http://127.0.0.1:9/h', status: 'delivered', attempts: 2, lastError: null, createdAt: 5, deliveredAt: 7 },
    ]);
    // Past the retention, delivered and failed alerts go; one still being attempted stays, whatever its age.
    const alert = { pipeline: 'p', rule: 'r', state: 'firing' as const, payload: {}, webhook: 'http://127.0.0.1:9/h' };
    const failed = await store.monitors.addDelivery({ ...alert, createdAt: 6 });
    await store.monitors.updateDelivery(failed, { status: 'failed', attempts: 4, lastError: 'the webhook answered 500', deliveredAt: null });
    const pending = await store.monitors.addDelivery({ ...alert, createdAt: 6 });
    const recent = await store.monitors.addDelivery({ ...alert, createdAt: 50 });
    await store.monitors.updateDelivery(recent, { status: 'delivered', attempts: 1, lastError: null, deliveredAt: 51 });
    expect(await store.monitors.pruneDeliveries(50)).toBe(2);
    expect((await store.monitors.deliveries('p', 10)).map((d) => d.id)).toEqual([recent, pending]);
  });

  it('keeps a NUL in outside text (an eval\'s error, a judge\'s reason, a webhook\'s error) as \\u0000, which PostgreSQL\'s TEXT refuses', async () => {
    const store = await target.open();
    await store.evals.create(newEval('e-nul'));
    await store.evals.finish('e-nul', { status: 'failed', error: 'the model said a\u0000b' });
    expect(await store.evals.get('e-nul')).toMatchObject({ status: 'failed', error: 'the model said a\\u0000b' });
    await store.monitors.addScore({ runId: 'r-nul', monitor: 'm', pipeline: 'nul', version: 1, label: null, score: 0, pass: false, reason: 'bad\u0000reason', at: 10 });
    expect((await store.monitors.runScores('r-nul')).map((x) => x.reason)).toEqual(['bad\\u0000reason']);
    const id = await store.monitors.addDelivery({ pipeline: 'nul', rule: 'r', state: 'firing', payload: {}, webhook: 'http://127.0.0.1:9/h', createdAt: 5 });
    await store.monitors.updateDelivery(id, { status: 'failed', attempts: 1, lastError: 'the webhook answered 500: a\u0000b', deliveredAt: null });
    expect((await store.monitors.deliveries('nul', 10)).map((d) => d.lastError)).toEqual(['the webhook answered 500: a\\u0000b']);
  });

  it('caches model replies and vectors, hit at once and after a flush', async () => {
    const store = await target.open();
    const cache = target.cache(store);
    const reply = { text: 'hi', toolCalls: [], usage: { promptTokens: 1, completionTokens: 1 }, costUsd: null, model: 'stub:m' };
    expect(await cache.getChat('k')).toBeUndefined();
    cache.putChat('k', { ...reply, cached: false } as never);
    expect(await cache.getChat('k')).toEqual(reply);
    cache.putVectors([['v', [0.1, 0.2, 1 / 3]]]);
    expect(await cache.getVectors(['v', 'w'])).toEqual([[0.1, 0.2, 1 / 3], undefined]);
    expect(await cache.size()).toBe(2);
    await cache.clear();
    expect(await cache.getChat('k')).toBeUndefined();
  });

  it('masks secrets in a reply before it is stored (a model that echoes a key leaves no key in the cache)', async () => {
    const redact = (json: string) => json.replaceAll('sk-echoed-key-1234', '***');
    const store = await target.open({ redact });
    const cache = target.cache(store, { redact });
    const reply = { text: 'your key is sk-echoed-key-1234', toolCalls: [], usage: { promptTokens: 1, completionTokens: 1 }, costUsd: null, model: 'stub:m' };
    cache.putChat('k', { ...reply, cached: false } as never);
    await cache.close();
    const again = target.cache(await target.twin(store), { redact });
    expect(await again.getChat('k')).toEqual({ ...reply, text: 'your key is ***' });
  });
});
