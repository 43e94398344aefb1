import { describe, expect, it } from 'vitest';
import type { NewVersion, RunFinish, RunQuery, RunStart, Store } from '../src/store/index';
import { InvalidCursorError } from '../src/store/paging';
import { LabelMovedError, PromotionEndedError } from '../src/store/labels';
import { storeTargets } from './support/store-targets';

// The same assertions against both databases: what a server relies on from its store, whichever it is given.
const targets = storeTargets();

const doc = (name: string, title = 'T') => ({ format: 'patchbay.pipeline/v1', name, title, nodes: [], edges: [] });
const version = (pipeline: string, baseVersion: number | null, message = 'm'): NewVersion => ({
  pipeline,
  document: doc(pipeline, `${pipeline} ${message}`),
  message,
  baseVersion,
  contentHash: `c-${message}`,
  behaviorHash: 'b',
  problems: [],
});

describe.each(targets)('store contract on $name: pipelines, versions, labels', (target) => {
  it('saves versions against their base, refuses a stale base with the latest number, lists and reads them', async () => {
    const store = await target.open();
    const v1 = await store.versions.save(version('p', null, 'one'));
    expect(v1).toMatchObject({ status: 'created', version: { number: 1, parent: null, message: 'one', document: doc('p', 'p one') } });
    expect(await store.versions.save(version('p', 1, 'two'))).toMatchObject({ status: 'created', version: { number: 2, parent: 1 } });
    expect(await store.versions.save(version('p', 1, 'late'))).toEqual({ status: 'conflict', latest: 2 });
    expect(await store.versions.save(version('p', null, 'again'))).toEqual({ status: 'conflict', latest: 2 });
    expect(await store.versions.save(version('nope', 3))).toEqual({ status: 'not-found' });

    expect((await store.versions.list('p', { limit: 10 })).items.map((v) => [v.number, v.message])).toEqual([[2, 'two'], [1, 'one']]);
    const page = await store.versions.list('p', { limit: 1 });
    expect(page.items.map((v) => v.number)).toEqual([2]);
    expect(await store.versions.list('p', { limit: 1, cursor: page.nextCursor! })).toMatchObject({ items: [{ number: 1 }], nextCursor: null });
    // A cursor this list did not write is refused as such (a 400 at the edge), never a database error.
    await expect(store.versions.list('p', { limit: 1, cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
    const outcome = (list: Promise<unknown>) => list.then(() => 'a page', (err) => (err instanceof InvalidCursorError ? 'refused' : err));
    for (const key of ['[1.5]', '[1e300]', '[1e300, 1]']) {
      const forged = Buffer.from(key).toString('base64url');
      expect(['a page', 'refused']).toContain(await outcome(store.versions.list('p', { limit: 1, cursor: forged })));
      expect(['a page', 'refused']).toContain(await outcome(store.runs.list({ limit: 1, cursor: forged })));
    }
    expect(await store.versions.get('p', 1)).toMatchObject({ number: 1, contentHash: 'c-one', problems: [], document: doc('p', 'p one') });
    expect((await store.versions.latest('p'))?.number).toBe(2);
    expect(await store.versions.get('p', 9)).toBeUndefined();
    // A number no version can have (past PostgreSQL's INTEGER, or not whole) is no version, not a database error.
    for (const n of [3_000_000_000, 2 ** 53, 1.5, 0, -1]) expect(await store.versions.get('p', n), String(n)).toBeUndefined();
    await store.versions.save(version('q', null, 'other'));
    expect((await store.pipelines.list({ limit: 10 })).items).toMatchObject([{ name: 'p', title: 'p two', latestVersion: 2 }, { name: 'q' }]);
    const first = await store.pipelines.list({ limit: 1 });
    expect((await store.pipelines.list({ limit: 1, cursor: first.nextCursor! })).items.map((p) => p.name)).toEqual(['q']);

    await store.labels.move({ pipeline: 'p', label: 'production', version: 2, by: 'admin' });
    expect(await store.pipelines.delete('p')).toBe(true);
    expect(await store.pipelines.get('p')).toBeUndefined();
    // Its labels go, and the history says so: the label's last row is its removal.
    expect(await store.labels.list('p')).toEqual({});
    expect((await store.deployments.list('p', { limit: 10 })).items.map((d) => [d.label, d.from, d.to, d.note])).toEqual([['production', 2, null, 'the pipeline was deleted'], ['production', null, 2, null]]);
    expect(await store.versions.latest('p')).toBeUndefined();
    expect(await store.pipelines.delete('p')).toBe(false);
  });

  it('lets exactly one of 20 parallel saves on one base win, across two connections', async () => {
    const a = await target.open();
    const b = await target.twin(a);
    await a.versions.save(version('race', null, 'base'));
    const saves = Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).versions.save(version('race', 1, `edit-${i}`)));
    const results = await Promise.all(saves);
    expect(results.filter((r) => r.status === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'conflict').every((r) => r.status === 'conflict' && r.latest === 2)).toBe(true);
    expect((await b.versions.list('race', { limit: 10 })).items.map((v) => v.number)).toEqual([2, 1]);

    // A new pipeline's name too: of 20 first saves, one creates it.
    const firsts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).versions.save(version('fresh', null, `first-${i}`))));
    expect(firsts.filter((r) => r.status === 'created')).toHaveLength(1);
    expect(firsts.filter((r) => r.status === 'conflict')).toHaveLength(19);
  });

  it('moves labels with an append-only history, removes them, and lists every label', async () => {
    const store = await target.open();
    await store.versions.save(version('p', null, 'one'));
    await store.versions.save(version('p', 1, 'two'));
    expect(await store.labels.move({ pipeline: 'p', label: 'production', version: 1, by: 'admin' })).toMatchObject({ from: null, state: { version: 1 } });
    expect(await store.labels.move({ pipeline: 'p', label: 'production', version: 2, by: 'ci', note: 'ship', evalId: 'e1', forced: true })).toMatchObject({ from: 1 });
    // A conditional move (a promotion's) writes nothing when the label is no longer where it expects.
    await expect(store.labels.move({ pipeline: 'p', label: 'production', version: 1, by: 'ci', ifFrom: 1 })).rejects.toBeInstanceOf(LabelMovedError);
    await expect(store.labels.move({ pipeline: 'p', label: 'staging', version: 1, by: 'ci', ifFrom: 2 })).rejects.toMatchObject({ expected: 2, current: null });
    await store.labels.move({ pipeline: 'p', label: 'staging', version: 2, by: 'admin', ifFrom: null });
    // A move to the version the label holds already is no move: no history row, movedAt as it was.
    const held = await store.labels.get('p', 'staging');
    expect(await store.labels.move({ pipeline: 'p', label: 'staging', version: 2, by: 'ci', note: 'again' })).toEqual({ from: 2, moved: false, state: held });
    expect(await store.labels.get('p', 'staging')).toEqual(held);
    expect(Object.keys(await store.labels.list('p'))).toEqual(['production', 'staging']);
    expect(await store.labels.get('p', 'production')).toMatchObject({ version: 2 });
    expect(await store.labels.remove('p', 'staging', 'admin', 'gone')).toEqual({ from: 2 });
    expect(await store.labels.remove('p', 'staging', 'admin')).toBeUndefined();
    expect(await store.labels.all()).toMatchObject([{ pipeline: 'p', label: 'production', version: 2 }]);
    const some = await store.labels.ofPipelines(['p', 'no-such-pipeline']);
    expect([...some.keys()]).toEqual(['p']);
    expect(some.get('p')).toEqual(await store.labels.list('p'));
    expect((await store.labels.ofPipelines([])).size).toBe(0);

    const history = (await store.deployments.list('p', { limit: 100 })).items;
    expect(history.map((d) => [d.label, d.from, d.to, d.by])).toEqual([
      ['staging', 2, null, 'admin'],
      ['staging', null, 2, 'admin'],
      ['production', 1, 2, 'ci'],
      ['production', null, 1, 'admin'],
    ]);
    expect(history[2]).toMatchObject({ note: 'ship', evalId: 'e1', forced: true });
    expect(history[3].forced).toBe(false);
    // pages newest first, each move once, whatever the page size
    const first = await store.deployments.list('p', { limit: 3 });
    expect(first.items).toHaveLength(3);
    const rest = await store.deployments.list('p', { limit: 3, cursor: first.nextCursor! });
    expect(rest.nextCursor).toBeNull();
    expect([...first.items, ...rest.items]).toEqual(history);
  });

  it('lets one of 20 parallel promotions of a label not yet set move it, and chains every "from" of parallel moves, across two connections', async () => {
    const a = await target.open();
    const b = await target.twin(a);
    await a.versions.save(version('p', null, 'one'));
    for (let n = 1; n < 20; n++) await a.versions.save(version('p', n, `v${n + 1}`));
    // Each promotion compared its candidate with "not set": only the first may move it, the others must find it moved.
    const promotions = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).labels.move({ pipeline: 'p', label: 'fresh', version: i + 1, by: 'ci', ifFrom: null })),
    );
    expect(promotions.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(promotions.filter((r) => r.status === 'rejected').every((r) => r.status === 'rejected' && r.reason instanceof LabelMovedError)).toBe(true);
    expect((await a.deployments.list('p', { limit: 100 })).items.map((d) => d.from)).toEqual([null]);
    // Plain moves of a new label: the history says truly where each one left it (one from null, each from the move before's to).
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).labels.move({ pipeline: 'p', label: 'canary', version: i + 1, by: 'admin' })));
    const moves = (await a.deployments.list('p', { limit: 100 })).items.filter((d) => d.label === 'canary').reverse();
    expect(moves[0].from).toBeNull();
    for (let i = 1; i < moves.length; i++) expect(moves[i].from, `move ${i}`).toBe(moves[i - 1].to);
    expect((await a.labels.get('p', 'canary'))?.version).toBe(moves.at(-1)!.to);
  });

  it("moves a promotion's label only while the promotion is running and its process's, and ends it moved in the same transaction", async () => {
    const a = await target.open();
    const b = await target.twin(a);
    await a.versions.save(version('p', null, 'one'));
    await a.versions.save(version('p', 1, 'two'));
    const soFar = { from: null, evalIds: { candidate: 'e2', holder: null } };
    const outcome = { status: 'moved', moved: true, from: null, to: 2, comparison: null, gates: null, evalIds: soFar.evalIds, forced: false };
    const move = (id: string, owner: string) => a.labels.move({ pipeline: 'p', label: 'production', version: 2, by: 'ci', ifFrom: null, promotion: { id, owner, outcome } });
    // Server A alive but taken for dead: B ended its promotion; A's move then moves nothing and A's finish writes nothing.
    await a.promotions.create({ id: 'ended', pipeline: 'p', label: 'production', version: 2, createdAt: 1_000, owner: 'host:A' });
    expect(await b.promotions.endLeft('ended', 'the server running it stopped before the promotion ended')).toBe(true);
    await a.promotions.note('ended', soFar, { owner: 'host:A' });
    await expect(move('ended', 'host:A')).rejects.toThrow(PromotionEndedError);
    expect(await a.labels.get('p', 'production')).toBeUndefined();
    expect(await a.promotions.finish('ended', 'moved', outcome, [{ type: 'promotion.completed' }], { owner: 'host:A' })).toBe(false);
    expect(await a.promotions.get('ended')).toMatchObject({ status: 'failed', soFar: null, outcome: { status: 'failed', moved: false, error: 'the server running it stopped before the promotion ended' } });
    // Another process's promotion is not this one's to move by.
    await a.promotions.create({ id: 'theirs', pipeline: 'p', label: 'production', version: 2, createdAt: 1_000, owner: 'host:B' });
    await expect(move('theirs', 'host:A')).rejects.toThrow(PromotionEndedError);
    expect(await a.promotions.finish('theirs', 'failed', { status: 'failed' }, [], { owner: 'host:A' })).toBe(false);
    expect(await a.promotions.get('theirs')).toMatchObject({ status: 'running' });
    // Moved: the record says so from the move's own transaction, so ending it from elsewhere afterwards cannot make it `failed`.
    await a.promotions.create({ id: 'mine', pipeline: 'p', label: 'production', version: 2, createdAt: 1_000, owner: 'host:A' });
    await move('mine', 'host:A');
    expect(await a.labels.get('p', 'production')).toMatchObject({ version: 2 });
    expect(await a.promotions.get('mine')).toMatchObject({ status: 'moved', outcome });
    expect(await b.promotions.endLeft('mine', 'gone')).toBe(false);
    expect(await a.promotions.finish('mine', 'moved', outcome, [{ type: 'promotion.completed' }], { owner: 'host:A' })).toBe(true);
    expect(await a.promotions.get('mine')).toMatchObject({ status: 'moved', outcome });
    expect(await a.promotions.events('mine')).toEqual([{ type: 'promotion.completed' }]);
  });
});

