import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';
import { startRedis, type TestRedis } from '../../../test/support/redis-server';
import { behaviorHash, contentHash, type PipelineDocument } from '@patchbay/core';
import { cleanEnv, pipelineDoc, runCli, spawnCli, startCli, workspace, type CliResult } from './cli-child';
import { askDocsPipeline } from './support/ask-docs-pipeline';
import { startOpenAIStub } from '../../../test/support/openai-stub';
import { openSqliteStore } from '../src/store/index';
import { createServingKey } from '../src/deploy/serving-keys';

// A data dir the process may not write (a read-only mount, a folder of another user, `chmod -R a-w`).
// Searching only reads, so it works there; whatever must write says in one line what it could not write.
// Root writes through file modes, so as root the CLI runs as `nobody`, whom the OS really refuses.

let ws: ReturnType<typeof workspace>;
/** A data dir with the index "docs" of both files, built once by a user who may write it; each test reads a copy. */
let indexed: string;
beforeAll(async () => {
  ws = workspace({
    'refunds.md': 'Refunds are issued within five business days.',
    'shipping.md': 'Shipping takes three days.',
    'ask.json': askDocsPipeline,
    // A model call the response cache would keep (temperature 0), to a stub started by the test.
    'remote.json': pipelineDoc(
      'remote',
      [
        { id: 'q', type: 'input', config: { name: 'question' } },
        { id: 'answer', type: 'llm', config: { model: 'vllm:stub-model', prompt: '{{ q }}', temperature: 0 } },
        { id: 'out', type: 'output', config: { name: 'answer' } },
      ],
      ['q.value -> answer.q', 'answer.text -> out.value'],
    ),
    'calls-greeter.json': pipelineDoc(
      'calls-greeter',
      [
        { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
        { id: 'greet', type: 'pipeline', config: { ref: 'greeter@v1' } },
        { id: 'out', type: 'output', config: { name: 'greeting' } },
      ],
      ['who.value -> greet.who', 'greet.greeting -> out.value'],
    ),
  });
  chmodSync(ws.dir, 0o755);
  indexed = path.join(ws.dir, 'indexed');
  const built = await runCli(['index', 'docs', 'refunds.md', 'shipping.md', '--data', indexed], ws.dir, cleanEnv());
  expect(built.code, built.stderr).toBe(0);
});
afterAll(() => {
  makeWritable(ws.dir);
  ws?.remove();
});

function setMode(dir: string, mode: (isDir: boolean) => number) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const isDir = statSync(p).isDirectory();
    if (isDir) setMode(p, mode);
    chmodSync(p, mode(isDir));
  }
}
const makeReadOnly = (dir: string) => {
  setMode(dir, (isDir) => (isDir ? 0o555 : 0o444));
  chmodSync(dir, 0o555);
};
const makeWritable = (dir: string) => {
  chmodSync(dir, 0o755);
  setMode(dir, (isDir) => (isDir ? 0o755 : 0o644));
};

/** Runs the CLI as a user who may not write the data dir. */
const reader = () => ({ cwd: ws.dir, runAs: process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] : undefined });

/** `patchbay ARGS` started as a user who may not write the data dir. */
const spawnAsReader = (args: string[]) => spawnCli(args, reader());

/** `patchbay ARGS` as a user who may not write the data dir, to its end. */
const asReader = (args: string[]): Promise<CliResult> => startCli(args, reader());

