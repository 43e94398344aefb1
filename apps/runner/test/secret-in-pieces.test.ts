import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { cleanEnv, runCli, workspace } from './cli-child';
import { echoPipeline, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

// A model that leaks the key it was called with: whole, and in pieces over stream chunks.
const KEY = `sk-leak-${randomBytes(16).toString('hex')}`;
const chunks = (text: string, size: number, offset = 0) => [text.slice(0, offset), ...(text.slice(offset).match(new RegExp(`.{1,${size}}`, 'gs')) ?? [])].filter(Boolean);

let stub: OpenAIStub;
let runner: TestRunner;
let ws: { dir: string; remove(): void };
const logLines: string[] = [];
/** Every answer body, CLI output and log line the test saw; grepped at the end with every file. */
const seen: Array<[string, string]> = [];

const leakyPipeline = (name: string) => echoPipeline(name, 'stub:model', 0);

beforeAll(async () => {
  stub = await startOpenAIStub({
    handler: (req) => {
      const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const asked = String(req.body?.messages?.at(-1)?.content ?? '');
      const leak = `my key is ${key}, and again: ${key}.`;
      if (asked.includes('fives')) return { pieces: chunks(leak, 5) };
      if (asked.includes('threes')) return { pieces: chunks(leak, 3, 2) };
      if (asked.includes('ones')) return { pieces: chunks(leak, 1) };
      return { text: leak };
    },
  });
  const env = { STUB_BASE_URL: stub.url, STUB_API_KEY: KEY };
  runner = await startTestRunner({ env, log: (line) => logLines.push(line) });
  ws = workspace({
    'leaky.json': leakyPipeline('leaky'),
    'cases.jsonl': ['fives', 'threes', 'whole'].map((q, i) => JSON.stringify({ id: `c${i}`, input: { question: q }, expected: 'nothing' })).join('\n'),
    'suite.json': { format: 'patchbay.eval/v1', dataset: 'cases.jsonl', scorers: [{ name: 'has', type: 'contains' }] },
  });
});
afterAll(async () => {
  await runner.close();
  await stub.close();
  ws.remove();
});

const collect = async (label: string, res: Response) => {
  const text = await res.text();
  seen.push([label, text]);
  return text;
};

describe('no secret in pieces or in files', () => {
  it('a model echoing its key whole or over chunks never shows it: not live, not on replay, not in the run, the cache, result files, CLI output or logs', async () => {
    expect((await runner.post('/api/pipelines', leakyPipeline('leaky'))).status).toBe(201);
    for (const question of ['fives', 'threes', 'ones', 'whole']) {
      const live = await collect(`SSE ${question}`, await runner.post('/api/runs?stream=true', { pipeline: 'leaky', inputs: { question } }));
      const id = /"runId":"([^"]+)"/.exec(live)![1];
      const run = await waitForRun(runner, id);
      expect(run.status).toBe('succeeded');
      // The masked stream still says everything else, in order.
      const streamed = [...live.matchAll(/"type":"node\.token"[^\n]*"text":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`)).join('');
      expect(streamed).toBe('my key is [REDACTED], and again: [REDACTED].');
      await collect(`replay ${question}`, await runner.api(`/api/runs/${id}/events`));
      await collect(`run ${question}`, await runner.api(`/api/runs/${id}`));
    }
    // Cached replies are served (and stored) masked too.
    await collect('SSE cached', await runner.post('/api/runs?stream=true', { pipeline: 'leaky', inputs: { question: 'fives' } }));

    // A version message with the key is stored masked; a description with it is refused.
    const saved = await runner.post('/api/pipelines/leaky/versions', { document: leakyPipeline('leaky'), baseVersion: 1, message: `rotated ${KEY}` });
    expect(saved.status).toBe(201);
    await collect('versions', await runner.api('/api/pipelines/leaky/versions'));
    const described = await runner.post('/api/pipelines/leaky/versions', { document: { ...leakyPipeline('leaky'), description: `uses ${KEY}` }, baseVersion: 2, message: 'x' });
    expect(described.status).toBe(400);
    await collect('description refused', described);
    // So is a label's note: the deployment history is never rewritten, so it is masked before it is stored.
    const moved = await runner.put('/api/pipelines/leaky/labels/production', { version: 2, note: `deployed with ${KEY}` });
    expect(moved.status).toBe(200);
    const history = await collect('deployments', await runner.api('/api/pipelines/leaky/deployments'));
    expect(JSON.parse(history).deployments[0].note).toBe('deployed with [REDACTED]');

    // The CLI: `patchbay run --json` and `patchbay eval` with every report file, on its own data dir.
    const env = cleanEnv({ STUB_BASE_URL: stub.url, STUB_API_KEY: KEY });
    const run = await runCli(['run', 'leaky.json', '--input', 'question=fives', '--json', '--data', 'data'], ws.dir, env);
    expect(run.code).toBe(0);
    seen.push(['cli run stdout', run.stdout], ['cli run stderr', run.stderr]);
    const evalRun = await runCli(['eval', 'leaky.json', '--suite', 'suite.json', '--data', 'data', '--out', 'out/result.json', '--junit', 'out/junit.xml', '--markdown', 'out/report.md'], ws.dir, env);
    expect(evalRun.code, evalRun.stderr).toBe(0);
    seen.push(['cli eval stdout', evalRun.stdout], ['cli eval stderr', evalRun.stderr]);
    expect(fs.readFileSync(path.join(ws.dir, 'out/result.json'), 'utf8')).toContain('[REDACTED]');

    await runner.server.store.runs.flush();
    seen.push(['runner log', logLines.join('\n')]);
    const files = [...listFiles(runner.dataDir), ...listFiles(ws.dir)];
    expect(files.some((f) => f.endsWith('cache.sqlite'))).toBe(true);
    // The key whole, and any 8 characters of it, anywhere: bytes of every file (SQLite, WAL, cache, results), every body, every output.
    const pieces = new Set(Array.from({ length: KEY.length - 7 }, (_, i) => KEY.slice(i, i + 8)));
    const leaks: string[] = [];
    const scan = (label: string, text: string) => {
      for (const piece of pieces) if (text.includes(piece)) leaks.push(`${label}: "${piece}"`);
    };
    for (const [label, text] of seen) scan(label, text);
    for (const file of files) scan(path.relative(path.dirname(runner.dataDir), file), fs.readFileSync(file).toString('latin1'));
    expect(leaks.slice(0, 10)).toEqual([]);
  }, 180_000);
});

describe('a document holding a piece of a key', () => {
  it('is refused as one holding it whole: a pipeline, a dataset, an index document (each is stored as sent)', async () => {
    const piece = KEY.slice(5, 17);
    const pipeline = await runner.post('/api/pipelines', { ...leakyPipeline('pieces'), description: `the old key began ${piece}` });
    expect(pipeline.status).toBe(400);
    expect((await pipeline.json()).errors).toEqual([{ path: '$.description', message: 'holds part of the value of STUB_API_KEY' }]);
    const dataset = await runner.post('/api/datasets', { name: 'pieces', cases: [{ id: 'a', input: { question: `is ${piece} a key?` }, expected: 'no' }] });
    expect(dataset.status).toBe(400);
    expect((await dataset.json()).errors).toEqual([{ path: '$.cases[0].input.question', message: 'holds part of the value of STUB_API_KEY' }]);
    const indexed = await runner.post('/api/indexes/pieces/documents', { documents: [{ id: 'a', text: `keys: ${piece}` }] });
    expect(indexed.status).toBe(400);
    expect((await runner.api('/api/pipelines/pieces')).status).toBe(404);
    // Seven characters are no piece of it: text may share a few letters with any key.
    expect((await runner.post('/api/pipelines', { ...leakyPipeline('pieces'), description: `not a key: ${KEY.slice(5, 12)}` })).status).toBe(201);
  });
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
