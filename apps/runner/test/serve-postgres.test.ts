import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';
import { openPool } from '../src/store/postgres/pool';
import { cleanEnv, runCli, workspace } from './cli-child';
import { echoPipeline, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

// `patchbay serve --store postgres://…`: runners that share one real PostgreSQL instead of each its own SQLite file.
let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => pg?.stop());

describe('serve --store postgres://…', () => {
  it('two runners on one database share pipelines and runs, and exactly one of 20 parallel saves on one base wins', async () => {
    const store = await pg.createDatabase();
    const a = await startTestRunner({ store });
    const b = await startTestRunner({ env: { PATCHBAY_STORE: store } });
    try {
      expect((await a.post('/api/pipelines', echoPipeline('shared'))).status).toBe(201);
      expect((await (await b.api('/api/pipelines')).json()).map((p: { name: string }) => p.name)).toEqual(['shared']);
      const started = await (await b.post('/api/runs', { pipeline: 'shared', inputs: { question: 'from b' } })).json();
      const run = await waitForRun(b, started.id);
      expect(run).toMatchObject({ status: 'succeeded', outputs: { answer: 'from b' } });
      expect(await (await a.api(`/api/runs/${started.id}`)).json()).toMatchObject({ status: 'succeeded', version: 1 });
      // Nothing of the store went into the data dirs.
      for (const runner of [a, b]) expect(fs.existsSync(path.join(runner.dataDir, 'runner.sqlite'))).toBe(false);

      const edits = Array.from({ length: 20 }, (_, i) => {
        const runner: TestRunner = i % 2 ? a : b;
        return runner.post('/api/pipelines/shared/versions', { document: { ...echoPipeline('shared'), title: `edit ${i}` }, message: `edit ${i}`, baseVersion: 1 });
      });
      const statuses = await Promise.all(edits.map(async (r) => (await r).status));
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      expect((await (await a.api('/api/pipelines/shared/versions')).json()).map((v: { number: number }) => v.number)).toEqual([2, 1]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('answers 503 problem+json (not 500) while PostgreSQL is gone, and stays up', async () => {
    const own = await startPostgres();
    const logs: string[] = [];
    const runner = await startTestRunner({ store: await own.createDatabase(), log: (line) => logs.push(line) });
    try {
      expect((await runner.post('/api/pipelines', echoPipeline('before'))).status).toBe(201);
      expect((await runner.put('/api/pipelines/before/labels/production', { version: 1 })).status).toBe(200);
      await own.kill();
      // /healthz tells the truth (a load balancer takes this runner out), not the ok of a process that is up
      const down = await runner.api('/healthz');
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'unavailable', reason: `the store (PostgreSQL) cannot be reached: nothing answers at 127.0.0.1:${own.port} (the connection was refused)`, since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      for (const p of ['/api/pipelines', '/api/runs', '/api/pipelines/before/versions']) {
        const res = await runner.api(p);
        expect(res.status, p).toBe(503);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.headers.get('retry-after')).toBe('5');
        expect(await res.json()).toMatchObject({ type: expect.stringMatching(/store-unavailable$/), detail: expect.stringMatching(/store \(PostgreSQL\) is unavailable/) });
      }
      expect((await runner.post('/api/pipelines', echoPipeline('during'))).status).toBe(503);
      // An OpenAI client reads a code it can act on, as for a queue that is down (queue_unavailable).
      const served = await runner.post('/v1/chat/completions', { model: 'before', messages: [{ role: 'user', content: 'hi' }] });
      expect(served.status).toBe(503);
      expect((await served.json()).error).toMatchObject({ code: 'store_unavailable', message: expect.stringMatching(/store \(PostgreSQL\) is unavailable/) });
      // What needs no database is still served.
      expect((await runner.api('/api/openapi.json')).status).toBe(200);
      // A run refused (503) was never acknowledged: the refusal is the answer, and the log says no run was lost.
      const runs = [
        await runner.post('/api/runs', { document: echoPipeline('inline'), inputs: { question: 'hi' } }),
        await runner.post('/api/runs', { pipeline: 'before', inputs: { question: 'hi' } }),
        await runner.post('/api/pipelines/before/run', { inputs: { question: 'hi' } }),
      ];
      for (const res of runs) expect(res.status, res.url).toBe(503);
      expect(logs.filter((line) => /could not record run/.test(line))).toEqual([]);
      // and ok again once PostgreSQL is back
      await own.restart();
      await expect.poll(async () => (await runner.api('/healthz')).status, { timeout: 20_000, interval: 250 }).toBe(200);
      expect(await (await runner.api('/healthz')).json()).toEqual({ status: 'ok' });
    } finally {
      await runner.close();
      await own.stop();
    }
  });

  it('answers 400 (not 500) for text with a NUL character, which PostgreSQL cannot hold, wherever it comes in', async () => {
    const runner = await startTestRunner({ store: await pg.createDatabase() });
    try {
      expect((await runner.post('/api/pipelines', echoPipeline('nul'))).status).toBe(201);
      const answers = [
        await runner.api('/api/promotions/%00'),
        await runner.api('/api/promotions/a%00b/events'),
        await runner.api('/api/runs/%00'),
        await runner.post('/api/pipelines/nul/versions', { document: echoPipeline('nul'), message: 'a\u0000b', baseVersion: 1 }),
      ];
      for (const res of answers) {
        expect(res.status, res.url).toBe(400);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect((await res.json()).detail).toBe('a text in this request holds the NUL character (\\u0000), which the store (PostgreSQL) cannot keep: leave it out');
      }
      expect((await runner.api('/api/pipelines/nul/versions')).status).toBe(200);
    } finally {
      await runner.close();
    }
  });

  it('records a run whose error holds the NUL character (a tool or server quoting binary text), which a TEXT column cannot keep', async () => {
    const logs: string[] = [];
    const runner = await startTestRunner({ store: await pg.createDatabase(), log: (line) => logs.push(line) });
    try {
      // Any node's error can quote outside text: here a transform's $error of its input, as a tool's error quotes a server.
      const document = {
        format: 'patchbay.pipeline/v1',
        name: 'nul-error',
        nodes: [
          { id: 'q', type: 'input', config: { name: 'x', valueType: 'string' } },
          { id: 't', type: 'transform', config: { expression: '$error($)' } },
          { id: 'o', type: 'output', config: { name: 'y' } },
        ],
        edges: [{ from: 'q.value', to: 't.value' }, { from: 't.value', to: 'o.value' }],
      };
      const started = await runner.post('/api/runs', { document, inputs: { x: 'a\u0000b' } });
      expect(started.status).toBe(201);
      // Before, the finish was refused ('could not record run …: invalid byte sequence for encoding "UTF8": 0x00') and the run stayed running.
      const run = await waitForRun(runner, (await started.json()).id);
      expect(run).toMatchObject({ status: 'failed', error: 'node "t" failed: expression failed: a\\u0000b (at character 7)', failedNode: 't', inputs: { x: 'a\u0000b' } });
      // The node's trace is JSON, which keeps the character as it was.
      expect(run.nodes.t).toMatchObject({ status: 'failed', error: 'expression failed: a\u0000b (at character 7)' });
      expect(logs.filter((line) => /could not record/.test(line))).toEqual([]);
    } finally {
      await runner.close();
    }
  });

  it('survives PostgreSQL going away while a connection is checked out between two statements (a worker mid-transaction)', async () => {
    // A checked-out pg client has no 'error' listener of the pool's: its connection dying
    // emitted an unhandled 'error' and took the whole process down (a `patchbay worker` mid-eval).
    const own = await startPostgres();
    const { db } = openPool(await own.createDatabase());
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      await db.connection().execute(async (conn) => {
        expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(conn)).rows).toEqual([{ one: 1 }]);
        await own.kill();
        // The next statement on that connection fails (a 503 for a request), nothing more.
        await expect.poll(() => sql`SELECT 1`.execute(conn).then(() => 'answered', () => 'failed'), { timeout: 20_000 }).toBe('failed');
      });
      await expect(sql`SELECT 1`.execute(db)).rejects.toThrow();
      // Any 'error' event of the dead connection has been emitted by now (it came before the failure above).
      await new Promise((r) => setImmediate(r));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await db.destroy().catch(() => {});
      await own.stop();
    }
  });

  it('patchbay keys and patchbay promote work on the PostgreSQL store with --store (or PATCHBAY_STORE), not on a SQLite file the runner never reads', async () => {
    // They wrote to <data>/runner.sqlite whatever --store said: the key printed was refused (401) by
    // the runner on PostgreSQL, and promote evaluated and moved a label in a store no server used.
    const store = await pg.createDatabase();
    const runner = await startTestRunner({ store });
    const ws = workspace({
      'cases.jsonl': ['a', 'b', 'c'].map((q) => JSON.stringify({ id: q, input: { question: q }, expected: q })).join('\n') + '\n',
      'suite.json': { format: 'patchbay.eval/v1', name: 'echo-suite', dataset: 'cases.jsonl', scorers: [{ name: 'same', type: 'contains', target: 'answer' }] },
    });
    try {
      expect((await runner.post('/api/pipelines', echoPipeline('helpdesk'))).status).toBe(201);
      expect((await runner.post('/api/pipelines/helpdesk/versions', { document: { ...echoPipeline('helpdesk'), title: 'v2' }, message: 'v2', baseVersion: 1 })).status).toBe(201);
      expect((await runner.put('/api/pipelines/helpdesk/labels/production', { version: 1 })).status).toBe(200);
      const serve = (key: string) => runner.post('/api/pipelines/helpdesk/run', { inputs: { question: 'hi' } }, { authorization: `Bearer ${key}` });

      const created = await runCli(['keys', 'create', 'app', '--pipelines', 'helpdesk', '--store', store], ws.dir, cleanEnv());
      expect(created.stderr).toMatch(/not shown again/);
      expect(created.code).toBe(0);
      expect((await serve(created.stdout.trim())).status).toBe(200);
      const listed = await runCli(['keys', 'list'], ws.dir, cleanEnv({ PATCHBAY_STORE: store }));
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^app\s+helpdesk\s/m);
      expect((await runCli(['keys', 'revoke', 'app', '--store', store], ws.dir, cleanEnv())).code).toBe(0);
      expect((await serve(created.stdout.trim())).status).toBe(401);

      const promoted = await runCli(['promote', 'helpdesk', '--label', 'production', '--version', '2', '--suite', 'suite.json', '--store', store], ws.dir, cleanEnv());
      expect(promoted.stderr).not.toMatch(/patchbay promote:/);
      expect(promoted.code).toBe(0);
      expect(promoted.stdout).toMatch(/production: v1 → v2/);
      expect((await (await runner.api('/api/pipelines/helpdesk/labels')).json()).labels.production.version).toBe(2);
      expect(fs.existsSync(path.join(ws.dir, '.patchbay', 'runner.sqlite'))).toBe(false);

      // A store that is not one is refused in one line, exit 2, as for serve and index.
      const bad = await runCli(['keys', 'list', '--store', 'mysql://db/x'], ws.dir, cleanEnv());
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await runner.close();
      ws.remove();
    }
  }, 180_000);

  it('patchbay keys list reads a PostgreSQL store without migrating it: a database with no runner store, or one an earlier version left behind, is exit 2 in one line and stays as it was', async () => {
    const ws = workspace({});
    const tables = async (url: string) => {
      const { db } = openPool(url);
      try {
        const names = (await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`.execute(db)).rows.map((r) => r.name);
        const applied = names.includes('schema_migrations') ? (await sql<{ id: string }>`SELECT id FROM schema_migrations ORDER BY id`.execute(db)).rows.map((r) => r.id) : [];
        return { names: names.sort(), applied };
      } finally {
        await db.destroy();
      }
    };
    try {
      // A database no runner started on: nothing to list, and nothing made there.
      const empty = await pg.createDatabase();
      const none = await runCli(['keys', 'list', '--store', empty], ws.dir, cleanEnv());
      expect(none.code, none.stderr).toBe(2);
      expect(none.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^patchbay keys: there is no runner store in postgres:\/\/\S+: start the runner on it once \(patchbay serve --store postgres:\/\/\S+\)$/)]);
      expect(await tables(empty)).toEqual({ names: [], applied: [] });

      // A store whose newest migration has not run (an earlier version's): refused as for SQLite, not migrated.
      const behind = await pg.createDatabase();
      const runner = await startTestRunner({ store: behind });
      await runner.close();
      const { db } = openPool(behind);
      const [newest] = (await sql<{ id: string }>`DELETE FROM schema_migrations WHERE id = (SELECT max(id) FROM schema_migrations) RETURNING id`.execute(db)).rows;
      await db.destroy();
      const before = await tables(behind);
      const old = await runCli(['keys', 'list'], ws.dir, cleanEnv({ PATCHBAY_STORE: behind }));
      expect(old.code, old.stderr).toBe(2);
      expect(old.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^patchbay keys: the runner store postgres:\/\/\S+ was written by an earlier version and needs migrating, which this command does not do: start the runner on it once \(patchbay serve --store postgres:\/\/\S+\) as a user who may write it$/),
      ]);
      expect(await tables(behind)).toEqual(before);
      expect(before.applied).not.toContain(newest.id);
    } finally {
      ws.remove();
    }
  }, 60_000);

  it('refuses a store that is not a postgres:// URL (exit 2) or cannot be reached (exit 1), in one line', async () => {
    const ws = workspace({});
    try {
      const [bad, noDb, unreachable, inQuery] = await Promise.all([
        runCli(['serve', '--port', '0', '--store', 'mysql://db/x'], ws.dir),
        runCli(['serve', '--port', '0', '--store', 'postgres://user:secret@127.0.0.1:5432'], ws.dir),
        runCli(['serve', '--port', '0', '--no-demo', '--store', 'postgres://user:secret@127.0.0.1:1/x'], ws.dir),
        // pg (like libpq) also takes the password as a query parameter.
        runCli(['serve', '--port', '0', '--no-demo', '--store', 'postgres://user@127.0.0.1:1/x?sslmode=disable&password=secret'], ws.dir),
      ]);
      // Each exit code is checked with the output beside it: once, under load, this read exit 1 with no trace of why.
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toBe('patchbay serve: --store must be a postgres:// URL (postgres://user@host:5432/database), got "mysql://db/x"\n');
      expect(noDb.code, noDb.stderr).toBe(2);
      expect(noDb.stderr).toMatch(/^patchbay serve: --store names no database: "postgres:\/\/user:\*\*\*@127\.0\.0\.1:5432"/);
      expect(unreachable.code, unreachable.stderr).toBe(1);
      expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
      expect(unreachable.stderr).toMatch(/^patchbay serve: cannot open the store postgres:\/\/user:\*\*\*@127\.0\.0\.1:1\/x: nothing answers at 127\.0\.0\.1:1 \(the connection was refused\); start PostgreSQL there/);
      expect(inQuery.code, inQuery.stderr).toBe(1);
      expect(inQuery.stderr).toMatch(/^patchbay serve: cannot open the store postgres:\/\/user@127\.0\.0\.1:1\/x\?sslmode=disable&password=\*\*\*: nothing answers at 127\.0\.0\.1:1 \(the connection was refused\); start PostgreSQL there/);
      expect(bad.stderr + noDb.stderr + unreachable.stderr + inQuery.stderr).not.toContain('secret');
    } finally {
      ws.remove();
    }
  }, 120_000);
});
