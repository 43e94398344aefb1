import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from './cli-child';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

const TOKEN = 'admin-token-for-the-keys-test';
let runner: TestRunner;
const admin = { authorization: `Bearer ${TOKEN}` };
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const call = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  runner.api(path, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
const openai = (apiKey: string) => new OpenAI({ baseURL: `${runner.url}/v1`, apiKey, maxRetries: 0 });
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

beforeAll(async () => {
  runner = await startTestRunner({ token: TOKEN });
  for (const name of ['helpdesk', 'billing']) await runner.deploy(echoPipeline(name), admin);
});
afterAll(() => runner.close());

describe('serving keys over HTTP', () => {
  it('serve their own pipelines only, are refused on admin routes, and are recorded on the runs they make', async () => {
    const created = await runner.post('/api/keys', { name: 'support-app', pipelines: ['helpdesk'] }, admin);
    expect(created.status).toBe(201);
    const { key, pipelines } = await created.json();
    expect(key).toMatch(/^pbk_[A-Za-z0-9_-]{20,}$/);
    expect(pipelines).toEqual(['helpdesk']);

    const completion = await openai(key).chat.completions.create({ model: 'helpdesk', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0].message.content).toBe('hello');
    const served = await runner.post('/api/pipelines/helpdesk/run', { inputs: { question: 'hi' } }, as(key));
    expect(served.status).toBe(200);
    const runs = await (await call('/api/runs?pipeline=helpdesk', { headers: admin })).json();
    expect(runs.map((r: any) => [r.source, r.keyName])).toEqual([['serve', 'support-app'], ['openai', 'support-app']]);

    // Another pipeline: 403, in OpenAI's shape on /v1.
    const other = await failure(openai(key).chat.completions.create({ model: 'billing', messages: [{ role: 'user', content: 'x' }] }));
    expect(other).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(other.message).toMatch(/may not call pipeline "billing"/);
    expect((await runner.post('/api/pipelines/billing/run', { inputs: { question: 'x' } }, as(key))).status).toBe(403);
    const listed = [];
    for await (const m of openai(key).models.list()) listed.push(m.id);
    expect(listed).toEqual(['helpdesk', 'helpdesk@production']);
    expect((await openai(key).models.retrieve('helpdesk@production')).id).toBe('helpdesk@production');
    const otherModel = await failure(openai(key).models.retrieve('billing'));
    expect(otherModel).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(otherModel.message).toMatch(/may not call pipeline "billing"/);

    // Admin routes: 403 whatever the method.
    for (const [method, path] of [['GET', '/api/pipelines'], ['GET', '/api/keys'], ['POST', '/api/runs'], ['PUT', '/api/pipelines/helpdesk/labels/production'], ['GET', '/api/runs']]) {
      const res = await call(path, { method, headers: as(key), body: method === 'GET' ? undefined : JSON.stringify({ pipeline: 'helpdesk', version: 1 }) });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });

  it('lists keys without the key (names, scopes, created, last used), and a revoked or unknown key is 401', async () => {
    const { key } = await (await runner.post('/api/keys', { name: 'temp' }, admin)).json();
    expect((await runner.post('/api/pipelines/billing/run', { inputs: { question: 'x' } }, as(key))).status).toBe(200);
    const listText = await (await call('/api/keys', { headers: admin })).text();
    expect(listText).not.toContain('pbk_');
    const { keys } = JSON.parse(listText);
    expect(keys.map((k: any) => [k.name, k.pipelines])).toEqual([['support-app', ['helpdesk']], ['temp', null]]);
    expect(Date.parse(keys[1].lastUsedAt)).toBeGreaterThan(0);

    expect((await call('/api/keys/temp', { method: 'DELETE', headers: admin })).status).toBe(204);
    const revoked = await failure(openai(key).chat.completions.create({ model: 'billing', messages: [{ role: 'user', content: 'x' }] }));
    expect(revoked).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(revoked.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    expect((await runner.post('/api/pipelines/billing/run', { inputs: { question: 'x' } }, as(key))).status).toBe(401);
    expect((await runner.post('/api/pipelines/billing/run', { inputs: { question: 'x' } }, as('pbk_madeup'))).status).toBe(401);
    // With a token set, serving needs a key (or the token).
    expect(await failure(openai('not-a-key').models.list())).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await runner.post('/api/pipelines/billing/run', { inputs: { question: 'x' } }, admin)).status).toBe(200);

    expect((await call('/api/keys/temp', { method: 'DELETE', headers: admin })).status).toBe(404);
    expect((await runner.post('/api/keys', { name: 'support-app' }, admin)).status).toBe(409);
    expect((await runner.post('/api/keys', { name: 'Bad Name' }, admin)).status).toBe(400);
  });

  it("shows a key made again under a revoked key's name as used once it is used, not as never used", async () => {
    const use = async () => {
      const { key } = await (await runner.post('/api/keys', { name: 'remade', pipelines: ['billing'] }, admin)).json();
      expect((await runner.post('/api/pipelines/billing/run', { inputs: { question: 'x' } }, as(key))).status).toBe(200);
    };
    await use();
    expect((await call('/api/keys/remade', { method: 'DELETE', headers: admin })).status).toBe(204);
    await use(); // within the minute "last used" is written at most once in, but another key
    const { keys } = await (await call('/api/keys', { headers: admin })).json();
    const remade = keys.find((k: any) => k.name === 'remade');
    expect(Date.parse(remade.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(remade.createdAt));
  });

  it('refuses an empty pipeline list (400 at $.pipelines) rather than making a key for every pipeline', async () => {
    const res = await runner.post('/api/keys', { name: 'scoped-to-nothing', pipelines: [] }, admin);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await res.json();
    expect(problem.errors[0].path).toBe('$.pipelines');
    expect(problem.detail).toMatch(/leave it out/);
    const { keys } = await (await call('/api/keys', { headers: admin })).json();
    expect(keys.map((k: any) => k.name)).not.toContain('scoped-to-nothing');
  });

  it('refuses a field it does not know (400 at $) rather than a key for every pipeline when "pipelines" is misspelt', async () => {
    const res = await runner.post('/api/keys', { name: 'typo-scope', pipeline: ['helpdesk'] }, admin);
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.errors[0]).toMatchObject({ path: '$' });
    expect(problem.detail).toMatch(/unknown field "pipeline"/);
    const { keys } = await (await call('/api/keys', { headers: admin })).json();
    expect(keys.map((k: any) => k.name)).not.toContain('typo-scope');
  });

  it('refuses a scope naming a pipeline that does not exist (404 at its JSON path) rather than a key that can call nothing it was meant for', async () => {
    const res = await runner.post('/api/keys', { name: 'typo-app', pipelines: ['helpdesk', 'helpdesc'] }, admin);
    expect(res.status).toBe(404);
    const problem = await res.json();
    expect(problem).toMatchObject({ type: 'urn:patchbay:problem:pipeline-not-found', errors: [{ path: '$.pipelines[1]' }] });
    expect(problem.detail).toMatch(/no pipeline "helpdesc"/);
    const { keys } = await (await call('/api/keys', { headers: admin })).json();
    expect(keys.map((k: any) => k.name)).not.toContain('typo-app');
  });
});

describe('a key scoped to a pipeline that was deleted', () => {
  it('is listed with the pipeline as missing (GET /api/keys, patchbay keys list); a pipeline made again under the name is served', async () => {
    await runner.deploy(echoPipeline('ledger'), admin);
    const { key } = await (await runner.post('/api/keys', { name: 'ledger-app', pipelines: ['ledger', 'helpdesk'] }, admin)).json();
    const listed = async () => ((await (await call('/api/keys', { headers: admin })).json()).keys as any[]).find((k) => k.name === 'ledger-app');
    expect(await listed()).toMatchObject({ pipelines: ['ledger', 'helpdesk'], missing: [] });
    expect((await call('/api/pipelines/ledger', { method: 'DELETE', headers: admin })).status).toBe(204);
    expect(await listed()).toMatchObject({ pipelines: ['ledger', 'helpdesk'], missing: ['ledger'] });
    const everyKey = (await (await call('/api/keys', { headers: admin })).json()).keys as any[];
    expect(everyKey.filter((k) => k.name !== 'ledger-app').every((k) => Array.isArray(k.missing) && k.missing.length === 0)).toBe(true);
    const list = await runCli(['keys', 'list', '--data', runner.dataDir], runner.dataDir, cleanEnv());
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ledger-app\s+ledger \(missing\),helpdesk\s/);
    const json = await runCli(['keys', 'list', '--json', '--data', runner.dataDir], runner.dataDir, cleanEnv());
    expect(JSON.parse(json.stdout).keys.find((k: any) => k.name === 'ledger-app')).toMatchObject({ missing: ['ledger'] });
    // Serving follows the name (docs/deploy.md says why): the pipeline made again under it is the one the key calls.
    await runner.deploy(echoPipeline('ledger'), admin);
    expect(await listed()).toMatchObject({ missing: [] });
    expect((await runner.post('/api/pipelines/ledger/run', { inputs: { question: 'again' } }, as(key))).status).toBe(200);
  }, 60_000);
});