const start = (id: string, over: Partial<RunStart> = {}): RunStart => ({ id, pipeline: 'p', version: 1, document: null, inputs: { q: id }, startedAt: 1_000, owner: 'host:1', ...over });
const finish = (id: string, over: Partial<RunFinish> = {}): RunFinish => ({
  id,
  status: 'succeeded',
  outputs: { answer: id },
  error: null,
  failedNode: null,
  durationMs: 12,
  nodes: { n: { id: 'n', type: 'llm', status: 'succeeded', attempts: 1, startedAt: 1_001, durationMs: 10, model: 'stub:m', usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 }, outputs: { text: 'x' } } },
  events: [
    { type: 'run.started', runId: id, at: 1_000, inputs: {} },
    { type: 'run.completed', runId: id, at: 1_012, durationMs: 12, outputs: { answer: id } },
  ],
  ...over,
});

async function seedRuns(store: Store) {
  store.runs.begin(start('a', { startedAt: 1_000, source: 'serve', label: 'production', keyName: 'k1' }));
  store.runs.finish(finish('a'));
  store.runs.begin(start('b', { startedAt: 2_000, version: 2, source: 'api' }));
  store.runs.begin(start('c', { startedAt: 3_000, pipeline: 'q', document: { inline: true }, from: { run: 'a', node: 'n' } }));
  await store.runs.flush();
  store.runs.finish(finish('c', { status: 'failed', outputs: null, error: 'boom', failedNode: 'n', resolved: { child: { pipeline: 'x', version: 3 } } as never }));
}

