import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type RunFinish, type RunStart, type Store } from '../src/store/index';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';
import { untilWaiting } from './support/lock-waits';

// An eval's case run stored by one process while another prunes old runs of the same document, on one
// PostgreSQL (READ COMMITTED), their statements interleaved on purpose: a third connection holds what the
// write needs last, so it stops there, holding what it has.
let server: PostgresServer;
const opened: Array<() => unknown> = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => server?.stop());
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  opened.push(() => c.end());
  return c;
}

const document = { format: 'patchbay.pipeline/v1', name: 'triage', nodes: [{ id: 'llm', type: 'llm', config: { prompt: 'Answer the ticket. '.repeat(500) } }], edges: [] };
const start = (id: string, startedAt: number): RunStart => ({ id, pipeline: null, version: null, document, inputs: { q: id }, startedAt, owner: 'host:1', source: 'eval' });
const finish = (id: string): RunFinish => ({ id, status: 'succeeded', outputs: { answer: id }, error: null, failedNode: null, durationMs: 5, nodes: {}, events: [] });
const caseRecord = (id: string) => ({ id, repeat: 1, status: 'passed', outputs: {}, scores: {}, latencyMs: 5, tokens: null, costUsd: null }) as never;

/** A case run of last month ("old") and an eval whose next case runs the same document. */
async function lastMonth(): Promise<{ url: string; writer: Store; pruner: Store; watch: pg.Client; documents: () => Promise<number> }> {
  const url = await server.createDatabase();
  const writer = await openStore(url);
  opened.push(() => writer.close());
  const pruner = await openStore(url);
  opened.push(() => pruner.close());
  writer.runs.begin(start('old', 1_000));
  writer.runs.finish(finish('old'));
  await writer.runs.flush();
  await writer.evals.create({ id: 'e1', pipeline: 'triage', version: 1, dataset: { name: 'd', hash: 'h', cases: 1 }, total: 1, baseline: null, spec: { suite: 's', scorers: [], repeat: 1, seed: 'x', behaviorHash: 'b' }, createdAt: 1, owner: 'host:1' });
  const watch = await client(url);
  const documents = async () => Number((await watch.query('SELECT count(*) AS n FROM run_documents')).rows[0].n);
  expect(await documents()).toBe(1);
  return { url, writer, pruner, watch, documents };
}

describe('a case run stored while another process prunes runs of its document (PostgreSQL)', () => {
  it('keeps the document when the prune comes after the write has found it stored, without waiting for the write', async () => {
    const { url, writer, pruner, watch, documents } = await lastMonth();
    // Another session holds the eval's row: the case's write (one statement) has stored its rows and found the
    // document stored, and stops at the end, where the case's reference to its eval is checked.
    const holder = await client(url);
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM eval_results WHERE id = 'e1' FOR UPDATE`);
    let written = false;
    const writing = writer.evals.appendCase('e1', caseRecord('c1'), 0, { start: start('new', 60_000), finish: finish('new') }).finally(() => (written = true));
    expect(await untilWaiting(watch, 'with', () => written)).toBe('waiting');

    // The prune deletes "old", the document's last committed run, and leaves the document the write holds.
    expect(await pruner.runs.prune(2_000)).toBe(1);
    expect(await documents()).toBe(1);
    await holder.query('ROLLBACK');
    expect(await writing).toBe(true);

    expect((await pruner.runs.get('new'))?.document).toEqual(document);
    expect(await pruner.runs.prune(99_999)).toBe(1);
    expect(await documents()).toBe(0);
  });

  it('stores the document anew when the prune deleted it before the write reached it', async () => {
    const { url, writer, pruner, watch, documents } = await lastMonth();
    // The prune's deletes, done and not yet committed, when the case's write starts.
    const pruning = await client(url);
    await pruning.query('BEGIN');
    await pruning.query(`DELETE FROM runs WHERE id = 'old'`);
    expect((await pruning.query('DELETE FROM run_documents RETURNING hash')).rows).toHaveLength(1);
    let written = false;
    const writing = writer.evals.appendCase('e1', caseRecord('c1'), 0, { start: start('new', 60_000), finish: finish('new') }).finally(() => (written = true));
    expect(await untilWaiting(watch, 'with', () => written)).toBe('waiting');
    await pruning.query('COMMIT');

    expect(await writing).toBe(true);
    expect((await pruner.runs.get('new'))?.document).toEqual(document);
    expect(await documents()).toBe(1);
  });
});
