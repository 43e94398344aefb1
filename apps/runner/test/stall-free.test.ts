import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRunner, type ChildRunner } from './support/child-runner';

// A CPU-bound tool call must never hold the runner: /healthz keeps answering, timeoutMs holds, cancel and SIGTERM work.
const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c WHERE x < 0';

let data: string;
const children: ChildRunner[] = [];

beforeAll(() => {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-stall-'));
  const db = new Database(path.join(data, 'shop.sqlite'));
  db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
  db.close();
  fs.writeFileSync(path.join(data, 'patchbay.config.json'), JSON.stringify({ tools: { sql: [{ name: 'shop', database: 'shop.sqlite' }] } }));
});
afterAll(() => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  fs.rmSync(data, { recursive: true, force: true });
});

function sqlPipeline(name: string, timeoutMs?: number) {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'q', type: 'input', config: { name: 'sql', valueType: 'string' } },
      { id: 'query', type: 'tool', config: { tool: 'shop', parameters: ['sql'] }, ...(timeoutMs ? { timeoutMs } : {}) },
      { id: 'out', type: 'output', config: { name: 'rows' } },
    ],
    edges: [
      { from: 'q.value', to: 'query.sql' },
      { from: 'query.result', to: 'out.value' },
    ],
  };
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * Polls /healthz with a `clientTimeoutMs` client timeout for `ms`. A held event loop answers none
 * of them; this machine is shared, so a rare slow poll is tolerated.
 */
async function expectHealthy(url: string, ms: number, clientTimeoutMs = 100): Promise<void> {
  let misses = 0;
  let polls = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    polls++;
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(clientTimeoutMs) });
      if (!res.ok) misses++;
    } catch {
      misses++;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(polls - misses).toBeGreaterThanOrEqual(2);
  expect(misses / polls).toBeLessThanOrEqual(0.2);
}

/**
 * /healthz answers `times` times in a row, each within `clientTimeoutMs` (generous: a loaded machine makes any answer
 * slow). For work that never ends by itself, counted, not timed: a loop it held would answer none of them.
 */
async function expectAnswering(url: string, times: number, clientTimeoutMs = 10_000): Promise<void> {
  for (let i = 0; i < times; i++) expect((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(clientTimeoutMs) })).ok).toBe(true);
}

async function waitStatus(url: string, id: string, wanted: (s: string) => boolean) {
  for (;;) {
    const run = await (await fetch(`${url}/api/runs/${id}`)).json();
    if (wanted(run.status)) return run;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a runaway SQL query', () => {
  let runner: ChildRunner;
  beforeAll(async () => {
    runner = await spawnRunner(['--port', '0', '--data', data]);
    children.push(runner);
    expect((await post(`${runner.url}/api/pipelines`, sqlPipeline('forever'))).status).toBe(201);
    expect((await post(`${runner.url}/api/pipelines`, sqlPipeline('bounded', 500))).status).toBe(201);
  });

  it('leaves /healthz answering while it runs, and cancel stops it', async () => {
    const { id } = await (await post(`${runner.url}/api/runs`, { pipeline: 'forever', inputs: { sql: RUNAWAY } })).json();
    // The query never ends by itself: /healthz answering at all, the run still running, is the loop let go.
    // (Answers within 100 ms for 80% of 1.5 s was what a loaded machine could miss.)
    await expectAnswering(runner.url, 10);
    expect((await waitStatus(runner.url, id, () => true)).status).toBe('running');
    expect((await post(`${runner.url}/api/runs/${id}/cancel`, {})).status).toBe(200);
    expect((await waitStatus(runner.url, id, (s) => s !== 'running')).status).toBe('cancelled');
    // The database is usable again at once: the stuck process was killed, a fresh one answers.
    const { id: next } = await (await post(`${runner.url}/api/runs`, { pipeline: 'forever', inputs: { sql: 'SELECT x FROM t' } })).json();
    const done = await waitStatus(runner.url, next, (s) => s !== 'running');
    expect(done.outputs).toEqual({ rows: { columns: ['x'], rows: [{ x: 1 }], truncated: false } });
  });

  it("fails at its node's timeoutMs, and a query queued behind it reports that it was waiting", async () => {
    const bounded = await (await post(`${runner.url}/api/runs`, { pipeline: 'bounded', inputs: { sql: RUNAWAY } })).json();
    const a = await waitStatus(runner.url, bounded.id, (s) => s !== 'running');
    expect(a.status).toBe('failed');
    expect(a.error).toMatch(/timed out after 500 ms/);

    const ahead = await (await post(`${runner.url}/api/runs`, { pipeline: 'forever', inputs: { sql: RUNAWAY } })).json();
    const queued = await (await post(`${runner.url}/api/runs`, { pipeline: 'bounded', inputs: { sql: 'SELECT x FROM t' } })).json();
    const b = await waitStatus(runner.url, queued.id, (s) => s !== 'running');
    expect(b.status).toBe('failed');
    expect(b.error).toMatch(/timed out after 500 ms waiting for the database shop .*never started/);
    expect(b.nodes.query.waitedMs).toBeGreaterThan(300);
    await post(`${runner.url}/api/runs/${ahead.id}/cancel`, {});
  });

  it('lets SIGTERM stop the runner while a query runs', async () => {
    const own = await spawnRunner(['--port', '0', '--data', data]);
    children.push(own);
    const { id } = await (await post(`${own.url}/api/runs`, { pipeline: 'forever', inputs: { sql: RUNAWAY } })).json();
    await new Promise((r) => setTimeout(r, 200));
    own.child.kill('SIGTERM');
    expect(await own.exited).toBe(0);
    const db = new Database(path.join(data, 'runner.sqlite'), { readonly: true });
    expect(db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(id)).toBe('cancelled');
    db.close();
  }, 60_000);
});

describe('CPU-heavy work in the runner itself', () => {
  let runner: ChildRunner;
  beforeAll(async () => {
    runner = await spawnRunner(['--port', '0', '--data', data]);
    children.push(runner);
  });

  it('a JSONata transform over a big sequence leaves /healthz answering and stops at its limit', async () => {
    const doc = {
      format: 'patchbay.pipeline/v1',
      name: 'crunch',
      nodes: [
        { id: 'n', type: 'input', config: { name: 'n', valueType: 'number' } },
        { id: 'big', type: 'transform', config: { expression: '$count($filter([1..900000], function($v){$v % 7 = 0}))' } },
        { id: 'out', type: 'output', config: { name: 'count' } },
      ],
      edges: [
        { from: 'n.value', to: 'big.value' },
        { from: 'big.value', to: 'out.value' },
      ],
    };
    const { id } = await (await post(`${runner.url}/api/runs`, { document: doc, inputs: { n: 1 } })).json();
    // Bounded by slices of ~20 ms (one step can take longer on a busy machine): well under half a second.
    await expectHealthy(runner.url, 800, 500);
    const run = await waitStatus(runner.url, id, (s) => s !== 'running');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/expression failed: .*timeout/i);
  });

  it('a 4 MB index ingest leaves /healthz answering', async () => {
    const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda'.split(' ');
    let text = '';
    for (let i = 0; text.length < 4_000_000; i++) text += words[(i * 7) % words.length] + (i % 10 === 0 ? '. ' : ' ');
    const ingest = post(`${runner.url}/api/indexes/big/documents`, { documents: [{ id: 'a', text }] });
    await expectHealthy(runner.url, 1_500, 500);
    expect((await ingest).status).toBe(201);
  }, 60_000);
});