/** `patchbay serve ARGS --port 0` as that user, once it listens; `stop()` sends SIGTERM and waits for its end. */
async function serveAsReader(args: string[]): Promise<{ url: string; log(): string; stop(): Promise<void> }> {
  const child = spawnAsReader(['serve', '--port', '0', ...args]);
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 90 s: ${log}`)), 90_000);
    const read = (c: string) => {
      log += c;
      const listening = /Patchbay listening on (http:\/\/\S+)/.exec(log);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', read);
    void exited.then(() => reject(new Error(`serve exited before it listened: ${log}`)));
  });
  return {
    url,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** As an earlier version left a retrieval file: its keyword index holds the text as written (no folding, no CJK pairs). */
const writtenByAnEarlierVersion = (file: string) => {
  const db = new Database(file);
  db.exec("INSERT INTO fts_1 (fts_1) VALUES ('rebuild'); PRAGMA user_version = 0");
  db.close();
};
const oldFormatNote = (data: string) =>
  `note: the keyword indexes in ${path.join(data, 'retrieval.sqlite')} were written by an earlier version and this process cannot write the file to ` +
  'bring them up to date: keyword search matches words as that version did (full-width, zero-width and CJK text differ) until a patchbay command ' +
  '(index, search) opens it once with write access';

/** A copy of the data dir with the index "docs" (`before` may change its retrieval file), made read-only. */
function readOnlyDataDir(name: string, before?: (file: string) => void): string {
  const data = path.join(ws.dir, name);
  cpSync(indexed, data, { recursive: true });
  before?.(path.join(data, 'retrieval.sqlite'));
  makeReadOnly(data);
  return data;
}

const oneLine = (r: CliResult) => {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
};

describe('a read-only data dir', () => {
  it('patchbay search finds what was indexed, and prints what it always does', async () => {
    const data = readOnlyDataDir('search');
    const [r, json] = await Promise.all([
      asReader(['search', 'docs', 'how long does shipping take', '--data', data]),
      asReader(['search', 'docs', 'refunds', '--json', '--data', data]),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^shipping\.md +\S+ +Shipping takes three days\.\n/);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ id: 'refunds.md' });
  });

  it('patchbay run runs a pipeline whose retrieve node reads the index', async () => {
    const data = readOnlyDataDir('run');
    const r = await asReader(['run', 'ask.json', '--input', 'question=refunds', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).docs[0]).toMatchObject({ id: 'refunds.md', text: 'Refunds are issued within five business days.' });
  });

  it('patchbay index says in one line which file it could not write, exit 2', async () => {
    const data = readOnlyDataDir('index');
    const r = await asReader(['index', 'docs', 'refunds.md', '--data', data]);
    expect(r.code, r.stderr).toBe(2);
    oneLine(r);
    expect(r.stderr).toContain(`patchbay index: cannot write ${path.join(data, 'retrieval.sqlite')}`);
    expect(r.stderr).toMatch(/read-only/);
  });

  it('patchbay serve, which records runs, says in one line which file it could not write, exit 2', async () => {
    const data = readOnlyDataDir('serve');
    const r = await asReader(['serve', '--port', '0', '--data', data]);
    expect(r.code, r.stderr).toBe(2);
    oneLine(r);
    expect(r.stderr, r.stderr).toMatch(new RegExp(`^patchbay serve: cannot write ${data}/[a-z]+\\.sqlite: the data dir ${data} is read-only`));
  });

  it('an index file an earlier version left in write-ahead-log mode: one line that says how to make it readable, exit 2', async () => {
    const data = readOnlyDataDir('wal', (file) => {
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.close();
    });
    const r = await asReader(['search', 'docs', 'refunds', '--data', data]);
    expect(r.code, r.stderr).toBe(2);
    oneLine(r);
    expect(r.stderr).toMatch(new RegExp(`^patchbay search: cannot read ${path.join(data, 'retrieval.sqlite')}: it is in write-ahead-log mode, .*once with write access`));
  });

  it('an index an earlier version wrote: search and run answer from its keyword index as it is, and say so in one line', async () => {
    const data = readOnlyDataDir('old-format', writtenByAnEarlierVersion);
    const notice = `${oldFormatNote(data)}\n`;
    const [r, run] = await Promise.all([
      asReader(['search', 'docs', 'refunds', '--data', data]),
      asReader(['run', 'ask.json', '--input', 'question=refunds', '--data', data]),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^refunds\.md /);
    expect(r.stderr).toBe(notice);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(notice);
  });

  it('a run whose model reply would be cached, in a data dir with no response cache yet: answered, nothing stored', async () => {
    const data = path.join(ws.dir, 'no-cache-file');
    mkdirSync(data);
    writeFileSync(path.join(data, 'patchbay.config.json'), '{}');
    makeReadOnly(data);
    const stub = await startOpenAIStub({ handler: () => ({ text: 'From the stub.' }) });
    try {
      const r = await startCli(['run', 'remote.json', '--input', 'question=hi', '--data', data], { ...reader(), env: cleanEnv({ VLLM_BASE_URL: stub.url }) });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ answer: 'From the stub.' });
      expect(readdirSync(data)).toEqual(['patchbay.config.json']);
    } finally {
      await stub.close();
    }
  });

  it('a data dir that holds no index yet: search says there is none, as anywhere', async () => {
    const data = path.join(ws.dir, 'empty');
    mkdirSync(data);
    writeFileSync(path.join(data, 'patchbay.config.json'), '{}');
    makeReadOnly(data);
    const r = await asReader(['search', 'docs', 'refunds', '--data', data]);
    expect(r.code).toBe(2);
    oneLine(r);
    expect(r.stderr).toMatch(/^patchbay search: unknown index "docs"; indexes: \(none\)/);
  });
});

// Listing keys and resolving stored pipelines only read the runner's store (runner.sqlite, left in WAL mode by a runner that stopped).
describe('a read-only data dir with a runner store', () => {
  const greeter = pipelineDoc(
    'greeter',
    [
      { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
      { id: 'greet', type: 'template', config: { template: 'Hello, {{ who }}!' } },
      { id: 'out', type: 'output', config: { name: 'greeting' } },
    ],
    ['who.value -> greet.who', 'greet.text -> out.value'],
  ) as unknown as PipelineDocument;

  /** A data dir whose runner store holds the key "app" and greeter v1 (`before` may change its runner.sqlite), made read-only. */
  async function storeDataDir(name: string, before?: (file: string) => void): Promise<string> {
    const data = path.join(ws.dir, name);
    mkdirSync(data);
    const store = openSqliteStore(data);
    await createServingKey(store, { name: 'app', pipelines: null });
    await store.versions.save({ pipeline: 'greeter', document: greeter, message: 'save', baseVersion: null, contentHash: contentHash(greeter), behaviorHash: behaviorHash(greeter), problems: [] });
    await store.close();
    before?.(path.join(data, 'runner.sqlite'));
    makeReadOnly(data);
    return data;
  }

  it('patchbay keys list lists the keys, as text and as JSON, and leaves the data dir as it was', async () => {
    const data = await storeDataDir('keys');
    const [list, json] = await Promise.all([asReader(['keys', 'list', '--data', data]), asReader(['keys', 'list', '--json', '--data', data])]);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +PIPELINES +CREATED +LAST USED\napp +\(all\) +\S+ +never\n$/);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).keys.map((k: { name: string }) => k.name)).toEqual(['app']);
    expect(readdirSync(data).sort()).toEqual(['runner.sqlite']);
  });

  it('patchbay validate finds a stored pipeline a file calls', async () => {
    const data = await storeDataDir('validate');
    const r = await asReader(['validate', 'calls-greeter.json', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a store a runner was killed writing (its -wal left, no -shm): keys list reads what the -wal holds too', async () => {
    // The key's last change is committed in the -wal only, as a runner killed before its checkpoint leaves it;
    // the -shm is gone (a copy or backup leaves it out, as SQLite says one may).
    const data = await storeDataDir('killed-writer', (file) => {
      const writer = new Database(file);
      writer.pragma('wal_autocheckpoint = 0');
      writer.prepare("UPDATE serving_keys SET name = 'app-renamed' WHERE name = 'app'").run();
      const kept = `${file}.killed`;
      mkdirSync(kept);
      cpSync(file, path.join(kept, 'runner.sqlite'));
      cpSync(`${file}-wal`, path.join(kept, 'runner.sqlite-wal'));
      writer.close();
      cpSync(path.join(kept, 'runner.sqlite'), file);
      cpSync(path.join(kept, 'runner.sqlite-wal'), `${file}-wal`);
      rmSync(kept, { recursive: true });
    });
    expect(readdirSync(data).sort()).toEqual(['runner.sqlite', 'runner.sqlite-wal']);
    const r = await asReader(['keys', 'list', '--json', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).keys.map((k: { name: string }) => k.name)).toEqual(['app-renamed']);
    expect(readdirSync(data).sort()).toEqual(['runner.sqlite', 'runner.sqlite-wal']);
    // A data dir whose runner.sqlite is a symlink to that file: its -wal is the one beside the file.
    const linked = path.join(ws.dir, 'killed-writer-link');
    mkdirSync(linked);
    symlinkSync(path.join(data, 'runner.sqlite'), path.join(linked, 'runner.sqlite'));
    chmodSync(linked, 0o555);
    const viaLink = await asReader(['keys', 'list', '--json', '--data', linked]);
    expect(viaLink.code, viaLink.stderr).toBe(0);
    expect(JSON.parse(viaLink.stdout).keys.map((k: { name: string }) => k.name)).toEqual(['app-renamed']);
  });

  it('the copy a process killed mid-read left in the temp dir (kill -9, out of memory) is removed by the next read', async () => {
    const data = await storeDataDir('after-a-crash');
    // What a reader killed while it read leaves: its copy of the store, in a dir named with its (now gone) pid.
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const left = path.join(tmpdir(), `patchbay-read-${gone}-x1y2z3`);
    mkdirSync(left);
    cpSync(path.join(data, 'runner.sqlite'), path.join(left, 'runner.sqlite'));
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
    chownSync(left, nobody, -1);
    chownSync(path.join(left, 'runner.sqlite'), nobody, -1);
    const r = await asReader(['keys', 'list', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(left)).toBe(false);
  });

  it('a runner store an earlier version wrote: one line that says it needs migrating and how, exit 2', async () => {
    const data = await storeDataDir('old-store', (file) => {
      const db = new Database(file);
      db.prepare('DELETE FROM schema_migrations WHERE id = (SELECT max(id) FROM schema_migrations)').run();
      db.close();
    });
    const r = await asReader(['keys', 'list', '--data', data]);
    expect(r.code, r.stderr).toBe(2);
    oneLine(r);
    expect(r.stderr).toMatch(new RegExp(`^patchbay keys: the runner store ${path.join(data, 'runner.sqlite')} was written by an earlier version and needs migrating, which this command does not do: .*patchbay serve --data`));
  });
});

// With --store postgres://… the store holds what serve writes: a data dir it may only read serves its indexes.
describe('patchbay serve --store postgres://… on a read-only data dir', () => {
  let pg: PostgresServer;
  let redis: TestRedis;
  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it('says in its log, once, that an index an earlier version wrote is searched with the old words', async () => {
    const data = readOnlyDataDir('serve-old-format', writtenByAnEarlierVersion);
    const server = await serveAsReader(['--data', data, '--store', await pg.createDatabase()]);
    try {
      const found = await fetch(`${server.url}/api/indexes/docs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'refunds' }) });
      expect(found.status).toBe(200);
      expect(server.log().split('\n').filter((line) => line === oldFormatNote(data))).toHaveLength(1);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('scaled out (--queue), runs a pipeline that searches its index: the index artifacts go to a temp dir of its own, saying so in one line', async () => {
    const data = readOnlyDataDir('serve-queue');
    const server = await serveAsReader(['--data', data, '--store', await pg.createDatabase(), '--queue', redis.url]);
    const post = (p: string, body: unknown) => fetch(`${server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      expect((await post('/api/pipelines', askDocsPipeline)).status).toBe(201);
      const started = await (await post('/api/runs', { pipeline: 'ask', inputs: { question: 'refunds' } })).json();
      let run = { status: 'running' } as { status: string; outputs?: { docs: Array<{ id: string }> }; error?: string };
      for (let i = 0; i < 300 && run.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        run = await (await fetch(`${server.url}/api/runs/${started.id}`)).json();
      }
      expect(run.status, run.error).toBe('succeeded');
      expect(run.outputs!.docs[0]).toMatchObject({ id: 'refunds.md' });
      const note = server.log().split('\n').filter((line) => line.includes('is read-only for this process'));
      expect(note).toHaveLength(1);
      const kept = new RegExp(`^the data dir ${data} is read-only for this process: index artifacts from the store are kept in (/\\S+/patchbay-serve-\\d+) until it stops$`).exec(note[0]);
      expect(kept, note[0]).not.toBeNull();
      expect(existsSync(path.join(kept![1], 'artifacts'))).toBe(true);
      await server.stop();
      expect(existsSync(kept![1])).toBe(false);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