describe.each(targets)('store contract on $name: runs and node traces', (target) => {
  it('records a run from begin to finish with its node traces and events', async () => {
    const store = await target.open();
    await seedRuns(store);
    expect((await store.runs.get('b'))?.status).toBe('running');
    const a = await store.runs.get('a');
    expect(a).toMatchObject({ status: 'succeeded', source: 'serve', label: 'production', keyName: 'k1', inputs: { q: 'a' }, outputs: { answer: 'a' }, durationMs: 12, startedAt: 1_000 });
    expect(a?.nodes.n).toMatchObject({ model: 'stub:m', usage: { promptTokens: 3, completionTokens: 4 }, outputs: { text: 'x' } });
    expect(await store.runs.events('a')).toEqual(finish('a').events);
    expect(await store.runs.get('c')).toMatchObject({ status: 'failed', error: 'boom', failedNode: 'n', document: { inline: true }, from: { run: 'a', node: 'n' }, resolved: { child: { pipeline: 'x', version: 3 } } });
    expect(await store.runs.get('zzz')).toBeUndefined();
    expect(await store.runs.events('zzz')).toBeUndefined();
  });

  it("pages one pipeline's runs of one status as the filter of all runs gives them, found by pipeline and status together", async () => {
    const store = await target.open();
    const statuses = ['succeeded', 'failed', 'cancelled', 'running'] as const;
    const all: Array<{ id: string; pipeline: string; status: string; startedAt: number }> = [];
    for (let i = 0; i < 150; i++) {
      // Some runs share a start time: the page order breaks those ties by insertion, newest first.
      const run = { id: `r${String(i).padStart(3, '0')}`, pipeline: ['p', 'q', 'r'][i % 3], status: statuses[(i * 7) % 11 % 4], startedAt: 1_000 + Math.floor(i / 2) };
      all.push(run);
      store.runs.begin(start(run.id, { pipeline: run.pipeline, startedAt: run.startedAt }));
      if (run.status !== 'running') store.runs.finish(finish(run.id, { status: run.status as RunFinish['status'] }));
    }
    await store.runs.flush();
    for (const pipeline of ['p', 'q']) {
      for (const status of statuses) {
        const paged: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.runs.list({ pipeline, status, limit: 4, cursor });
          paged.push(...page.items.map((r) => r.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(paged).toEqual(all.filter((r) => r.pipeline === pipeline && r.status === status).reverse().map((r) => r.id));
      }
    }
    if (target.name === 'sqlite') {
      // The Runs view's filter (GET /api/runs?pipeline=&status=): read from an index of both, not by walking every run of the
      // pipeline for the few that failed (a pipeline with a month of runs and no failure was read whole, blocking the runner).
      const plan = await target.rows(store, "EXPLAIN QUERY PLAN SELECT id FROM runs r WHERE pipeline = 'p' AND status = 'failed' ORDER BY started_at DESC, rowid DESC LIMIT 51");
      expect(plan.map((r) => r.detail).join(' | ')).toMatch(/\(pipeline=\? AND status=\?\)/);
    }
  });

  it('pages runs of one status, and one pipeline\'s runs of one source, as the filter of all runs gives them, each found by its index', async () => {
    const store = await target.open();
    const statuses = ['succeeded', 'failed', 'cancelled', 'running'] as const;
    const sources = ['api', 'serve', 'eval'] as const;
    const all: Array<{ id: string; pipeline: string; status: string; source: string; startedAt: number }> = [];
    for (let i = 0; i < 150; i++) {
      const run = { id: `s${String(i).padStart(3, '0')}`, pipeline: ['p', 'q', 'r'][i % 3], status: statuses[(i * 7) % 11 % 4], source: sources[(i * 5) % 7 % 3], startedAt: 1_000 + Math.floor(i / 2) };
      all.push(run);
      store.runs.begin(start(run.id, { pipeline: run.pipeline, startedAt: run.startedAt, source: run.source }));
      if (run.status !== 'running') store.runs.finish(finish(run.id, { status: run.status as RunFinish['status'] }));
    }
    await store.runs.flush();
    const paged = async (query: Omit<RunQuery, 'limit' | 'cursor'>) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.runs.list({ ...query, limit: 4, cursor });
        ids.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return ids;
    };
    for (const status of statuses) expect(await paged({ status })).toEqual(all.filter((r) => r.status === status).reverse().map((r) => r.id));
    for (const pipeline of ['p', 'q']) {
      for (const source of sources) expect(await paged({ pipeline, source })).toEqual(all.filter((r) => r.pipeline === pipeline && r.source === source).reverse().map((r) => r.id));
    }
    if (target.name === 'sqlite') {
      // GET /api/runs?status= and the Runs view's source filter (?pipeline=&source=): read from an index of what is asked, not by
      // walking every run (or the pipeline's) newest first for the few that match; with none, the whole store was read (~0.6 s at 300,000 runs).
      const plan = async (where: string) => (await target.rows(store, `EXPLAIN QUERY PLAN SELECT id FROM runs r WHERE ${where} ORDER BY started_at DESC, rowid DESC LIMIT 51`)).map((r) => r.detail).join(' | ');
      expect(await plan("status = 'cancelled'")).toMatch(/\(status=\?\)/);
      expect(await plan("pipeline = 'p' AND source = 'eval'")).toMatch(/\(pipeline=\? AND source=\?\)/);
      // interruptOrphans' look for running runs keeps an index.
      expect(await plan("status = 'running'")).toMatch(/\(status=\?\)/);
    }
  });

  it('pages one pipeline\'s runs of one version as the filter of all runs gives them, found by its index', async () => {
    const store = await target.open();
    const all: Array<{ id: string; pipeline: string; version: number; startedAt: number }> = [];
    for (let i = 0; i < 120; i++) {
      const run = { id: `v${String(i).padStart(3, '0')}`, pipeline: ['p', 'q'][i % 2], version: 1 + ((i * 7) % 5), startedAt: 1_000 + Math.floor(i / 3) };
      all.push(run);
      store.runs.begin(start(run.id, { pipeline: run.pipeline, version: run.version, startedAt: run.startedAt }));
      store.runs.finish(finish(run.id));
    }
    await store.runs.flush();
    for (const pipeline of ['p', 'q']) {
      for (const version of [1, 3, 5]) {
        const ids: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.runs.list({ pipeline, version, limit: 4, cursor });
          ids.push(...page.items.map((r) => r.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(ids).toEqual(all.filter((r) => r.pipeline === pipeline && r.version === version).reverse().map((r) => r.id));
      }
    }
    if (target.name === 'sqlite') {
      // The Runs view's version filter (?pipeline=&version=): read from an index of what is asked, not by walking the
      // pipeline's runs newest first for the few of that version (all of them for a version no run ran).
      const plan = (await target.rows(store, 'EXPLAIN QUERY PLAN SELECT id FROM runs r WHERE pipeline = \'p\' AND version = 2 ORDER BY started_at DESC, rowid DESC LIMIT 51')).map((r) => r.detail).join(' | ');
      expect(plan).toMatch(/\(pipeline=\? AND version=\?\)/);
    }
  });

  it('lists newest first by every filter, including monitor scores', async () => {
    const store = await target.open();
    await seedRuns(store);
    const ids = async (q: Parameters<Store['runs']['list']>[0]) => (await store.runs.list(q)).items.map((r) => r.id);
    expect(await ids({ limit: 10 })).toEqual(['c', 'b', 'a']);
    const page = await store.runs.list({ limit: 2 });
    expect(page.items.map((r) => r.id)).toEqual(['c', 'b']);
    expect(await ids({ limit: 2, cursor: page.nextCursor! })).toEqual(['a']);
    expect(await ids({ pipeline: 'p', limit: 10 })).toEqual(['b', 'a']);
    expect(await ids({ source: 'serve', limit: 10 })).toEqual(['a']);
    expect(await ids({ label: 'production', limit: 10 })).toEqual(['a']);
    expect(await ids({ version: 2, limit: 10 })).toEqual(['b']);
    expect(await ids({ version: 3_000_000_000, limit: 10 })).toEqual([]);
    expect(await ids({ status: 'failed', limit: 10 })).toEqual(['c']);
    // a finished at 1,012, c at 3,012 (b still runs): a run counts where it finished.
    expect(await ids({ finished: { from: 1_000, to: 1_013 }, limit: 10 })).toEqual(['a']);
    expect(await ids({ finished: { from: 1_013, to: 9_000 }, limit: 10 })).toEqual(['c']);
    await store.monitors.addScore({ runId: 'a', monitor: 'm', pipeline: 'p', version: 1, label: null, score: 0.9, pass: true, reason: null, at: 5 });
    await store.monitors.addScore({ runId: 'b', monitor: 'm', pipeline: 'p', version: 2, label: null, score: 0.2, pass: false, reason: 'low', at: 6 });
    await store.monitors.flush();
    expect(await ids({ monitor: { name: 'm' }, limit: 10 })).toEqual(['b', 'a']);
    expect(await ids({ monitor: { name: 'm', maxScore: 0.5 }, limit: 10 })).toEqual(['b']);
    expect(await ids({ monitor: { name: 'm', minScore: 0.5 }, limit: 10 })).toEqual(['a']);
  });

  it("reads back the latest finished runs and scores an alert rule's window holds, and each rule's last alert state", async () => {
    const store = await target.open();
    const node = (id: string, costUsd: number) => ({ id, type: 'llm', status: 'succeeded' as const, attempts: 1, costUsd });
    // w finishes last though it started first; x is cancelled, y is a cli run, z still runs, v is another label's.
    store.runs.begin(start('w', { startedAt: 1_000, source: 'serve', label: 'production' }));
    store.runs.finish(finish('w', { durationMs: 5_000, nodes: { a: node('a', 0.25), b: node('b', 0.5) } }));
    store.runs.begin(start('x', { startedAt: 1_100, source: 'api' }));
    store.runs.finish(finish('x', { status: 'cancelled', durationMs: 10 }));
    store.runs.begin(start('u', { startedAt: 1_200, source: 'openai', label: 'production' }));
    store.runs.finish(finish('u', { status: 'failed', durationMs: 100, nodes: {} }));
    store.runs.begin(start('y', { startedAt: 1_300, source: 'cli' }));
    store.runs.finish(finish('y', { durationMs: 10 }));
    store.runs.begin(start('z', { startedAt: 1_400, source: 'api' }));
    store.runs.begin(start('v', { startedAt: 1_500, source: 'serve', label: 'staging' }));
    store.runs.finish(finish('v', { durationMs: 20 }));
    const sources = ['editor', 'api', 'serve', 'openai'] as const;
    const recent = (q: { label?: string; finishedSince?: number; limit: number }) => store.runs.recentFinished({ pipeline: 'p', sources, ...q });
    expect(await recent({ limit: 10 })).toEqual([
      { id: 'u', version: 1, label: 'production', status: 'failed', durationMs: 100, costUsd: 0, finishedAt: 1_300 },
      { id: 'v', version: 1, label: 'staging', status: 'succeeded', durationMs: 20, costUsd: 0, finishedAt: 1_520 },
      { id: 'w', version: 1, label: 'production', status: 'succeeded', durationMs: 5_000, costUsd: 0.75, finishedAt: 6_000 },
    ]);
    // The latest 2 by start, in the order they finished; by label; finished after a time.
    expect((await recent({ limit: 2 })).map((r) => r.id)).toEqual(['u', 'v']);
    expect((await recent({ label: 'production', limit: 10 })).map((r) => r.id)).toEqual(['u', 'w']);
    expect((await recent({ finishedSince: 1_500, limit: 10 })).map((r) => r.id)).toEqual(['v', 'w']);
    expect(await store.runs.recentFinished({ pipeline: 'other', sources, limit: 10 })).toEqual([]);

    const score = (runId: string, at: number, label: string | null = null, monitor = 'm') => ({ runId, monitor, pipeline: 'p', version: 1, label, score: at / 100, pass: true, reason: null, at });
    for (const s of [score('a', 10), score('b', 30, 'production'), score('c', 20), score('d', 40, null, 'n')]) await store.monitors.addScore(s);
    const scores = (q: { label?: string; since?: number; limit: number }) => store.monitors.recentScores({ pipeline: 'p', monitor: 'm', ...q });
    expect((await scores({ limit: 10 })).map((s) => s.runId)).toEqual(['a', 'c', 'b']);
    expect((await scores({ limit: 2 })).map((s) => s.runId)).toEqual(['c', 'b']);
    expect((await scores({ label: 'production', limit: 10 })).map((s) => s.runId)).toEqual(['b']);
    expect((await scores({ since: 10, limit: 10 })).map((s) => s.runId)).toEqual(['c', 'b']);

    const alert = { pipeline: 'p', payload: {}, webhook: 'http://127.0.0.1:9/h' };
    await store.monitors.addDelivery({ ...alert, rule: 'r1', state: 'firing', createdAt: 1 });
    await store.monitors.addDelivery({ ...alert, rule: 'r2', state: 'firing', createdAt: 2 });
    await store.monitors.addDelivery({ ...alert, rule: 'r1', state: 'recovered', createdAt: 3 });
    await store.monitors.addDelivery({ ...alert, pipeline: 'q', rule: 'r1', state: 'firing', createdAt: 4 });
    expect(await store.monitors.lastAlertStates('p')).toEqual(new Map([['r1', 'recovered'], ['r2', 'firing']]));
    expect(await store.monitors.lastAlertStates('none')).toEqual(new Map());
  });

  it('prunes finished runs only, and interrupts running runs of dead owners only', async () => {
    const store = await target.open();
    await seedRuns(store);
    store.runs.begin(start('alive', { startedAt: 500, owner: 'host:2' }));
    expect(await store.runs.interruptOrphans((owner) => owner === 'host:2')).toBe(1);
    expect(await store.runs.get('b')).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/stopped/) });
    expect((await store.runs.get('alive'))?.status).toBe('running');
    expect(await store.runs.prune(2_500)).toBe(2); // a and b; not the running one
    expect((await store.runs.list({ limit: 10 })).items.map((r) => r.id)).toEqual(['c', 'alive']);
  });

  it('gives back a large value at every place it was given, whether begun and finished in one batch or two', async () => {
    const store = await target.open();
    const big = 'v'.repeat(50_000);
    const rows = [{ id: 1, text: big }];
    const bigFinish = (id: string) =>
      finish(id, {
        outputs: { answer: big },
        nodes: {
          sql: { id: 'sql', type: 'tool', status: 'succeeded', attempts: 1, startedAt: 1_001, inputs: { args: {} }, outputs: { result: rows }, calls: [{ kind: 'tool', name: 'sql', input: {}, output: rows, durationMs: 1 }] },
          out: { id: 'out', type: 'output', status: 'succeeded', attempts: 1, startedAt: 1_002, inputs: { value: big }, outputs: { value: big } },
        },
        events: [
          { type: 'run.started', runId: id, at: 1_000, inputs: { q: big } },
          { type: 'run.completed', runId: id, at: 1_012, durationMs: 12, outputs: { answer: big } },
        ],
      });
    store.runs.begin(start('one', { inputs: { q: big } }));
    store.runs.finish(bigFinish('one'));
    store.runs.begin(start('two', { inputs: { q: big } }));
    await store.runs.flush();
    store.runs.finish(bigFinish('two'));
    for (const id of ['one', 'two']) {
      const run = await store.runs.get(id);
      expect(run).toMatchObject({ inputs: { q: big }, outputs: { answer: big }, nodes: bigFinish(id).nodes });
      expect(await store.runs.events(id)).toEqual(bigFinish(id).events);
    }
    // A value that looks like a reference but is not one stays as it was.
    const lookalike = { $patchbayValue: 'abc' };
    store.runs.begin(start('look', { inputs: { q: lookalike } }));
    store.runs.finish(finish('look', { outputs: { answer: big, other: lookalike } }));
    expect(await store.runs.get('look')).toMatchObject({ inputs: { q: lookalike }, outputs: { answer: big, other: lookalike } });
    expect(await store.runs.prune(9_999)).toBe(3);
  });

  it("reads many runs' pipelines, statuses, inputs and outputs at once, as a whole read gives them, and only the values those hold", async () => {
    const store = await target.open();
    await seedRuns(store);
    const big = 'v'.repeat(50_000);
    const middle = 'm'.repeat(50_000);
    store.runs.begin(start('big', { inputs: { q: big, short: 1 } }));
    store.runs.finish(
      finish('big', {
        outputs: { answer: big, other: { $patchbayValue: 'abc' } },
        nodes: { n: { id: 'n', type: 'transform', status: 'succeeded', attempts: 1, inputs: { value: big }, outputs: { value: middle } } },
      }),
    );
    // Still queued: a read sees it.
    store.runs.begin(start('queued', { pipeline: null, version: null, inputs: { q: middle } }));
    // More ids than one query reads, the runs among them late, one twice, and ids of no run.
    const ids = [...Array.from({ length: 120 }, (_, i) => `none-${i}`), 'a', 'b', 'c', 'big', 'queued', 'a', 'zzz'];
    const found = await store.runs.inputsAndOutputs(ids);
    expect([...found.keys()].sort()).toEqual(['a', 'b', 'big', 'c', 'queued']);
    for (const id of found.keys()) {
      const { pipeline, version, status, inputs, outputs } = (await store.runs.get(id))!;
      expect(found.get(id), id).toEqual({ id, pipeline, version, status, inputs, outputs });
    }
    expect(found.get('big')).toMatchObject({ inputs: { q: big, short: 1 }, outputs: { answer: big, other: { $patchbayValue: 'abc' } } });
    expect(found.get('c')).toMatchObject({ pipeline: 'q', status: 'failed', outputs: null });
    expect(found.get('b')).toMatchObject({ status: 'running', outputs: null });
    expect((await store.runs.inputsAndOutputs([])).size).toBe(0);
  });

  // An eval's case runs each carry the whole document they ran (pipeline null: not the pipeline's own runs).
  const SECRET = 'sk-secret-0123456789';
  const masked = (json: string) => json.replaceAll(SECRET, '[OPENAI_API_KEY]');
  const triage = { format: 'patchbay.pipeline/v1', name: 'triage', nodes: [{ id: 'llm', type: 'llm', config: { prompt: 'Answer the ticket. '.repeat(3_000), note: `key ${SECRET}` } }], edges: [] };
  const other = { format: 'patchbay.pipeline/v1', name: 'other', nodes: [], edges: [] };
  const caseStart = (id: string, document: unknown, startedAt = 1_000) => start(id, { pipeline: null, version: null, document, source: 'eval', startedAt });
  /** c1-c3 in one batch, c4 (an equal copy) later, c5 by the eval store with its case (a worker's write), o1 of another document, saved a saved version's. */
  async function caseRuns(store: Store) {
    for (const id of ['c1', 'c2', 'c3']) {
      store.runs.begin(caseStart(id, triage));
      store.runs.finish(finish(id));
    }
    store.runs.begin(start('saved'));
    await store.runs.flush();
    // With a run begun before: on PostgreSQL, the batch that takes a transaction rather than one statement.
    store.runs.begin(caseStart('c4', structuredClone(triage), 5_000));
    store.runs.finish(finish('c4'));
    store.runs.begin(caseStart('o1', other));
    store.runs.finish(finish('o1'));
    store.runs.finish(finish('saved'));
    await store.runs.flush();
    await store.evals.create({ id: 'e1', pipeline: 'p', version: 1, dataset: { name: 'd', hash: 'h', cases: 1 }, total: 1, baseline: null, spec: { suite: 's', scorers: [], repeat: 1, seed: 'x', behaviorHash: 'b' }, createdAt: 1, owner: 'host:1' });
    const record = { id: 'k1', repeat: 1, status: 'passed', outputs: {}, scores: {}, latencyMs: 1, tokens: null, costUsd: null } as never;
    expect(await store.evals.appendCase('e1', record, 0, { start: caseStart('c5', triage), finish: finish('c5') })).toBe(true);
  }
  const count = async (store: Store, statement: string) => Number((await target.rows(store, statement))[0].n);

  it("stores a document its runs ran once, however many runs ran it (an eval's case runs), redacted, and gives each run it as before", async () => {
    const store = await target.open({ redact: masked });
    await caseRuns(store);
    const redacted = JSON.parse(masked(JSON.stringify(triage)));
    for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) expect((await store.runs.get(id))?.document, id).toEqual(redacted);
    expect((await store.runs.get('o1'))?.document).toEqual(other);
    expect((await store.runs.get('saved'))?.document).toBeNull();
    // Two documents, each once; no run row holds one, and the secret is nowhere.
    expect(await count(store, 'SELECT count(*) AS n FROM run_documents')).toBe(2);
    expect(await count(store, 'SELECT count(*) AS n FROM runs WHERE document IS NOT NULL')).toBe(0);
    const texts = (await target.rows(store, 'SELECT document FROM run_documents')).map((r) => String(r.document));
    expect(texts.some((t) => t.includes('[OPENAI_API_KEY]'))).toBe(true);
    expect(texts.some((t) => t.includes(SECRET))).toBe(false);
  });

  it('masks each run\'s document with the secrets known when it is written, as every other text (a redactor learns them as configs come)', async () => {
    let known: string[] = [];
    const store = await target.open({ redact: (json) => known.reduce((text, secret) => text.replaceAll(secret, '[REDACTED]'), json) });
    store.runs.begin(caseStart('before', triage));
    store.runs.finish(finish('before'));
    await store.runs.flush();
    known = [SECRET];
    store.runs.begin(caseStart('after', triage));
    store.runs.finish(finish('after'));
    expect((await store.runs.get('before'))?.document).toEqual(triage);
    expect((await store.runs.get('after'))?.document).toEqual(JSON.parse(JSON.stringify(triage).replaceAll(SECRET, '[REDACTED]')));
    expect(await count(store, 'SELECT count(*) AS n FROM run_documents')).toBe(2);
  });

  it('drops a stored document with the last run that ran it, and keeps it while a run still does', async () => {
    const store = await target.open({ redact: masked });
    await caseRuns(store);
    expect(await store.runs.prune(2_000)).toBe(6); // all but c4
    expect(await count(store, 'SELECT count(*) AS n FROM run_documents')).toBe(1);
    expect((await store.runs.get('c4'))?.document).toEqual(JSON.parse(masked(JSON.stringify(triage))));
    expect(await store.runs.prune(9_999)).toBe(1);
    expect(await count(store, 'SELECT count(*) AS n FROM run_documents')).toBe(0);
  });

  it('reads a run stored with its document in its own row (before documents were stored once), and prunes it', async () => {
    const store = await target.open();
    await target.rows(store, `INSERT INTO runs (id, document, inputs, outputs, status, started_at, source) VALUES ('old', '{"name":"old","nodes":[{"id":"n"}],"k":[1,2]}', '{"q":1}', '{"a":2}', 'succeeded', 1000, 'eval') RETURNING id`);
    expect(await store.runs.get('old')).toMatchObject({ document: { name: 'old', nodes: [{ id: 'n' }], k: [1, 2] }, inputs: { q: 1 }, outputs: { a: 2 }, source: 'eval' });
    store.runs.begin(caseStart('new', triage));
    store.runs.finish(finish('new'));
    expect((await store.runs.get('new'))?.document).toEqual(triage);
    expect(await store.runs.prune(9_999)).toBe(2);
    expect(await count(store, 'SELECT count(*) AS n FROM run_documents')).toBe(0);
  });

  it('a second connection sees what the first one flushed', async () => {
    const a = await target.open();
    const b = await target.twin(a);
    a.runs.begin(start('x'));
    a.runs.finish(finish('x'));
    await a.runs.flush();
    expect((await b.runs.get('x'))?.status).toBe('succeeded');
  });
});