describe('patchbay keys', () => {
  it('creates (printing the key once), lists and revokes keys in the runner store', async () => {
    const env = cleanEnv();
    const created = await runCli(['keys', 'create', 'cli-app', '--pipelines', 'billing', '--data', runner.dataDir], runner.dataDir, env);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^pbk_/);
    expect(created.stderr).toMatch(/not shown again/);
    expect((await runner.post('/api/pipelines/billing/run', { inputs: { question: 'from cli key' } }, as(key))).status).toBe(200);

    // --pipelines given twice: both, not only the last
    expect((await runCli(['keys', 'create', 'two-flags', '--pipelines', 'billing', '--pipelines', 'helpdesk', '--data', runner.dataDir], runner.dataDir, env)).code).toBe(0);
    const list = await runCli(['keys', 'list', '--data', runner.dataDir], runner.dataDir, env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/cli-app\s+billing\s+\S+\s+20\d\d-/);
    expect(list.stdout).toMatch(/two-flags\s+billing,helpdesk\s/);
    expect(list.stdout).not.toContain('pbk_');

    expect((await runCli(['keys', 'create', 'cli-app', '--data', runner.dataDir], runner.dataDir, env)).code).toBe(2);
    const typo = await runCli(['keys', 'create', 'typo-app', '--pipelines', 'billing,bil386', '--data', runner.dataDir], runner.dataDir, env);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr.trim().split('\n')).toEqual([expect.stringMatching(/no pipeline "bil386"/)]);
    const revoked = await runCli(['keys', 'revoke', 'cli-app', '--data', runner.dataDir], runner.dataDir, env);
    expect(revoked.code).toBe(0);
    expect((await runner.post('/api/pipelines/billing/run', { inputs: { question: 'x' } }, as(key))).status).toBe(401);

    const again = await runCli(['keys', 'revoke', 'cli-app', '--data', runner.dataDir], runner.dataDir, env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no serving key named "cli-app"/);
    const bad = await runCli(['keys', 'rotate', 'x', '--data', runner.dataDir], runner.dataDir, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 180_000); // six CLI processes on a busy machine

  it('says in words that an action is missing (exit 2, one line), not a count of arguments', async () => {
    // Was: "patchbay keys: expected 1 to 2 argument(s), got 0; see patchbay keys --help".
    for (const args of [['keys'], ['keys', '--json']]) {
      const missing = await runCli([...args, '--data', runner.dataDir], runner.dataDir, cleanEnv());
      expect(missing.code).toBe(2);
      expect(missing.stdout).toBe('');
      expect(missing.stderr.trim().split('\n')).toEqual(['patchbay keys: name an action: create, list or revoke; see patchbay keys --help']);
    }
  }, 60_000);

  it('refuses a --data that is a file (exit 2, one line) rather than failing to make a store there', async () => {
    const file = path.join(runner.dataDir, 'cases.jsonl');
    writeFileSync(file, '{}\n');
    const created = await runCli(['keys', 'create', 'file-app', '--data', file], runner.dataDir, cleanEnv());
    expect(created.code).toBe(2);
    expect(created.stdout).toBe('');
    expect(created.stderr).toBe(`patchbay keys: --data ${file} is a file, not a data dir: pass the directory your runner keeps its data in\n`);
  }, 60_000);

  it('says so when keys create makes a new runner store (run outside the runner\'s data dir), since no runner accepts its key', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'patchbay-keys-'));
    try {
      const created = await runCli(['keys', 'create', 'my-app'], elsewhere, cleanEnv());
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^pbk_[A-Za-z0-9_-]+\n$/);
      const dataDir = path.join(elsewhere, '.patchbay');
      expect(created.stderr).toContain(`patchbay keys: there was no runner store in ${dataDir}, so this key went into a new one, which no runner uses yet: a runner serving from another data dir will refuse it (401); pass --data DIR (or set PATCHBAY_DATA, or --store) to make it where your runner keeps its data\n`);
      // The key is in that store all the same (a runner started there accepts it); a second one there says nothing of it.
      const second = await runCli(['keys', 'create', 'other-app'], elsewhere, cleanEnv());
      expect(second.code).toBe(0);
      expect(second.stderr).not.toMatch(/no runner store/);
      expect((await runCli(['keys', 'list'], elsewhere, cleanEnv())).stdout).toMatch(/my-app[\s\S]*other-app/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 120_000);
});
